// Shared machinery of the line-oriented readers: the line loop, bad-row
// accounting and too-long lines (splitting and numbers come from text.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adpilot/hash.h"
#include "adpilot/line_source.h"
#include "adpilot/pseudonym.h"
#include "adpilot/reader.h"
#include "adpilot/text.h"

namespace adpilot::data {

// A finite number, the padding spaces some exports put around fields allowed
// (core's ParseDouble with the readers' one tolerance); false on garbage, NaN
// or infinity.
inline bool ParseFinite(std::string_view s, double& out) { return ParseDouble(Trim(s, " "), out); }

// Why a row was rejected: field name and reason, filled by ParseLine.
struct RowError {
  std::string field;
  std::string reason;
};

class LineReader : public RecordReader {
 public:
  LineReader(const std::string& path, const ReaderOptions& opts)
      : src_(path, opts.max_line_bytes, opts.shard, opts.shards),
        bad_(src_.where(), opts.on_error, opts.max_reported),
        opts_(opts) {}

  bool Next(RawRecord& rec) override {
    for (;;) {
      auto st = src_.Next();
      if (st == LineSource::Status::kEnd) return false;
      if (st == LineSource::Status::kTooLong) {
        bad_.Report(src_.line_number(), "line", "longer than the line limit; skipped");
        continue;
      }
      std::string_view line = src_.line();
      if (SkipLine(line)) continue;
      rec.Clear();
      rec.line = src_.line_number();
      RowError err;
      if (ParseLine(line, rec, err)) {
        if (!rec.user_id.empty() && !opts_.pseudonymize_key.empty() && !pseudonymizes_itself_) {
          user_buf_ = Pseudonymize(rec.user_id, opts_.pseudonymize_key);
          rec.user_id = user_buf_;
        }
        return true;
      }
      bad_.Report(src_.line_number(), err.field, err.reason);
    }
  }
  const Schema& schema() const override { return schema_; }
  const BadRowLog& bad_rows() const override { return bad_; }
  uint64_t bytes_read() const override { return src_.bytes_read(); }
  uint64_t total_bytes() const override { return src_.file_size(); }

 protected:
  // Parses one line into rec; on failure fills err and returns false.
  virtual bool ParseLine(std::string_view line, RawRecord& rec, RowError& err) = 0;
  // Lines to ignore silently (blank lines by default; headers where a format has one).
  virtual bool SkipLine(std::string_view line) { return line.empty(); }

  bool ParseLabel01(std::string_view s, double& label, RowError& err, const char* field = "label") {
    if (!ParseFinite(s, label) || (label != 0 && label != 1)) {
      err = {field, "expected 0 or 1, got '" + std::string(s.substr(0, 32)) + "'"};
      return false;
    }
    return true;
  }

  LineSource src_;
  BadRowLog bad_;
  ReaderOptions opts_;
  Schema schema_;
  std::string user_buf_;
  // Set by readers that pseudonymise ids themselves (ids that are also features).
  bool pseudonymizes_itself_ = false;
};

}  // namespace adpilot::data
