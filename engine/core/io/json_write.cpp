// JSON output of large documents on several threads, streamed to a file.
//
// `policyc resolve --format json` of a 10,000-service system writes tens of megabytes. One
// thread building it in one string was a fifth of the command, and growing that string
// (and copying it out) touched three times its size in fresh memory. Here the biggest
// collection near the top (the services) is cut into pieces of a few dozen children. The
// threads take pieces in turn, write each into a buffer of its own, and the pieces are
// appended to the file in their order, so the text is write_json's, byte for byte.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "policyc/core/io.hpp"
#include "policyc/core/tasks.hpp"

namespace policyc {

namespace {

// Below this many children a collection is written on one thread (thread start-up would
// cost more than it saves), though a larger one further down may still be split.
constexpr size_t kMinChildrenToSplit = 512;
constexpr size_t kChildrenPerPiece = 64;

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

class StreamWriter {
 public:
  StreamWriter(std::FILE* file, bool pretty, unsigned threads)
      : file_(file), pretty_(pretty), threads_(threads) {}

  // Writes v; text before and after the split collection gathers in `pending_`.
  void write(const Value& v, int indent) {
    if (threads_ <= 1 || !splittable(v)) {
      write_json(pending_, v, pretty_, indent);
      return;
    }
    bool object = v.is_object();
    size_t n = v.size();
    pending_.push_back(object ? '{' : '[');
    if (n >= kMinChildrenToSplit) {
      flush();
      write_in_pieces(v, indent);
    } else {
      for (size_t i = 0; i < n; ++i) {
        start_child(pending_, v, i, indent);
        write(child(v, i), indent + 1);  // a big collection may be further down
      }
    }
    write_json_newline(pending_, pretty_, indent);
    pending_.push_back(object ? '}' : ']');
  }

  void flush() {
    std::fwrite(pending_.data(), 1, pending_.size(), file_);
    pending_.clear();
  }

 private:
  static const Value& child(const Value& v, size_t i) {
    return v.is_object() ? v.entries()[i].second : v.items()[i];
  }

  // The separator, line break and (for objects) key before child i.
  void start_child(std::string& out, const Value& v, size_t i, int indent) const {
    if (i > 0) out.push_back(',');
    write_json_newline(out, pretty_, indent + 1);
    if (v.is_object()) {
      write_json(out, v.entries()[i].first);
      out += pretty_ ? ": " : ":";
    }
  }

  // The threads take pieces in turn. A finished piece is appended at once when it is next in
  // order, else left for the thread that finishes its predecessor, so no thread waits on
  // another (waiting in step was a tenth of the output's time).
  void write_in_pieces(const Value& v, int indent) {
    size_t n = v.size();
    size_t pieces = (n + kChildrenPerPiece - 1) / kChildrenPerPiece;
    std::vector<std::string> done(pieces);  // written, waiting for their turn
    std::vector<bool> finished(pieces, false);
    std::mutex lock;
    size_t turn = 0;
    std::atomic<size_t> next_piece{0};
    auto work = [&] {
      for (size_t piece = next_piece++; piece < pieces; piece = next_piece++) {
        std::string buffer;
        size_t end = std::min(n, (piece + 1) * kChildrenPerPiece);
        for (size_t i = piece * kChildrenPerPiece; i < end; ++i) {
          start_child(buffer, v, i, indent);
          write_json(buffer, child(v, i), pretty_, indent + 1);
        }
        std::lock_guard<std::mutex> guard(lock);
        done[piece] = std::move(buffer);
        finished[piece] = true;
        for (; turn < pieces && finished[turn]; ++turn) {
          std::fwrite(done[turn].data(), 1, done[turn].size(), file_);
          std::string().swap(done[turn]);
        }
      }
    };
    std::vector<TaskPool::Task> workers;
    for (size_t t = 1; t < std::min<size_t>(threads_, pieces); ++t)
      workers.push_back(TaskPool::shared().run(work));
    work();
    for (auto& worker : workers) worker.wait();
  }

  std::FILE* file_;
  bool pretty_;
  size_t threads_;
  std::string pending_;
};

}  // namespace

void write_json_parallel(std::FILE* file, const Value& v, bool pretty) {
  StreamWriter writer(file, pretty, TaskPool::shared().concurrency());
  writer.write(v, 0);
  writer.flush();
}

}  // namespace policyc
