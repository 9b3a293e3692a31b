// Streaming line reader over plain or gzip files (zlib reads both), constant
// memory whatever the file size. Strips a UTF-8 BOM on the first line and the
// CR of CRLF line ends. Lines longer than max_line_bytes are skipped whole and
// flagged, so one giant line cannot exhaust memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace adpilot {

class LineSource {
 public:
  static constexpr size_t kDefaultMaxLine = 16u << 20;

  // Throws kNotFound if the file does not exist, kIOError if it cannot be opened.
  explicit LineSource(std::string path, size_t max_line_bytes = kDefaultMaxLine);
  ~LineSource();
  LineSource(const LineSource&) = delete;
  LineSource& operator=(const LineSource&) = delete;

  enum class Status { kLine, kTooLong, kEnd };
  // Next line without its terminator. kTooLong: the line exceeded the limit and
  // was skipped (line() is empty, line_number() counts it). A truncated or
  // corrupt gzip stream throws kBadInput naming the file and the line.
  Status Next();
  std::string_view line() const { return line_; }
  uint64_t line_number() const { return line_no_; }
  // Compressed bytes consumed so far and the file's size, for progress.
  uint64_t bytes_read() const;
  uint64_t file_size() const { return file_size_; }
  const std::string& path() const { return path_; }
  bool compressed() const { return compressed_; }

 private:
  bool Fill();
  std::string path_;
  size_t max_line_;
  void* gz_ = nullptr;  // gzFile
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  std::string carry_;
  std::string_view line_;
  uint64_t line_no_ = 0;
  uint64_t file_size_ = 0;
  bool compressed_ = false;
};

}  // namespace adpilot
