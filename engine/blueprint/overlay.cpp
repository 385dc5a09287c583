// Overlay resolution with provenance.
//
// Rules (BLUEPRINT.md): maps merge key by key, null deletes, lists of objects that carry
// `name` merge by name, other lists are replaced. Provenance records, per resolved leaf, the
// file:line:col that set it and the value it replaced, so `explain` can say "replicas=4 set
// by overlays/prod.yaml:3, base had 2". Paths are those of the resolved document; the
// overlay's own paths (which differ for items merged by name) are used only for positions.
#include <string>
#include <utility>

#include "policyc/blueprint/blueprint.hpp"

namespace policyc::blueprint {

namespace {

bool is_leaf(const Value& v) { return !v.is_collection() || v.size() == 0; }

const Value* name_of(const Value& item) {
  if (!item.is_object()) return nullptr;
  static const Value kName = Value::interned("name");
  const Value* name = item.get_ptr(kName);
  return name && name->is_string() ? name : nullptr;
}

bool all_named(const Value& list) {
  for (const auto& item : list.items()) {
    if (!name_of(item)) return false;
  }
  return true;
}

// Removes the provenance of `path` and everything below it.
void erase_subtree(Provenance& provenance, const std::string& path) {
  auto it = provenance.lower_bound(path);
  while (it != provenance.end() && it->first.compare(0, path.size(), path) == 0) {
    const std::string& key = it->first;
    bool below = key.size() == path.size() || path.empty() || key[path.size()] == '.' ||
                 key[path.size()] == '[';
    it = below ? provenance.erase(it) : std::next(it);
  }
}

class OverlayMerger {
 public:
  OverlayMerger(const PositionMap& positions, int file, Provenance& provenance)
      : positions_(positions), file_(file), provenance_(provenance) {}

  Value merge(const Value& base, const Value& overlay, const std::string& path,
              const std::string& overlay_path) {
    if (base.is_object() && overlay.is_object()) {
      return merge_objects(base, overlay, path, overlay_path);
    }
    if (base.is_array() && overlay.is_array() && base.size() > 0 && all_named(base) &&
        all_named(overlay)) {
      return merge_named_lists(base, overlay, path, overlay_path);
    }
    replace(base, overlay, path, overlay_path);
    return overlay;
  }

  // Records every leaf of `value` as set by this file; `old` is what stood there before.
  void record(const Value& value, const Value& old, const std::string& path,
              const std::string& overlay_path) {
    if (is_leaf(value)) {
      Origin origin;
      origin.file = file_;
      Position pos = position(overlay_path);
      origin.line = pos.line;
      origin.col = pos.col;
      if (old.is_defined()) {
        // A base entry from an earlier overlay already knows the original base value.
        auto previous = provenance_.find(path);
        origin.replaced = previous != provenance_.end() && previous->second.replaced.is_defined()
                              ? previous->second.replaced
                              : old;
      }
      provenance_[path] = std::move(origin);
      return;
    }
    if (value.is_object()) {
      for (const auto& [key, child] : value.entries()) {
        const Value* old_child = old.is_object() ? old.get_ptr(key) : nullptr;
        record(child, old_child ? *old_child : Value(), child_path(path, key.str()),
               child_path(overlay_path, key.str()));
      }
      return;
    }
    const auto& items = value.items();
    for (size_t i = 0; i < items.size(); ++i) {
      const Value* old_item = old.is_array() && i < old.size() ? &old.items()[i] : nullptr;
      record(items[i], old_item ? *old_item : Value(), index_path(path, i),
             index_path(overlay_path, i));
    }
  }

 private:
  Position position(const std::string& overlay_path) const {
    std::string key = overlay_path;
    while (true) {
      auto it = positions_.find(key);
      if (it != positions_.end()) return it->second;
      if (key.empty()) return Position{};
      size_t cut = key.find_last_of(".[");
      key.resize(cut == std::string::npos ? 0 : cut);
    }
  }

  void replace(const Value& old, const Value& value, const std::string& path,
               const std::string& overlay_path) {
    // record() reads the entries it overwrites (to keep the original base value), so the
    // stale ones (leaves of the old value that the new one lacks) go afterwards.
    record(value, old, path, overlay_path);
    auto it = provenance_.lower_bound(path);
    while (it != provenance_.end() && it->first.compare(0, path.size(), path) == 0) {
      const std::string& key = it->first;
      bool below = key.size() == path.size() || path.empty() || key[path.size()] == '.' ||
                   key[path.size()] == '[';
      it = below && it->second.file != file_ ? provenance_.erase(it) : std::next(it);
    }
  }

  Value merge_objects(const Value& base, const Value& overlay, const std::string& path,
                      const std::string& overlay_path) {
    ObjectEntries result;
    result.reserve(base.size() + overlay.size());
    const auto& base_entries = base.entries();
    const auto& overlay_entries = overlay.entries();
    size_t i = 0;
    size_t j = 0;
    // Both entry lists are sorted by key: a linear merge keeps the result sorted.
    while (i < base_entries.size() || j < overlay_entries.size()) {
      int order = i == base_entries.size() ? 1
                  : j == overlay_entries.size()
                      ? -1
                      : compare(base_entries[i].first, overlay_entries[j].first);
      if (order < 0) {
        result.push_back(base_entries[i++]);
        continue;
      }
      const auto& [key, value] = overlay_entries[j++];
      std::string child = child_path(path, key.str());
      std::string overlay_child = child_path(overlay_path, key.str());
      if (order > 0) {
        if (value.is_null()) continue;  // deleting what is not there is a no-op
        record(value, Value(), child, overlay_child);
        result.emplace_back(key, value);
        continue;
      }
      const Value& old = base_entries[i++].second;
      if (value.is_null()) {
        erase_subtree(provenance_, child);
        continue;
      }
      result.emplace_back(key, merge(old, value, child, overlay_child));
    }
    return Value::object_sorted(std::move(result));
  }

  Value merge_named_lists(const Value& base, const Value& overlay, const std::string& path,
                          const std::string& overlay_path) {
    ValueVec result = base.items();
    const auto& overlay_items = overlay.items();
    for (size_t k = 0; k < overlay_items.size(); ++k) {
      const Value& item = overlay_items[k];
      const std::string& name = name_of(item)->str();
      size_t found = result.size();
      for (size_t r = 0; r < result.size(); ++r) {
        if (name_of(result[r])->str() == name) {
          found = r;
          break;
        }
      }
      std::string overlay_item_path = index_path(overlay_path, k);
      if (found == result.size()) {
        record(item, Value(), index_path(path, found), overlay_item_path);
        result.push_back(item);
      } else {
        result[found] = merge(result[found], item, index_path(path, found), overlay_item_path);
      }
    }
    return Value::array(std::move(result));
  }

  const PositionMap& positions_;
  int file_;
  Provenance& provenance_;
};

}  // namespace

Value merge_overlay(const Value& base, const Value& overlay, const PositionMap& overlay_positions,
                    int overlay_file, Provenance& provenance) {
  if (overlay.is_null()) return base;  // an empty overlay file changes nothing
  OverlayMerger merger(overlay_positions, overlay_file, provenance);
  return merger.merge(base, overlay, "", "");
}

}  // namespace policyc::blueprint
