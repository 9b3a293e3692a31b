// Buffered, atomic output of one generated file: bytes collect in a string and
// go to an AtomicFileWriter in large chunks; Commit() publishes the file.
#pragma once

#include <string>
#include <string_view>

#include "adpilot/atomic_file.h"

namespace adpilot::gen {

class OutFile {
 public:
  explicit OutFile(const std::string& path) : w_(path) { buf_.reserve(kChunk + 4096); }
  std::string& buf() { return buf_; }
  void Append(std::string_view s) { buf_.append(s); }
  // Call after each record: writes out once the buffer is large.
  void MaybeFlush() {
    if (buf_.size() >= kChunk) Flush();
  }
  // Writes a large piece straight through, after what is buffered.
  void WriteThrough(std::string_view s) {
    Flush();
    w_.Write(s);
  }
  void Flush() {
    w_.Write(buf_);
    buf_.clear();
  }
  void Commit() {
    Flush();
    w_.Commit();
  }

 private:
  static constexpr size_t kChunk = 1 << 20;
  AtomicFileWriter w_;
  std::string buf_;
};

}  // namespace adpilot::gen
