#include "adpilot/line_source.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <zlib.h>

#include "adpilot/error.h"

namespace adpilot {

LineSource::LineSource(std::string path, size_t max_line_bytes)
    : path_(std::move(path)), max_line_(max_line_bytes), buf_(1 << 20) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) Throw(ErrorCode::kNotFound, "{}: no such file", path_);
  if (std::filesystem::is_directory(path_, ec))
    Throw(ErrorCode::kInvalidArgument, "{}: is a directory, expected a file", path_);
  file_size_ = std::filesystem::file_size(path_, ec);
  gzFile gz = gzopen(path_.c_str(), "rb");
  if (!gz) Throw(ErrorCode::kIOError, "{}: cannot open: {}", path_, std::strerror(errno));
  gzbuffer(gz, 1 << 18);
  gz_ = gz;
  compressed_ = gzdirect(gz) == 0;
}

LineSource::~LineSource() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

uint64_t LineSource::bytes_read() const {
  return gz_ ? uint64_t(gzoffset(static_cast<gzFile>(gz_))) : 0;
}

bool LineSource::Fill() {
  if (eof_) return false;
  int n = gzread(static_cast<gzFile>(gz_), buf_.data(), unsigned(buf_.size()));
  if (n < 0) {
    int err = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
    Throw(ErrorCode::kBadInput, "{}:{}: corrupt compressed data: {}", path_, line_no_ + 1, msg ? msg : "?");
  }
  if (n == 0) {
    int err = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
    if (err != Z_OK && err != Z_STREAM_END)
      Throw(ErrorCode::kBadInput, "{}:{}: corrupt compressed data: {}", path_, line_no_ + 1, msg ? msg : "?");
    // zlib reports a stream cut short (no gzip trailer) only through this flag.
    if (compressed_ && !gzeof(static_cast<gzFile>(gz_)))
      Throw(ErrorCode::kBadInput, "{}:{}: truncated gzip stream", path_, line_no_ + 1);
    eof_ = true;
    return false;
  }
  pos_ = 0;
  end_ = size_t(n);
  return true;
}

LineSource::Status LineSource::Next() {
  carry_.clear();
  bool too_long = false;
  for (;;) {
    if (pos_ >= end_ && !Fill()) {
      if (carry_.empty() && !too_long) return Status::kEnd;
      break;  // last line without a newline
    }
    const char* start = buf_.data() + pos_;
    const void* nl = std::memchr(start, '\n', end_ - pos_);
    size_t len = nl ? size_t(static_cast<const char*>(nl) - start) : end_ - pos_;
    if (!too_long) {
      if (carry_.empty() && nl) {
        line_ = std::string_view(start, len);
        pos_ += len + 1;
        ++line_no_;
        goto done;
      }
      if (carry_.size() + len > max_line_) {
        too_long = true;
        carry_.clear();
        carry_.shrink_to_fit();
      } else {
        carry_.append(start, len);
      }
    }
    pos_ += len + (nl ? 1 : 0);
    if (nl) break;
  }
  ++line_no_;
  if (too_long) {
    line_ = {};
    return Status::kTooLong;
  }
  line_ = carry_;
done:
  if (!line_.empty() && line_.back() == '\r') line_.remove_suffix(1);
  if (line_no_ == 1 && line_.size() >= 3 && std::memcmp(line_.data(), "\xEF\xBB\xBF", 3) == 0)
    line_.remove_prefix(3);
  return Status::kLine;
}

}  // namespace adpilot
