#include "serve/event_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "adpilot/error.h"

namespace adpilot::serve {

RotatingLog::RotatingLog(std::string dir, std::string stem, std::string ext, int64_t rotate_bytes,
                         std::shared_ptr<spdlog::logger> log)
    : dir_(std::move(dir)),
      stem_(std::move(stem)),
      ext_(std::move(ext)),
      rotate_bytes_(rotate_bytes),
      log_(std::move(log)) {
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

void RotatingLog::Failed(const char* what, int err) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  if (!failing_ && log_)
    log_->warn("log {}/{}: {} failed: {}; keeping up to {} MiB of lines in memory and retrying", dir_, stem_, what,
               std::strerror(err), kMaxBuffered >> 20);
  failing_ = true;
}

bool RotatingLog::OpenNext() {
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  path_ = fmt::format("{}/{}-{:04}{:02}{:02}T{:02}{:02}{:02}-{:04}.{}", dir_, stem_, tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, seq_++, ext_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0 && errno == ENOENT) {
    // The directory was removed under us: make it again rather than lose lines.
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  if (fd_ < 0) {
    Failed("open", errno);
    return false;
  }
  written_ = 0;
  // A new file must survive a crash as an entry of its directory.
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

void RotatingLog::WriteFileLocked(bool sync) {
  // Appenders only hold mu_ to take the buffer; the write and the sync run
  // under file_mu_ alone, so bids keep appending while the disk syncs. Lines
  // a failed write left in out_ go first.
  {
    std::lock_guard lock(mu_);
    if (out_.empty()) {
      out_.swap(buf_);
    } else {
      out_.append(buf_);
      buf_.clear();
    }
  }
  if (out_.empty()) {
    if (sync && fd_ >= 0) ::fdatasync(fd_);
    return;
  }
  if (fd_ >= 0) {
    // A file unlinked under us (its directory deleted) would swallow every
    // line written to it: start a new one.
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && st.st_nlink == 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  bool ok = (fd_ >= 0 && written_ < rotate_bytes_) || OpenNext();
  // Rotation happens between flushes, so a file never ends mid-line.
  size_t done = 0;
  while (ok && done < out_.size()) {
    ssize_t w = ::write(fd_, out_.data() + done, out_.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      Failed("write", w < 0 ? errno : ENOSPC);
      // Cut a partly written batch back to the last whole line of the file,
      // so the file never holds a torn line; the batch is retried whole.
      if (done > 0 && ::ftruncate(fd_, written_) != 0) {
        // Could not cut: keep what reached the disk up to its last newline.
        size_t keep = out_.rfind('\n', done - 1);
        done = keep == std::string::npos ? 0 : keep + 1;
        written_ += int64_t(done);
        out_.erase(0, done);
      }
      ok = false;
      break;
    }
    done += size_t(w);
  }
  if (ok) {
    written_ += int64_t(out_.size());
    out_.clear();
    if (failing_ && log_) log_->info("log {}/{}: writing again", dir_, stem_);
    failing_ = false;
    if (sync) ::fdatasync(fd_);
    return;
  }
  if (out_.size() > kMaxBuffered) {
    // Memory stays bounded: the oldest unwritten lines go, counted.
    size_t lines = size_t(std::count(out_.begin(), out_.end(), '\n'));
    dropped_lines_.fetch_add(lines, std::memory_order_relaxed);
    if (log_) log_->warn("log {}/{}: dropped {} lines that could not be written", dir_, stem_, lines);
    out_.clear();
  }
}

}  // namespace adpilot::serve
