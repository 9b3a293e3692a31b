// Avazu CTR CSV: id,click,hour,C1,banner_pos,site_*,app_*,device_*,C14..C21.
// The header is detected (or forced by ReaderOptions::header); headerless files
// use the standard column order. `id` is dropped, `hour` (YYMMDDHH) becomes the
// timestamp plus hour-of-day and weekday fields; device_id is the user id.
#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/pseudonym.h"
#include "data/line_reader.h"
#include "data/text_util.h"

namespace adpilot::data {
namespace {

const std::vector<std::string> kStandardColumns = {"id",         "click",        "hour",         "C1",
                                                   "banner_pos", "site_id",      "site_domain",  "site_category",
                                                   "app_id",     "app_domain",   "app_category", "device_id",
                                                   "device_ip",  "device_model", "device_type",  "device_conn_type",
                                                   "C14",        "C15",          "C16",          "C17",
                                                   "C18",        "C19",          "C20",          "C21"};

class AvazuReader : public LineReader {
 public:
  AvazuReader(const std::string& path, const ReaderOptions& opts) : LineReader(path, opts) {
    std::vector<std::string> columns = kStandardColumns;
    std::string first = PeekFirstLine(path, opts);
    bool header = opts.header == "yes" ||
                  (opts.header == "auto" && (first.rfind("id,", 0) == 0 || first.find(",click,") != std::string::npos));
    if (opts.header != "yes" && opts.header != "no" && opts.header != "auto")
      Throw(ErrorCode::kInvalidArgument, "header must be auto, yes or no, got '{}'", opts.header);
    if (header) {
      std::vector<std::string_view> cols;
      Split(first, ',', cols);
      columns.assign(cols.begin(), cols.end());
      skip_header_ = true;
    }
    schema_.Add("hour_of_day", FieldKind::kCategorical);
    schema_.Add("weekday", FieldKind::kCategorical);
    col_field_.assign(columns.size(), -1);
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string& c = columns[i];
      if (c == "click") label_col_ = int(i);
      else if (c == "hour") hour_col_ = int(i);
      else if (c == "id") continue;
      else {
        if (c == "device_id") user_col_ = int(i);
        if (c == "device_id" || c == "device_ip") private_cols_.push_back(int(i));
        if (c == "device_ip") ip_col_ = int(i);
        col_field_[i] = int(schema_.fields.size());
        schema_.Add(c, FieldKind::kCategorical);
      }
    }
    if (label_col_ < 0) Throw(ErrorCode::kInvalidArgument, "{}: avazu header has no 'click' column", path);
    ncols_ = columns.size();
    pseudonymizes_itself_ = true;
  }

 protected:
  static std::string PeekFirstLine(const std::string& path, const ReaderOptions& opts) {
    LineSource peek(path, opts.max_line_bytes);
    return peek.Next() == LineSource::Status::kLine ? std::string(peek.line()) : std::string();
  }

  bool SkipLine(std::string_view line) override {
    if (skip_header_ && src_.first_line_of_file()) return true;
    return line.empty();
  }

  bool ParseLine(std::string_view line, RawRecord& rec, RowError& err) override {
    Split(line, ',', cols_);
    if (cols_.size() != ncols_) {
      err = {"line", fmt::format("expected {} comma-separated columns, got {}", ncols_, cols_.size())};
      return false;
    }
    if (!ParseLabel01(cols_[label_col_], rec.label, err, "click")) return false;
    if (hour_col_ >= 0) {
      std::string_view h = cols_[hour_col_];
      int64_t yy, mo, d, hh;
      if (h.size() != 8 || !Digits(h, 0, 2, yy) || !Digits(h, 2, 2, mo) || !Digits(h, 4, 2, d) ||
          !Digits(h, 6, 2, hh) || !CivilSeconds(2000 + yy, mo, d, hh, 0, 0, rec.timestamp)) {
        err = {"hour", fmt::format("expected YYMMDDHH, got '{}'", h.substr(0, 32))};
        return false;
      }
      int64_t days = rec.timestamp / 86400;
      tokens_[0] = std::to_string(hh);
      tokens_[1] = std::to_string((days + 4) % 7);  // 1970-01-01 was a Thursday (4)
      rec.features.push_back(RawFeature{0, tokens_[0], 1.0, false, false});
      rec.features.push_back(RawFeature{1, tokens_[1], 1.0, false, false});
    }
    if (!opts_.pseudonymize_key.empty() || opts_.ip_truncate) {
      private_.clear();
      for (int c : private_cols_) {
        if (cols_[c].empty()) continue;
        // Avazu's own device_ip is already a hash, not an address: it is pseudonymised.
        std::string cut;
        if (c == ip_col_ && opts_.ip_truncate && TruncateIp(cols_[c], cut)) private_.push_back(std::move(cut));
        else if (!opts_.pseudonymize_key.empty()) private_.push_back(Pseudonymize(cols_[c], opts_.pseudonymize_key));
        else continue;
        cols_[c] = private_.back();
      }
    }
    for (size_t i = 0; i < ncols_; ++i) {
      if (col_field_[i] < 0) continue;
      RawFeature f;
      f.field = uint32_t(col_field_[i]);
      f.token = cols_[i];
      f.missing = cols_[i].empty();
      rec.features.push_back(f);
    }
    if (user_col_ >= 0) rec.user_id = cols_[user_col_];
    return true;
  }

 private:
  std::vector<std::string_view> cols_;
  std::vector<int> col_field_, private_cols_;
  std::deque<std::string> private_;
  std::string tokens_[2];
  int label_col_ = -1, hour_col_ = -1, user_col_ = -1, ip_col_ = -1;
  size_t ncols_ = 0;
  bool skip_header_ = false;
};

ADPILOT_REGISTER(ReaderRegistry, "avazu",
                 "Avazu CSV (header detected or --header yes|no): click label, hour parsed, id dropped",
                 [](const std::string& path, const ReaderOptions& o) -> std::unique_ptr<RecordReader> {
                   return std::make_unique<AvazuReader>(path, o);
                 });

}  // namespace
}  // namespace adpilot::data
