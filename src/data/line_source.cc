#include "adpilot/line_source.h"

#include <cstring>

#include <zlib.h>

#include "adpilot/collective.h"
#include "adpilot/error.h"
#include "adpilot/input.h"

namespace adpilot {

// Our own inflate loop rather than gzread: gzread needs a second open of the
// path to sniff (a pipe cannot give its bytes twice) and it silently ignores
// whatever follows the last gzip member.
struct LineSource::Gz {
  z_stream zs{};
  bool in_member = true;
  ~Gz() { inflateEnd(&zs); }
};

namespace {
bool GzipMagic(const char* p) { return uint8_t(p[0]) == 0x1f && uint8_t(p[1]) == 0x8b; }
}  // namespace

LineSource::LineSource(std::string path, size_t max_line_bytes)
    : path_(std::move(path)), max_line_(max_line_bytes), raw_(1 << 18), buf_(1 << 20) {
  in_ = data::OpenRawInput(path_);
  file_size_ = in_->size();
  while (raw_end_ < 2 && !raw_eof_) ReadRaw();
  compressed_ = raw_end_ >= 2 && GzipMagic(raw_.data());
  if (compressed_) {
    gz_ = std::make_unique<Gz>();
    if (inflateInit2(&gz_->zs, 15 + 16) != Z_OK) Throw(ErrorCode::kInternal, "{}: zlib init failed", path_);
  }
}

LineSource::LineSource(std::string path, size_t max_line_bytes, int shard, int shards)
    : LineSource(std::move(path), max_line_bytes) {
  if (shards <= 1) return;
  if (shard < 0 || shard >= shards) Throw(ErrorCode::kInvalidArgument, "{}: shard {} of {}", path_, shard, shards);
  if (compressed_)
    Throw(ErrorCode::kUnsupported,
          "{}: a gzip file cannot be split by bytes across {} ranks; decompress it, or give each rank its own file",
          path_, shards);
  Share bytes = ShareOf(file_size_, shard, shards);
  begin_ = bytes.begin;
  end_limit_ = bytes.end;
  // Start one byte early and drop the rest of that line: a line starting
  // exactly at begin_ is this shard's (its predecessor ends at begin_ - 1).
  uint64_t seek = begin_ > 0 ? begin_ - 1 : 0;
  if (!in_->Seek(seek))
    Throw(ErrorCode::kUnsupported, "{}: cannot split a stream or pipe across {} ranks; give a regular file", path_,
          shards);
  raw_pos_ = raw_end_ = 0;
  raw_eof_ = false;
  raw_read_ = 0;
  origin_ = seek;
  file_size_ = end_limit_ - begin_;  // progress counts the shard's bytes
  if (begin_ > 0) {
    Next();
    line_no_ = 0;
  }
  // A lone CR cannot be told from the CR of a CRLF cut between the two bytes.
  if (eol_ == '\r')
    Throw(ErrorCode::kUnsupported, "{}: lines end in a lone CR (old Mac): cannot split it across ranks", path_);
}

std::string LineSource::where() const {
  return begin_ > 0 ? path_ + " (lines counted from byte " + std::to_string(begin_) + ")" : path_;
}

LineSource::~LineSource() = default;

// Moves the undecoded tail to the front and appends what the input gives.
size_t LineSource::ReadRaw() {
  if (raw_pos_ > 0) {
    std::memmove(raw_.data(), raw_.data() + raw_pos_, raw_end_ - raw_pos_);
    raw_end_ -= raw_pos_;
    raw_pos_ = 0;
  }
  size_t n = in_->Read(raw_.data() + raw_end_, raw_.size() - raw_end_);
  if (n == 0) raw_eof_ = true;
  raw_end_ += n;
  raw_read_ += n;
  return n;
}

size_t LineSource::Decode(char* out, size_t n) {
  if (!compressed_) {
    if (raw_pos_ < raw_end_) {
      size_t k = std::min(n, raw_end_ - raw_pos_);
      std::memcpy(out, raw_.data() + raw_pos_, k);
      raw_pos_ += k;
      return k;
    }
    if (raw_eof_) return 0;
    size_t k = in_->Read(out, n);
    if (k == 0) raw_eof_ = true;
    raw_read_ += k;
    return k;
  }
  z_stream& zs = gz_->zs;
  for (;;) {
    if (!gz_->in_member) {
      // After a member: nothing, or another member (concatenated gzip is legal).
      while (raw_end_ - raw_pos_ < 2 && !raw_eof_) ReadRaw();
      size_t avail = raw_end_ - raw_pos_;
      if (avail == 0) return 0;
      if (avail < 2 || !GzipMagic(raw_.data() + raw_pos_))
        Throw(ErrorCode::kBadInput, "{}:{}: trailing garbage after the gzip data (at byte {}): not a valid gzip file",
              path_, line_no_ + 1, raw_read_ - avail);
      inflateReset(&zs);
      gz_->in_member = true;
    }
    if (raw_pos_ == raw_end_ && (raw_eof_ || ReadRaw() == 0))
      Throw(ErrorCode::kBadInput, "{}:{}: truncated gzip stream", path_, line_no_ + 1);
    zs.next_in = reinterpret_cast<Bytef*>(raw_.data() + raw_pos_);
    zs.avail_in = unsigned(raw_end_ - raw_pos_);
    zs.next_out = reinterpret_cast<Bytef*>(out);
    zs.avail_out = unsigned(n);
    int rc = inflate(&zs, Z_NO_FLUSH);
    raw_pos_ = raw_end_ - zs.avail_in;
    size_t got = n - zs.avail_out;
    if (rc == Z_STREAM_END) gz_->in_member = false;
    else if (rc != Z_OK && rc != Z_BUF_ERROR)  // Z_BUF_ERROR: needs more input, read above
      Throw(ErrorCode::kBadInput, "{}:{}: corrupt compressed data: {}", path_, line_no_ + 1, zs.msg ? zs.msg : "?");
    if (got) return got;
  }
}

// The first terminator decides: '\n' (LF, or CRLF whose CR is stripped) or a
// lone '\r'. buf_ keeps one spare byte so a CR at the end of a chunk can see
// its successor.
void LineSource::DetectLineEnd() {
  for (size_t i = pos_; i < end_; ++i) {
    char c = buf_[i];
    if (c == '\n') {
      eol_ = '\n';
      return;
    }
    if (c != '\r') continue;
    if (i + 1 == end_) end_ += Decode(buf_.data() + end_, 1);
    eol_ = i + 1 < end_ && buf_[i + 1] == '\n' ? '\n' : '\r';
    return;
  }
}

bool LineSource::Fill() {
  if (eof_) return false;
  origin_ += end_;
  size_t n = Decode(buf_.data(), buf_.size() - 1);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  pos_ = 0;
  end_ = n;
  if (!eol_) DetectLineEnd();
  return true;
}

LineSource::Status LineSource::Next() {
  carry_.clear();
  if (origin_ + pos_ >= end_limit_) return Status::kEnd;
  bool too_long = false;
  for (;;) {
    if (pos_ >= end_ && !Fill()) {
      if (carry_.empty() && !too_long) return Status::kEnd;
      break;  // last line without a terminator
    }
    const char term = eol_ == '\r' ? '\r' : '\n';
    const char* start = buf_.data() + pos_;
    const void* nl = std::memchr(start, term, end_ - pos_);
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
  if (eol_ != '\r' && !line_.empty() && line_.back() == '\r') line_.remove_suffix(1);
  if (line_no_ == 1 && begin_ == 0 && line_.size() >= 3 && std::memcmp(line_.data(), "\xEF\xBB\xBF", 3) == 0)
    line_.remove_prefix(3);
  return Status::kLine;
}

}  // namespace adpilot
