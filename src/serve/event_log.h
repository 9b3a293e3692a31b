// Append-only line logs that rotate by size. Lines are buffered per log and
// written with one write() per flush (at least every 200 ms, and on Close), so
// a crash loses at most the last flush interval and can tear only the last
// line, which the readers count as one bad row. Closed files are fsynced.
// A log never stops the server: a failed write (disk full) is cut back to the
// last whole line and retried at the next flush, a deleted file or directory
// is recreated, and only past kMaxBuffered of unwritten lines are lines
// dropped; each failure is counted (dropped_lines, write_errors) and warned.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace adpilot::serve {

class RotatingLog {
 public:
  // Files are "<dir>/<stem>-<UTC yyyymmddThhmmss>-<seq>.<ext>".
  // Throws kIOError when `dir` cannot be created (at start-up, not later).
  RotatingLog(std::string dir, std::string stem, std::string ext, int64_t rotate_bytes,
              std::shared_ptr<spdlog::logger> log = nullptr);
  ~RotatingLog();
  RotatingLog(const RotatingLog&) = delete;
  RotatingLog& operator=(const RotatingLog&) = delete;

  // Appends one line (the '\n' is added). Thread-safe.
  void Append(std::string_view line);
  // Writes buffered lines; fsyncs when `sync`.
  void Flush(bool sync = false);
  void Close();
  // Path of the file being written ("" before the first line).
  std::string current_path();
  uint64_t dropped_lines() const { return dropped_lines_.load(std::memory_order_relaxed); }
  uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kMaxBuffered = 64u << 20;
  bool OpenNext();
  void Failed(const char* what, int err);
  // Writes what was appended so far; caller holds file_mu_.
  void WriteFileLocked(bool sync);
  std::string dir_, stem_, ext_;
  int64_t rotate_bytes_;
  // Lock order: file_mu_ before mu_. mu_ guards buf_ only (held for an append
  // or a swap); file_mu_ guards the file and out_ (held across write and sync).
  std::mutex file_mu_, mu_;
  std::string buf_, out_;
  int fd_ = -1;
  int64_t written_ = 0;
  uint64_t seq_ = 0;
  std::string path_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<uint64_t> dropped_lines_{0}, write_errors_{0};
  bool failing_ = false;  // warned about the current run of failures
};

}  // namespace adpilot::serve
