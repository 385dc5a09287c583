// Reading a service's stores and dependencies for the graph (graph_facts.hpp).
#include "graph_facts.hpp"

#include <functional>

namespace policyc::blueprint {

std::string EdgeSource::path() const {
  std::string base = index_path(list, index);
  if (std::string_view(list) == "dependencies")
    return index_path(child_path(base, "dependsOn"), inner);
  if (std::string_view(list) == "secrets") return child_path(base, "source");
  if (std::string_view(list) == "messaging.bus" || std::string_view(list) == "keyVault.name")
    return list;
  return base;
}

size_t graph_name_hash(std::string_view name) { return std::hash<std::string_view>{}(name); }

namespace {

// The keys read here, interned once: lookups then match the blueprint's (interned) keys by
// pointer, with nothing hashed or allocated per service.
struct Keys {
  Value blobStores = Value::interned("blobStores");
  Value bus = Value::interned("bus");
  Value cache = Value::interned("cache");
  Value databases = Value::interned("databases");
  Value dependencies = Value::interned("dependencies");
  Value dependsOn = Value::interned("dependsOn");
  Value keyVault = Value::interned("keyVault");
  Value messaging = Value::interned("messaging");
  Value name = Value::interned("name");
  Value secrets = Value::interned("secrets");
  Value source = Value::interned("source");
  Value storage = Value::interned("storage");
  Value tier = Value::interned("tier");
};

const Keys& keys() {
  static const Keys k;
  return k;
}

const Value* field(const Value& object, const Value& key) {
  return object.is_object() ? object.get_ptr(key) : nullptr;
}

// Edges from a service to the stores it uses, so they boot first and policies can ask
// "who uses this database". Store nodes are named "<kind>:<name>" to keep them apart from
// services of the same name.
void collect_store_facts(const Value& service, ServiceGraphFacts& out) {
  std::vector<std::pair<size_t, size_t>> spans;  // of each store fact's name in store_names
  auto add = [&](const char* kind, const std::string& name, EdgeSource source) {
    size_t offset = out.store_names.size();
    out.store_names += kind;
    out.store_names += ':';
    out.store_names += name;
    spans.emplace_back(offset, out.store_names.size() - offset);
    out.facts.push_back(GraphFact{GraphFact::kStoreEdge, {}, {}, 0, 0, source});
  };
  auto add_named = [&](const Value* list, const char* kind, const char* path) {
    if (!list || !list->is_array()) return;
    for (size_t i = 0; i < list->size(); ++i) {
      const Value* name = field(list->items()[i], keys().name);
      if (name && name->is_string()) add(kind, name->str(), EdgeSource{path, i, 0});
    }
  };
  if (const Value* storage = field(service, keys().storage)) {
    add_named(field(*storage, keys().databases), "database", "storage.databases");
    add_named(field(*storage, keys().blobStores), "blob", "storage.blobStores");
    add_named(field(*storage, keys().cache), "cache", "storage.cache");
  }
  if (const Value* messaging = field(service, keys().messaging)) {
    const Value* bus = field(*messaging, keys().bus);
    if (bus && bus->is_string()) add("bus", bus->str(), EdgeSource{"messaging.bus"});
  }
  const Value* vault = field(service, keys().keyVault);
  const Value* vault_name = vault ? field(*vault, keys().name) : nullptr;
  if (vault_name && vault_name->is_string()) {
    add("keyvault", vault_name->str(), EdgeSource{"keyVault.name"});
  } else if (const Value* secrets = field(service, keys().secrets);
             secrets && secrets->is_array()) {
    for (size_t i = 0; i < secrets->size(); ++i) {
      const Value* source = field(secrets->items()[i], keys().source);
      if (source && source->is_string()) add("secrets", source->str(), EdgeSource{"secrets", i, 0});
    }
  }
  // The views are made once store_names has stopped growing.
  for (size_t i = 0; i < spans.size(); ++i) {
    GraphFact& fact = out.facts[i];
    fact.name = std::string_view(out.store_names).substr(spans[i].first, spans[i].second);
    fact.name_hash = graph_name_hash(fact.name);
  }
}

}  // namespace

void collect_graph_facts(const Value& service, ServiceGraphFacts& out) {
  collect_store_facts(service, out);
  const Value* deps = field(service, keys().dependencies);
  if (!deps || !deps->is_array()) return;
  for (size_t i = 0; i < deps->size(); ++i) {
    const Value& entry = deps->items()[i];
    const Value* name = field(entry, keys().name);
    if (!name || !name->is_string()) continue;
    std::string_view from = name->str();
    size_t from_hash = graph_name_hash(from);
    const Value* tier = field(entry, keys().tier);
    out.facts.push_back(
        GraphFact{GraphFact::kDependency, from,
                  tier && tier->is_string() ? std::string_view(tier->str()) : std::string_view(),
                  from_hash, 0, EdgeSource{}});
    const Value* depends_on = field(entry, keys().dependsOn);
    if (!depends_on || !depends_on->is_array()) continue;
    for (size_t j = 0; j < depends_on->size(); ++j) {
      const Value& target = depends_on->items()[j];
      if (!target.is_string()) continue;
      out.facts.push_back(GraphFact{GraphFact::kDependsOn, from, target.str(), from_hash,
                                    graph_name_hash(target.str()),
                                    EdgeSource{"dependencies", i, j}});
    }
  }
}

}  // namespace policyc::blueprint
