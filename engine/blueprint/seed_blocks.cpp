// The seed's blocks that read as keys elsewhere: the vault block of secrets and the
// infrastructure block of overlays.
#include "seed_blocks.hpp"

#include <string>
#include <utility>

namespace policyc::blueprint {

namespace {

const Value& key(const char* name) {
  // A handful of keys, interned once each.
  static const Value kSecrets = Value::interned("secrets");
  static const Value kVault = Value::interned("vault");
  static const Value kSource = Value::interned("source");
  static const Value kIdentity = Value::interned("managedIdentity");
  static const Value kValues = Value::interned("values");
  static const Value kKeyVault = Value::interned("keyVault");
  static const Value kName = Value::interned("name");
  static const Value kSecurity = Value::interned("security");
  static const Value kIdentityBlock = Value::interned("identity");
  static const Value kType = Value::interned("type");
  std::string_view n(name);
  if (n == "secrets") return kSecrets;
  if (n == "vault") return kVault;
  if (n == "source") return kSource;
  if (n == "managedIdentity") return kIdentity;
  if (n == "values") return kValues;
  if (n == "keyVault") return kKeyVault;
  if (n == "name") return kName;
  if (n == "security") return kSecurity;
  if (n == "identity") return kIdentityBlock;
  return kType;
}

const Value* get(const Value& object, const char* name) {
  return object.is_object() ? object.get_ptr(key(name)) : nullptr;
}

Value with(const Value& object, const char* name, Value value) {
  ObjectEntries entries;
  if (object.is_object()) {
    for (const auto& [k, v] : object.entries())
      if (k != key(name)) entries.emplace_back(k, v);
  }
  entries.emplace_back(key(name), std::move(value));
  return Value::object(std::move(entries));
}

}  // namespace

Value secrets_from_vault_block(const Value& service, ShorthandMoves& moves) {
  const Value& block = *get(service, "secrets");
  // Moves made inside the block (aliases of its values) follow the values to the list.
  const std::string values_prefix = "secrets.values[";
  for (auto& [to, from] : moves.moved)
    if (to.compare(0, values_prefix.size(), values_prefix) == 0)
      to = "secrets[" + to.substr(values_prefix.size());
  const Value* source = get(block, "source");
  const Value* vault = get(block, "vault");
  std::string source_from = source ? "secrets.source" : vault ? "secrets.vault" : "secrets";
  ValueVec list;
  if (const Value* values = get(block, "values"); values && values->is_array()) {
    for (size_t i = 0; i < values->size(); ++i) {
      Value item = values->items()[i];
      std::string at = index_path("secrets", i);
      moves.moved.emplace(moves.moved.begin(), at, index_path("secrets.values", i));
      if (!get(item, "source")) {
        item = with(item, "source", source ? *source : Value::string("AzureKeyVault"));
        moves.moved.emplace_back(child_path(at, "source"), source_from);
      }
      list.push_back(std::move(item));
    }
  }
  Value out = with(service, "secrets", Value::array(std::move(list)));
  if (vault) {
    const Value* key_vault = get(out, "keyVault");
    if (get(key_vault ? *key_vault : Value(), "name")) {
      moves.conflicts.emplace_back("secrets.vault", "keyVault.name");
    } else {
      out = with(out, "keyVault",
                 with(key_vault ? *key_vault : Value::empty_object(), "name", *vault));
      moves.moved.emplace_back("keyVault.name", "secrets.vault");
    }
  }
  if (const Value* identity = get(block, "managedIdentity")) {
    const Value* security = get(out, "security");
    const Value* current = security ? get(*security, "identity") : nullptr;
    if (current && get(*current, "name")) {
      moves.conflicts.emplace_back("secrets.managedIdentity", "security.identity.name");
    } else {
      Value id = with(current ? *current : Value::empty_object(), "name", *identity);
      moves.moved.emplace_back("security.identity.name", "secrets.managedIdentity");
      if (!get(id, "type")) {
        id = with(id, "type", Value::string("managed"));
        moves.moved.emplace_back("security.identity.type", "secrets.managedIdentity");
      }
      out =
          with(out, "security", with(security ? *security : Value::empty_object(), "identity", id));
    }
  }
  return out;
}

namespace {

const Value& infrastructure_key() {
  static const Value key = Value::interned("infrastructure");
  return key;
}

const Value* infrastructure_part(const Value& service, const char* part) {
  const Value* block = service.is_object() ? service.get_ptr(infrastructure_key()) : nullptr;
  return block && block->is_object() ? block->get_ptr(Value::string(part)) : nullptr;
}

}  // namespace

namespace {

// Merges the base's `from` into the document's `into` at `path`: mappings key by key; a
// value in both is a conflict, reported where the base wrote it.
Value lift(const Value& into, const Value& from, const std::string& path, ShorthandMoves& moves,
           size_t first_alias_move) {
  const std::string prefix = "infrastructure.base.";
  ObjectEntries entries(into.entries().begin(), into.entries().end());
  for (const auto& [key, value] : from.entries()) {
    std::string at = child_path(path, key.str());
    const Value* existing = into.get_ptr(key);
    if (existing && existing->is_object() && value.is_object()) {
      entries.emplace_back(key, lift(*existing, value, at, moves, first_alias_move));
      continue;  // the last of two entries with one key wins
    }
    // Where the base wrote it: an alias's own key, else the same path under the base.
    std::string source = prefix + at;
    for (size_t i = first_alias_move; i < moves.moved.size(); ++i)
      if (moves.moved[i].first == at) source = moves.moved[i].second;
    if (existing) {
      moves.conflicts.emplace_back(source, at);
      continue;
    }
    entries.emplace_back(key, value);
    moves.moved.emplace(moves.moved.begin(), at, prefix + at);
    ++first_alias_move;
  }
  return Value::object(std::move(entries));
}

}  // namespace

Value lift_infrastructure_base(const Value& service, ShorthandMoves& moves) {
  const Value* base = infrastructure_part(service, "base");
  if (!base || !base->is_object()) return service;
  const std::string prefix = "infrastructure.base.";
  for (auto& [to, from] : moves.moved)
    if (to.compare(0, prefix.size(), prefix) == 0) to = to.substr(prefix.size());
  return lift(service, *base, "", moves, 0);
}

const Value* infrastructure_overlay(const Value& service, const std::string& environment) {
  const Value* overlays = infrastructure_part(service, "overlays");
  return overlays && overlays->is_object() ? overlays->get_ptr(Value::string(environment))
                                           : nullptr;
}

Value without_infrastructure_block(const Value& service) {
  if (!service.is_object() || !service.get_ptr(infrastructure_key())) return service;
  ObjectEntries entries;
  for (const auto& [key, value] : service.entries())
    if (key != infrastructure_key()) entries.emplace_back(key, value);
  return Value::object_sorted(std::move(entries));
}

}  // namespace policyc::blueprint
