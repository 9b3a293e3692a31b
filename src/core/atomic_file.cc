#include "adpilot/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "adpilot/error.h"

namespace adpilot {

namespace {

std::string DirOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// A killed writer stays a zombie until its parent (or init, for an orphan)
// reaps it, and kill(pid, 0) still succeeds on a zombie: read its state.
bool ProcessGone(long pid) {
  if (::kill(pid_t(pid), 0) != 0) return errno == ESRCH;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return true;
  size_t paren = line.rfind(')');  // the command name may hold spaces and ')'
  return paren != std::string::npos && paren + 2 < line.size() && (line[paren + 2] == 'Z' || line[paren + 2] == 'X');
}

// Parses "<pid>" or "<pid>.<n>" (the rest of a temp name after ".tmp.").
bool ParseTempSuffix(const char* s, long& pid) {
  char* end = nullptr;
  errno = 0;
  pid = std::strtol(s, &end, 10);
  if (end == s || errno || pid <= 0 || !std::isdigit(static_cast<unsigned char>(*s))) return false;
  if (*end == '.') {
    const char* n = end + 1;
    if (!std::isdigit(static_cast<unsigned char>(*n))) return false;
    while (std::isdigit(static_cast<unsigned char>(*n))) ++n;
    end = const_cast<char*>(n);
  }
  return *end == '\0';
}

}  // namespace

size_t RemoveStaleTempFiles(const std::string& path) {
  const std::string dir = DirOf(path);
  const std::string prefix = std::filesystem::path(path).filename().string() + ".tmp.";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  size_t removed = 0;
  while (const dirent* e = ::readdir(d)) {
    const char* name = e->d_name;
    long pid = 0;
    if (std::strncmp(name, prefix.c_str(), prefix.size()) != 0 || !ParseTempSuffix(name + prefix.size(), pid)) continue;
    // A pid that is alive in another process may be a reused one or a writer
    // of an older adpilot that takes no lock: leave its file alone.
    if (pid != ::getpid() && !ProcessGone(pid)) continue;
    int fd = ::openat(::dirfd(d), name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    // A live writer (this process's included) holds its lock until it commits or aborts.
    struct stat held {
    }, named{};
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::fstat(fd, &held) == 0 &&
        ::fstatat(::dirfd(d), name, &named, AT_SYMLINK_NOFOLLOW) == 0 && held.st_ino == named.st_ino &&
        ::unlinkat(::dirfd(d), name, 0) == 0)
      ++removed;
    ::close(fd);
  }
  ::closedir(d);
  return removed;
}

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  static std::atomic<uint64_t> seq{0};
  // pid and a per-process counter: two writers of one target never share a temp name.
  tmp_ = fmt::format("{}.tmp.{}.{}", path_, ::getpid(), seq++);
  RemoveStaleTempFiles(path_);
  int fd = ::open(DirOf(path_).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  // Linking it needs /proc/self/fd (without CAP_DAC_READ_SEARCH); else use a named temp.
  if (fd >= 0 && ::access(fmt::format("/proc/self/fd/{}", fd).c_str(), F_OK) == 0) {
    anonymous_ = true;
  } else {
    if (fd >= 0) ::close(fd);
    fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) Throw(ErrorCode::kIOError, "{}: cannot create {}: {}", path_, tmp_, std::strerror(errno));
    named_ = true;
  }
  ::flock(fd, LOCK_EX | LOCK_NB);  // a fresh file: never contended; marks it live for sweeps
  f_ = ::fdopen(fd, "wb");
  if (!f_) {
    int err = errno;
    ::close(fd);
    if (named_) ::unlink(tmp_.c_str());
    Throw(ErrorCode::kIOError, "{}: cannot create: {}", path_, std::strerror(err));
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (f_) std::fclose(f_);
  if (named_ && !committed_) ::unlink(tmp_.c_str());
}

void AtomicFileWriter::Write(const void* data, size_t n) {
  if (n && std::fwrite(data, 1, n, f_) != n)
    Throw(ErrorCode::kIOError, "{}: write failed: {}", path_, std::strerror(errno));
}

void AtomicFileWriter::Commit() {
  if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0)
    Throw(ErrorCode::kIOError, "{}: write failed: {}", path_, std::strerror(errno));
  if (anonymous_) {
    std::string proc = fmt::format("/proc/self/fd/{}", ::fileno(f_));
    // First write of a target: link it in place, no rename needed. Else give it
    // its temp name (it has one only for the two calls until the rename).
    if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path_.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      committed_ = true;
    } else if (errno != EEXIST || ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, tmp_.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      Throw(ErrorCode::kIOError, "{}: cannot link the written file: {}", path_, std::strerror(errno));
    } else {
      named_ = true;
    }
  }
  int closed = std::fclose(f_);
  f_ = nullptr;
  if (closed != 0) Throw(ErrorCode::kIOError, "{}: write failed: {}", path_, std::strerror(errno));
  if (!committed_) {
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
      Throw(ErrorCode::kIOError, "{}: rename failed: {}", path_, std::strerror(errno));
    committed_ = true;
  }
  SyncParentDir(path_);
}

void SyncParentDir(const std::string& path) {
  int fd = ::open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void WriteFileAtomic(const std::string& path, std::string_view bytes) {
  AtomicFileWriter w(path);
  w.Write(bytes);
  w.Commit();
}

std::string ReadFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) Throw(ErrorCode::kNotFound, "{}: no such file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) Throw(ErrorCode::kIOError, "{}: cannot open: {}", path, std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace adpilot
