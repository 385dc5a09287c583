// Value I/O at the edges: JSON and YAML text to values.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "policyc/core/diagnostic.hpp"
#include "policyc/core/value.hpp"

namespace policyc {

struct TextError {
  std::string message;
  int line = 0;  // 1-based
  int col = 0;   // 1-based
};

struct JsonOptions {
  // Documents at least this long are parsed on two threads when the machine has two cores
  // (off by default). Meant for one-shot loads such as a command's input: payload boxes the
  // second thread allocates join the freeing thread's free lists, so a process that parses
  // many large documents this way would keep allocating fresh boxes on the second thread.
  size_t parallel_min_bytes = SIZE_MAX;
  // The text is a read-only private file mapping (FileText): pages the parser has passed
  // are handed back to the kernel as it goes, so a large input's text and its values are
  // not both held in memory. Should an error need them again, they are read back.
  bool release_parsed_pages = false;
};

// Parses one JSON document. Numbers keep their text (Value::number_from_text).
bool parse_json(std::string_view text, Value& out, TextError& err, const JsonOptions& options = {});

enum class YamlSchema {
  // YAML 1.2 core schema: true/false, null/~, ints, floats (test corpora, blueprints).
  Core12,
  // YAML 1.1 as Go's yaml library reads it (OPA's yaml.unmarshal): also yes/no/on/off/y/n.
  Go11,
  // YAML 1.2 core with decimal numbers only (blueprints): people write them, and octal or hex
  // integers, `.inf` or `.5` would only surprise them, so those stay strings.
  Decimal12,
};

// The value of a plain (unquoted, untagged) scalar under `schema`: null, a boolean, a number,
// or else the text as a string. Undefined for infinity or NaN, which JSON cannot hold.
Value resolve_plain_scalar(std::string_view text, YamlSchema schema);

// The 1-based line and column of byte `offset` in `text`: libyaml locates encoding errors
// (bytes that are not UTF-8, control characters) by offset only.
void line_col_of_offset(std::string_view text, size_t offset, int& line, int& col);

// Line `line` (1-based) of `text`, without its newline; empty past the end.
std::string line_of(std::string_view text, int line);

// Errors raised far from the loader name a file and line but carry no text for the caret:
// the line is read from the file (nothing when it cannot be read).
void attach_source_line(Diagnostic& d);

// Parses a YAML stream (one or more documents) with libyaml's event parser. Quoted scalars
// are strings. Errors carry libyaml's line/column.
bool parse_yaml(std::string_view text, std::vector<Value>& docs, TextError& err,
                YamlSchema schema = YamlSchema::Core12);

// Writes write_json's text for v to `file`, with the largest collection near the top (at
// least a few hundred children) written by several threads at once. For documents of many
// megabytes: no string of the whole text is built.
void write_json_parallel(std::FILE* file, const Value& v, bool pretty = false);

// Reads a whole file; false when it cannot be read.
bool read_file(const std::string& path, std::string& out);

// As read_file, telling a file that does not exist from one that cannot be read, so callers
// probing for optional files need no separate stat.
// Escapes: a symbolic link on the way leads outside the directory (ReadLimits::beneath); Loop:
// symbolic links that lead to each other; TooLarge: past ReadLimits::max_bytes.
enum class ReadStatus { Ok, Missing, Failed, Escapes, Loop, TooLarge };
ReadStatus read_file_status(const std::string& path, std::string& out);
struct ReadLimits {
  // Resolve the path inside the directory only: a symbolic link out of it (a blueprint that
  // links to /etc/passwd or a CI runner's credentials) is refused, not read.
  bool beneath = false;
  size_t max_bytes = SIZE_MAX;
};
// The same for `path` relative to an open directory (or AT_FDCWD): opening many files of one
// directory then walks only the rest of their paths.
ReadStatus read_file_status_at(int dir_fd, const char* path, std::string& out,
                               const ReadLimits& limits = {});

// A whole file's bytes for parsing: a read-only mapping of a regular file (no copy, and its
// pages can be dropped once parsed), or the bytes read into memory for anything else.
class FileText {
 public:
  FileText() = default;
  FileText(const FileText&) = delete;
  FileText& operator=(const FileText&) = delete;
  ~FileText();

  bool open(const std::string& path);  // false when it cannot be read
  std::string_view text() const { return text_; }
  bool mapped() const { return mapping_ != nullptr; }

 private:
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  std::string buffer_;
  std::string_view text_;
};

// An output file written whole or not at all: the text goes to a temporary file beside it,
// renamed over it once complete, so a full disk or a killed process leaves the previous file.
// What is not a regular file (a device such as /dev/stdout or /dev/full, a pipe) is written
// in place, errors reported all the same.
class AtomicOutput {
 public:
  AtomicOutput() = default;
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();  // removes the temporary file unless committed

  bool open(const std::string& path, std::string& error);
  std::FILE* file() const { return file_; }
  // Flushes, syncs and puts the file in place; false (with the reason) when any write failed.
  bool commit(std::string& error);

 private:
  std::string path_;
  std::string temporary_;  // empty when writing in place
  std::FILE* file_ = nullptr;
};

}  // namespace policyc
