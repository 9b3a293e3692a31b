// Inputs opened once: regular files by fd, streams through one shared,
// spooled handle per path (see adpilot/input.h for the rules).
#include "adpilot/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "adpilot/error.h"

namespace adpilot {
namespace {

// Stat of `path`, or a clear error: missing -> kNotFound, directory -> kInvalidArgument.
struct stat StatOrThrow(const std::string& path) {
  struct stat st {};
  if (path == "-") {
    if (::fstat(0, &st) != 0) Throw(ErrorCode::kIOError, "-: cannot read stdin: {}", std::strerror(errno));
    return st;
  }
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) Throw(ErrorCode::kNotFound, "{}: no such file", path);
    Throw(ErrorCode::kIOError, "{}: cannot open: {}", path, std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) Throw(ErrorCode::kInvalidArgument, "{}: is a directory, expected a file", path);
  return st;
}

int OpenOrThrow(const std::string& path) {
  int fd;
  do fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    // Gone between stat and open (a vanishing file) reads as missing.
    if (errno == ENOENT) Throw(ErrorCode::kNotFound, "{}: no such file", path);
    Throw(ErrorCode::kIOError, "{}: cannot open: {}", path, std::strerror(errno));
  }
  return fd;
}

size_t ReadFd(int fd, char* out, size_t n, const std::string& path) {
  for (;;) {
    ssize_t r = ::read(fd, out, n);
    if (r >= 0) return size_t(r);
    if (errno == EINTR) continue;
    Throw(ErrorCode::kIOError, "{}: read error: {}", path, std::strerror(errno));
  }
}

class FileInput : public data::RawInput {
 public:
  FileInput(const std::string& path, uint64_t size) : path_(path), fd_(OpenOrThrow(path)), size_(size) {}
  ~FileInput() override { ::close(fd_); }
  size_t Read(char* out, size_t n) override { return ReadFd(fd_, out, n, path_); }
  uint64_t size() const override { return size_; }
  bool Seek(uint64_t offset) override { return ::lseek(fd_, off_t(offset), SEEK_SET) == off_t(offset); }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

// One per stream for the life of the process: the live fd and the spool. A
// stream is known by its path and its inode, so a new pipe that reuses an old
// /dev/fd/N number is a new stream.
struct Stream {
  std::mutex mu;
  std::string path;
  dev_t dev = 0;
  ino_t ino = 0;
  int fd = -1;
  int spool = -1;     // unlinked temporary file holding bytes [0, kept)
  uint64_t kept = 0;  // bytes in the spool
  uint64_t live = 0;  // bytes read from fd so far
  uint64_t opens = 0;
  int readers = 0;  // cursors open now
  bool eof = false, whole = false;
  bool dropped = false;  // bytes past `kept` were read and let go

