// JSON output of large documents on several threads.
//
// `policyc resolve --format json` of a 10,000-service system writes tens of megabytes; one
// thread writing it was a fifth of the command. The biggest collection near the top (the
// services) is cut into contiguous runs of children, each written by its own thread into
// its own string, and the runs are joined in order, so the text is byte-identical to
// write_json's.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "policyc/engine/io.hpp"

namespace policyc {

namespace {

// Below this many children a collection is written on one thread (thread start-up would
// cost more than it saves), though a larger one further down may still be split.
constexpr size_t kMinChildrenToSplit = 512;

void newline(std::string& out, bool pretty, int indent) {
  if (!pretty) return;
  out.push_back('\n');
  out.append(static_cast<size_t>(indent) * 2, ' ');
}

// Objects whose keys are not all strings are written in the order of their keys' JSON text
// (write_json re-sorts them), so only arrays, sets and string-keyed objects are split here.
bool splittable(const Value& v) {
  if (v.is_array() || v.is_set()) return v.size() > 0;
  if (!v.is_object() || v.size() == 0) return false;
  for (const auto& entry : v.entries()) {
    if (!entry.first.is_string()) return false;
  }
  return true;
}

void write_json_split(std::string& out, const Value& v, bool pretty, int indent, unsigned threads) {
  if (threads <= 1 || !splittable(v)) {
    write_json(out, v, pretty, indent);
    return;
  }
  bool object = v.is_object();
  size_t n = v.size();
  bool split_here = n >= kMinChildrenToSplit;
  auto write_children = [&](std::string& dst, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if (i > 0) dst.push_back(',');
      newline(dst, pretty, indent + 1);
      const Value* child;
      if (object) {
        write_json(dst, v.entries()[i].first);
        dst += pretty ? ": " : ":";
        child = &v.entries()[i].second;
      } else {
        child = &v.items()[i];
      }
      // Below a split point every thread writes plainly; above one, a big collection may
      // still be further down.
      if (split_here) {
        write_json(dst, *child, pretty, indent + 1);
      } else {
        write_json_split(dst, *child, pretty, indent + 1, threads);
      }
    }
  };
  out.push_back(object ? '{' : '[');
  if (split_here) {
    size_t parts = std::min<size_t>(threads, n / (kMinChildrenToSplit / 2));
    std::vector<std::string> texts(parts - 1);
    std::vector<std::thread> workers;
    for (size_t p = 1; p < parts; ++p) {
      workers.emplace_back(
          [&, p] { write_children(texts[p - 1], p * n / parts, (p + 1) * n / parts); });
    }
    write_children(out, 0, n / parts);
    for (auto& worker : workers) worker.join();
    size_t total = out.size();
    for (const auto& text : texts) total += text.size();
    out.reserve(total + static_cast<size_t>(indent) * 2 + 2);
    for (const auto& text : texts) out += text;
  } else {
    write_children(out, 0, n);
  }
  newline(out, pretty, indent);
  out.push_back(object ? '}' : ']');
}

}  // namespace

void write_json_parallel(std::string& out, const Value& v, bool pretty, int indent) {
  write_json_split(out, v, pretty, indent, std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace policyc
