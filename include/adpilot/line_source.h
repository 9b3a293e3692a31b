// Streaming line reader over plain or gzip input, constant memory whatever the
// size. The input is opened once (adpilot/input.h), so stdin ("-"), pipes,
// FIFOs and /dev/fd/N read like files. gzip is recognised by its magic bytes
// and decoded here (concatenated members are one stream); bytes after the last
// member that are not another member are an error, not silently ignored.
// Line ends are detected from the first terminator: "\n", "\r\n" or a lone
// "\r" (old Mac files), so every reader sees the same lines. Strips a UTF-8 BOM
// on the first line. Lines longer than max_line_bytes are skipped whole and
// flagged, so one giant line cannot exhaust memory.
// A source can read one shard of a plain file (data-parallel training: each
// rank reads its own): shard i of n covers bytes [size*i/n, size*(i+1)/n) and
// a line belongs to the shard in which it starts, so the shards together hold
// every line exactly once. Line numbers then count from the shard's first line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace adpilot {

namespace data {
class RawInput;
}

class LineSource {
 public:
  static constexpr size_t kDefaultMaxLine = 16u << 20;

  // Throws kNotFound if the file does not exist, kInvalidArgument for a
  // directory, kIOError if it cannot be opened.
  explicit LineSource(std::string path, size_t max_line_bytes = kDefaultMaxLine);
  // Shard `shard` of `shards` (1 shard: the whole input). kUnsupported for a
  // gzip file or a stream, which cannot be split by bytes, and for a file
  // whose lines end in a lone CR.
  LineSource(std::string path, size_t max_line_bytes, int shard, int shards);
  ~LineSource();
  LineSource(const LineSource&) = delete;
  LineSource& operator=(const LineSource&) = delete;

  enum class Status { kLine, kTooLong, kEnd };
  // Next line without its terminator. kTooLong: the line exceeded the limit and
  // was skipped (line() is empty, line_number() counts it). A truncated or
  // corrupt gzip stream, or trailing garbage after it, throws kBadInput naming
  // the file and the line.
  Status Next();
  std::string_view line() const { return line_; }
  uint64_t line_number() const { return line_no_; }
  // The current line is the file's first (a header), not a shard's first.
  bool first_line_of_file() const { return line_no_ == 1 && begin_ == 0; }
  // Where line numbers count from: the path, and for a shard the byte its
  // first line starts at ("train.tsv (lines counted from byte 1048576)"), for messages.
  std::string where() const;
  // Input (compressed) bytes consumed so far and the file's size (0 for a
  // stream), for progress.
  uint64_t bytes_read() const { return raw_read_; }
  uint64_t file_size() const { return file_size_; }
  const std::string& path() const { return path_; }
  bool compressed() const { return compressed_; }
  // The detected line terminator: '\n' (LF or CRLF), '\r' (CR only), or 0
  // while no terminator has been seen.
  char line_end() const { return eol_; }

 private:
  struct Gz;
  bool Fill();
  size_t Decode(char* out, size_t n);
  size_t ReadRaw();
  void DetectLineEnd();
  std::string path_;
  size_t max_line_;
  std::unique_ptr<data::RawInput> in_;
  std::unique_ptr<Gz> gz_;
  std::vector<char> raw_;  // input bytes not yet decoded: [raw_pos_, raw_end_)
  size_t raw_pos_ = 0, raw_end_ = 0;
  bool raw_eof_ = false;
  uint64_t raw_read_ = 0;
  std::vector<char> buf_;  // decoded bytes: [pos_, end_)
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  char eol_ = 0;
  std::string carry_;
  std::string_view line_;
  uint64_t line_no_ = 0;
  uint64_t file_size_ = 0;
  bool compressed_ = false;
  uint64_t origin_ = 0;              // file offset of buf_[0] (uncompressed shards)
  uint64_t begin_ = 0;               // first byte of the shard
  uint64_t end_limit_ = UINT64_MAX;  // lines starting here or later belong to the next shard
};

}  // namespace adpilot
