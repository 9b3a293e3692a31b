// Atomic writes of models and state: write to a temp file beside the target,
// fsync it, rename over the target, fsync the directory. A crash leaves either
// the old file or the new one, never a torn one.
//
// The temp file is anonymous where the file system allows (O_TMPFILE: ext4,
// xfs, btrfs, tmpfs), so a writer killed mid-write leaves nothing behind; it
// gets its name <target>.tmp.<pid>.<n> only just before the rename. Elsewhere
// it is named from the start. Either way the writer holds an flock on it, and
// the next write to the same target removes every <target>.tmp.* whose writer
// is gone (kill -9, power loss): unlocked, and its pid dead or this process's.
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
  void WritePod(const T& v) {
    Write(&v, sizeof(T));
  }
  void Commit();
  FILE* file() { return f_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;  // tmp_: the name the bytes have before the rename
  FILE* f_ = nullptr;
  bool anonymous_ = false;  // O_TMPFILE: no name until Commit links it
  bool named_ = false;      // tmp_ exists and is ours to remove
  bool committed_ = false;
};

void WriteFileAtomic(const std::string& path, std::string_view bytes);
// fsyncs the directory holding `path`, so a name just created or renamed there survives a crash.
void SyncParentDir(const std::string& path);
std::string ReadFile(const std::string& path);  // throws kNotFound / kIOError

// Removes the temp files of `path` (<path>.tmp.<pid>[.<n>]) whose writers are
// gone; returns how many. AtomicFileWriter calls it; callers that stage files
// under their own names can call it for those names.
size_t RemoveStaleTempFiles(const std::string& path);

}  // namespace adpilot
