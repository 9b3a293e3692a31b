// CSV/TSV described by a TOML schema (--schema S.toml; keys in docs/data.md):
// which column is the label, weight, user id, timestamp, market price,
// conversion label, and
// which are numeric, categorical, multi-valued (with a separator) or text
// (lower-cased words). Quoted fields follow RFC 4180 within one line. Columns
// the schema does not name are ignored.
#include <deque>

#include <fmt/format.h>

#include "adpilot/auction_log.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/pseudonym.h"
#include "data/line_reader.h"
#include "data/text_util.h"

namespace adpilot::data {
namespace {

struct CsvSchema {
  std::string delimiter = ",";
  bool header = true;
  std::vector<std::string> columns;  // names when the file has no header
  std::string label, weight, user_id, timestamp, market_price, conversion;
  std::vector<std::string> numeric, categorical, multi, text, device_id, ip;
  std::string multi_separator = "|";

  void Describe(OptionSet& o) {
    o.Add("delimiter", &delimiter, "one character; \"\\t\" for TSV");
    o.Add("header", &header, "the first line names the columns");
    o.Add("columns", &columns, "column names in order, for files without a header");
    o.Add("label", &label, "label column (0 or 1; another value is a bad row)");
    o.Add("weight", &weight, "row weight column");
    o.Add("user_id", &user_id, "user id column (pseudonymised with a key)");
    o.Add("timestamp", &timestamp, "seconds since the epoch or an ISO date-time");
    o.Add("market_price", &market_price, "price paid column");
    o.Add("conversion", &conversion, "conversion label column (0 or 1), for CVR models (--target conversion)");
    o.Add("numeric", &numeric, "numeric feature columns");
    o.Add("categorical", &categorical, "categorical feature columns");
    o.Add("multi", &multi, "multi-valued categorical columns");
    o.Add("multi_separator", &multi_separator, "separator inside multi-valued columns");
    o.Add("text", &text, "free-text columns, hashed as lower-cased words");
    o.Add("device_id", &device_id, "device id columns: categorical features pseudonymised with --pseudonymise");
    o.Add("ip", &ip,
          "IP address columns: categorical features pseudonymised with --pseudonymise, or cut to /24 (IPv4) or /48 "
          "(IPv6) with --ip-truncate");
  }
};

enum class Role : uint8_t { kIgnore, kLabel, kWeight, kUser, kTime, kPrice, kFeature, kConversion };

class CsvReader : public LineReader {
 public:
  CsvReader(const std::string& path, const ReaderOptions& opts) : LineReader(path, opts) {
    if (opts.schema_path.empty())
      Throw(ErrorCode::kInvalidArgument, "--format csv needs --schema S.toml (docs/data.md)");
    CsvSchema s;
    OptionSet o;
    s.Describe(o);
    o.LoadTomlFile(opts.schema_path);
    if (s.delimiter == "\\t") s.delimiter = "\t";
    if (s.delimiter.size() != 1)
      Throw(ErrorCode::kInvalidArgument, "{}: delimiter must be one character, got '{}'", opts.schema_path,
            s.delimiter);
    delim_ = s.delimiter[0];
    if (s.multi_separator.size() != 1)
      Throw(ErrorCode::kInvalidArgument, "{}: multi_separator must be one character", opts.schema_path);
    multi_sep_ = s.multi_separator[0];
    if (opts.header == "yes") s.header = true;
    if (opts.header == "no") s.header = false;
    std::vector<std::string> names = s.columns;
    if (s.header) {
      LineSource peek(path, opts.max_line_bytes);
      if (peek.Next() == LineSource::Status::kLine) {
        std::vector<std::string_view> cols;
        std::deque<std::string> store;
        if (!SplitQuoted(peek.line(), delim_, cols, store))
          Throw(ErrorCode::kBadInput, "{}:1: header: unterminated quote", path);
        names.assign(cols.begin(), cols.end());
      } else {
        // An empty file: no rows, but the same fields as any file of this schema.
        names.clear();
        for (auto* v : {&s.label, &s.weight, &s.timestamp, &s.market_price, &s.user_id, &s.conversion})
          if (!v->empty()) names.push_back(*v);
        for (auto* l : {&s.numeric, &s.categorical, &s.multi, &s.text}) names.insert(names.end(), l->begin(), l->end());
      }
      skip_header_ = true;
    } else if (names.empty()) {
      Throw(ErrorCode::kInvalidArgument, "{}: header = false needs `columns = [...]`", opts.schema_path);
    }
    if (s.label.empty()) Throw(ErrorCode::kInvalidArgument, "{}: `label` is required", opts.schema_path);
    roles_.assign(names.size(), Role::kIgnore);
    field_.assign(names.size(), 0);
    auto col = [&](const std::string& name, const char* key) {
      for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return i;
      Throw(ErrorCode::kInvalidArgument, "{}: {} column '{}' is not in {}'s columns ({})", opts.schema_path, key, name,
            path, fmt::join(names, ", "));
    };
    auto role = [&](const std::string& name, Role r, const char* key) {
      if (!name.empty()) roles_[col(name, key)] = r;
    };
    role(s.label, Role::kLabel, "label");
    role(s.weight, Role::kWeight, "weight");
    role(s.timestamp, Role::kTime, "timestamp");
    role(s.market_price, Role::kPrice, "market_price");
    role(s.user_id, Role::kUser, "user_id");
    role(s.conversion, Role::kConversion, "conversion");
    auto features = [&](const std::vector<std::string>& cols, FieldKind kind, const char* key) {
      for (const auto& c : cols) {
        size_t i = col(c, key);
        roles_[i] = Role::kFeature;
        field_[i] = uint32_t(schema_.fields.size());
        schema_.Add(c, kind);
      }
    };
    features(s.numeric, FieldKind::kNumeric, "numeric");
    features(s.categorical, FieldKind::kCategorical, "categorical");
    features(s.multi, FieldKind::kMultiCategorical, "multi");
    features(s.text, FieldKind::kText, "text");
    private_.assign(names.size(), Private::kNo);
    features(s.device_id, FieldKind::kCategorical, "device_id");
    for (const auto& c : s.device_id) private_[col(c, "device_id")] = Private::kDevice;
    features(s.ip, FieldKind::kCategorical, "ip");
    for (const auto& c : s.ip) private_[col(c, "ip")] = Private::kIp;
    // The user id column listed as a feature too: its tokens are pseudonymised as well.
    if (!s.user_id.empty() && roles_[col(s.user_id, "user_id")] == Role::kFeature)
      private_[col(s.user_id, "user_id")] = Private::kDevice;
    names_ = names;
  }