  void Keep(const char* data, size_t n) {
    if (spool < 0) {
      const char* dir = std::getenv("TMPDIR");
      std::string tmpl = fmt::format("{}/adpilot-spool-XXXXXX", dir && *dir ? dir : "/tmp");
      spool = ::mkstemp(tmpl.data());
      if (spool < 0)
        Throw(ErrorCode::kIOError, "{}: cannot create a spool file in {}: {}", path, dir && *dir ? dir : "/tmp",
              std::strerror(errno));
      ::unlink(tmpl.c_str());  // gone when the process ends, even on kill -9
    }
    for (size_t done = 0; done < n;) {
      ssize_t w = ::pwrite(spool, data + done, n - done, off_t(kept + done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) Throw(ErrorCode::kIOError, "{}: cannot spool to a temporary file: {}", path, std::strerror(errno));
      done += size_t(w);
    }
    kept += n;
  }
};

std::mutex g_mu;
std::vector<std::shared_ptr<Stream>> g_streams;  // in first-open order

std::shared_ptr<Stream> StreamFor(const std::string& path, const struct stat& st) {
  std::lock_guard lock(g_mu);
  for (auto& s : g_streams)
    if (s->path == path && s->dev == st.st_dev && s->ino == st.st_ino) return s;
  auto s = std::make_shared<Stream>();
  s->path = path;
  s->dev = st.st_dev;
  s->ino = st.st_ino;
  s->fd = path == "-" ? 0 : OpenOrThrow(path);
  g_streams.push_back(s);
  return s;
}

class StreamCursor : public data::RawInput {
 public:
  explicit StreamCursor(std::shared_ptr<Stream> s) : s_(std::move(s)) {
    std::lock_guard lock(s_->mu);
    if (s_->dropped)
      Throw(ErrorCode::kUnsupported,
            "{}: a pipe or stream can be read only once and {} bytes of it were already consumed; "
            "give a regular file",
            s_->path, s_->live);
    ++s_->opens;
    ++s_->readers;
  }
  ~StreamCursor() override {
    std::lock_guard lock(s_->mu);
    --s_->readers;
  }
  size_t Read(char* out, size_t n) override {
    Stream& s = *s_;
    std::lock_guard lock(s.mu);
    if (off_ < s.kept) {  // replay
      size_t want = size_t(std::min<uint64_t>(n, s.kept - off_));
      ssize_t r;
      do r = ::pread(s.spool, out, want, off_t(off_));
      while (r < 0 && errno == EINTR);
      if (r <= 0) Throw(ErrorCode::kIOError, "{}: cannot read the spool file: {}", s.path, std::strerror(errno));
      off_ += uint64_t(r);
      return size_t(r);
    }
    if (off_ != s.live)  // guarded at open; kept here so no path can skip bytes
      Throw(ErrorCode::kUnsupported, "{}: bytes {}..{} of the stream were consumed by another reader", s.path, off_,
            s.live);
    if (s.eof) return 0;
    size_t r = ReadFd(s.fd, out, n, s.path);
    if (r == 0) {
      s.eof = true;
      return 0;
    }
    bool keep = !s.dropped && (s.whole || s.readers > 1 || s.live + r <= kStreamHeadBytes);
    if (keep) s.Keep(out, r);
    else s.dropped = true;
    s.live += r;
    off_ += r;
    return r;
  }
  uint64_t size() const override { return 0; }

 private:
  std::shared_ptr<Stream> s_;
  uint64_t off_ = 0;
};

}  // namespace

bool IsStream(const std::string& path) {
  if (path == "-") return true;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

bool KeepWholeInput(const std::string& path) {
  if (!IsStream(path)) return false;
  auto s = StreamFor(path, StatOrThrow(path));
  std::lock_guard lock(s->mu);
  if (s->dropped)
    Throw(ErrorCode::kUnsupported, "{}: cannot read the stream twice: {} bytes were already consumed", path, s->live);
  s->whole = true;
  return true;
}

std::vector<StreamInfo> Streams() {
  std::lock_guard lock(g_mu);
  std::vector<StreamInfo> out;
  for (auto& s : g_streams) {
    std::lock_guard l2(s->mu);
    out.push_back(StreamInfo{s->path, s->live, s->kept, s->opens, s->whole});
  }
  return out;
}

std::vector<std::string> SpoolReport() {
  std::vector<std::string> out;
  for (const auto& s : Streams())
    if (s.bytes_spooled)
      out.push_back(fmt::format("{}: not seekable; {} of its {} bytes spooled to a temporary file{}, read {} time{}",
                                s.path, s.bytes_spooled, s.bytes_read, s.whole ? " (all of it)" : "", s.opens,
                                s.opens == 1 ? "" : "s"));
  return out;
}

namespace data {

std::unique_ptr<RawInput> OpenRawInput(const std::string& path) {
  struct stat st = StatOrThrow(path);
  if (path != "-" && S_ISREG(st.st_mode)) return std::make_unique<FileInput>(path, uint64_t(st.st_size));
  return std::make_unique<StreamCursor>(StreamFor(path, st));
}

}  // namespace data
}  // namespace adpilot
