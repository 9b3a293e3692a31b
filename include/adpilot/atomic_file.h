// Atomic writes of models and state: write to a temp file beside the target,
// fsync it, rename over the target, fsync the directory. A crash leaves either
// the old file or the new one, never a torn one.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace adpilot {

// REQUIRES: Commit() called once when all bytes are written; otherwise the
// destructor removes the temp file and the target is untouched.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void Write(const void* data, size_t n);
  void Write(std::string_view s) { Write(s.data(), s.size()); }
  template <typename T>
  void WritePod(const T& v) { Write(&v, sizeof(T)); }
  void Commit();
  FILE* file() { return f_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  FILE* f_ = nullptr;
  bool committed_ = false;
};

void WriteFileAtomic(const std::string& path, std::string_view bytes);
std::string ReadFile(const std::string& path);  // throws kNotFound / kIOError

}  // namespace adpilot