 protected:
  bool SkipLine(std::string_view line) override { return line.empty() || (skip_header_ && src_.first_line_of_file()); }

  bool ParseLine(std::string_view line, RawRecord& rec, RowError& err) override {
    store_.clear();
    held_.clear();
    if (!SplitQuoted(line, delim_, cols_, store_)) {
      err = {"line", "unterminated or misplaced quote"};
      return false;
    }
    if (cols_.size() != roles_.size()) {
      err = {"line", fmt::format("expected {} columns, got {}", roles_.size(), cols_.size())};
      return false;
    }
    for (size_t i = 0; i < cols_.size(); ++i) {
      std::string_view c = cols_[i];
      switch (roles_[i]) {
        case Role::kIgnore:
          break;
        // The models are click/conversion models: a label other than 0/1
        // (a count, a typo like 7) is a bad row, never read as a click.
        case Role::kLabel:
          if (!ParseLabel01(c, rec.label, err, names_[i].c_str())) return false;
          break;
        case Role::kConversion:
          if (!ParseLabel01(c, rec.conversion, err, names_[i].c_str())) return false;
          break;
        case Role::kWeight:
          if (!Number(c, rec.weight, i, err)) return false;
          if (rec.weight < 0) {
            err = {names_[i], "negative weight"};
            return false;
          }
          break;
        case Role::kPrice:
          if (c.empty()) break;
          if (!Number(c, rec.market_price, i, err)) return false;
          if (!ValidMarketPrice(rec.market_price)) {
            err = {names_[i], fmt::format("price {} outside [0, {}]", c.substr(0, 32), kMaxMarketPrice)};
            return false;
          }
          break;
        case Role::kTime:
          if (!ParseTimestamp(c, rec.timestamp)) {
            err = {names_[i], fmt::format("expected seconds or YYYY-MM-DD[ HH:MM:SS], got '{}'", c.substr(0, 32))};
            return false;
          }
          break;
        case Role::kUser:
          rec.user_id = c;
          break;
        case Role::kFeature:
          if (!Feature(i, c, rec, err)) return false;
          break;
      }
    }
    return true;
  }

 private:
  bool Number(std::string_view c, double& out, size_t i, RowError& err) {
    if (ParseFinite(c, out)) return true;
    err = {names_[i], fmt::format("not a finite number: '{}'", c.substr(0, 32))};
    return false;
  }

  bool Feature(size_t i, std::string_view c, RawRecord& rec, RowError& err) {
    RawFeature f;
    f.field = field_[i];
    switch (schema_.kinds[f.field]) {
      case FieldKind::kNumeric:
        f.numeric = true;
        if (c.empty()) f.missing = true;
        else if (!Number(c, f.value, i, err)) return false;
        rec.features.push_back(f);
        return true;
      case FieldKind::kCategorical:
        f.token = Shield(i, c);
        f.missing = c.empty();
        rec.features.push_back(f);
        return true;
      case FieldKind::kMultiCategorical:
        Split(c, multi_sep_, parts_);
        break;
      case FieldKind::kText:
        Words(c, store_, parts_);
        break;
    }
    bool any = false;
    for (auto p : parts_) {
      if (p.empty()) continue;
      f.token = p;
      rec.features.push_back(f);
      any = true;
    }
    if (!any) {
      f.token = {};
      f.missing = true;
      rec.features.push_back(f);
    }
    return true;
  }

  char delim_ = ',', multi_sep_ = '|';
  bool skip_header_ = false;
  enum class Private : uint8_t { kNo, kDevice, kIp };
  // A device or IP value as it may leave the reader: pseudonymised with a key, an
  // IP cut to /24 or /48 with --ip-truncate (a non-address is pseudonymised).
  std::string_view Shield(size_t i, std::string_view c) {
    if (private_[i] == Private::kNo || c.empty()) return c;
    std::string cut;
    if (private_[i] == Private::kIp && opts_.ip_truncate && TruncateIp(c, cut)) held_.push_back(std::move(cut));
    else if (!opts_.pseudonymize_key.empty()) held_.push_back(Pseudonymize(c, opts_.pseudonymize_key));
    else return c;
    return held_.back();
  }

  std::vector<Private> private_;
  std::deque<std::string> held_;  // this row's pseudonyms (stable addresses)
  std::vector<Role> roles_;
  std::vector<uint32_t> field_;
  std::vector<std::string> names_;
  std::vector<std::string_view> cols_, parts_;
  std::deque<std::string> store_;
};

ADPILOT_REGISTER(ReaderRegistry, "csv", "CSV/TSV described by a TOML schema (--schema S.toml)",
                 [](const std::string& path, const ReaderOptions& o) -> std::unique_ptr<RecordReader> {
                   return std::make_unique<CsvReader>(path, o);
                 });

}  // namespace
}  // namespace adpilot::data
