#include "serve/event_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "adpilot/error.h"

namespace adpilot::serve {

RotatingLog::RotatingLog(std::string dir, std::string stem, std::string ext, int64_t rotate_bytes)
    : dir_(std::move(dir)), stem_(std::move(stem)), ext_(std::move(ext)), rotate_bytes_(rotate_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) Throw(ErrorCode::kIOError, "cannot create log directory {}: {}", dir_, ec.message());
}

RotatingLog::~RotatingLog() { Close(); }

void RotatingLog::Append(std::string_view line) {
  bool large;
  {
    std::lock_guard lock(mu_);
    buf_.append(line);
    buf_.push_back('\n');
    large = buf_.size() >= (256u << 10);
  }
  if (!large) return;
  // A bidding thread writes a large buffer only when no flush is in progress:
  // waiting behind the flusher's fdatasync would stall bids for the length of a
  // disk sync. Past kMaxBuffered it waits anyway, so memory stays bounded.
  std::unique_lock file(file_mu_, std::try_to_lock);
  if (!file.owns_lock()) {
    {
      std::lock_guard lock(mu_);
      if (buf_.size() < kMaxBuffered) return;
    }
    file.lock();
  }
  WriteFileLocked(false);
}

void RotatingLog::Flush(bool sync) {
  std::lock_guard file(file_mu_);
  WriteFileLocked(sync);
}

void RotatingLog::Close() {
  std::lock_guard file(file_mu_);
  WriteFileLocked(true);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string RotatingLog::current_path() {
  std::lock_guard file(file_mu_);
  return path_;
}

void RotatingLog::OpenNext() {
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  path_ = fmt::format("{}/{}-{:04}{:02}{:02}T{:02}{:02}{:02}-{:04}.{}", dir_, stem_, tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, seq_++, ext_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) Throw(ErrorCode::kIOError, "cannot open log {}: {}", path_, std::strerror(errno));
  written_ = 0;
  // A new file must survive a crash as an entry of its directory.
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void RotatingLog::WriteFileLocked(bool sync) {
  // Appenders only hold mu_ to swap the buffer out; the write and the sync run
  // under file_mu_ alone, so bids keep appending while the disk syncs.
  {
    std::lock_guard lock(mu_);
    out_.swap(buf_);
  }
  if (out_.empty()) {
    if (sync && fd_ >= 0) ::fdatasync(fd_);
    return;
  }
  if (fd_ < 0 || written_ >= rotate_bytes_) OpenNext();
  // Rotation happens between flushes, so a file never ends mid-line.
  const char* p = out_.data();
  size_t n = out_.size();
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      break;  // disk full or similar: the lines are dropped, the server keeps bidding
    }
    p += w;
    n -= size_t(w);
  }
  written_ += int64_t(out_.size() - n);
  out_.clear();
  if (sync) ::fdatasync(fd_);
}

}  // namespace adpilot::serve
