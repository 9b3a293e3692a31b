// iPinYou bid logs in make-ipinyou-data's *.log.txt layout (tab-separated, 27
// columns; test files append nclick and nconversation). click is the label,
// payprice the market price, bidprice the bid; the categorical columns become
// fields, usertag is multi-valued (comma-separated), slotprice is numeric, and
// the IP keeps its first three octets, as make-ipinyou-data does. The
// ipinyouid is the user id (pseudonymised when a key is set).
#include <fmt/format.h>

#include "adpilot/auction_log.h"
#include "adpilot/error.h"
#include "adpilot/pseudonym.h"
#include "data/line_reader.h"
#include "data/text_util.h"

namespace adpilot::data {
namespace {

enum Col {
  kClick,
  kWeekday,
  kHour,
  kBidId,
  kTimestamp,
  kLogType,
  kIpinyouId,
  kUserAgent,
  kIP,
  kRegion,
  kCity,
  kAdExchange,
  kDomain,
  kUrl,
  kUrlId,
  kSlotId,
  kSlotWidth,
  kSlotHeight,
  kSlotVisibility,
  kSlotFormat,
  kSlotPrice,
  kCreative,
  kBidPrice,
  kPayPrice,
  kKeyPage,
  kAdvertiser,
  kUserTag,
  kColumns,
  kNClick = kColumns,
  kNConversion
};

struct FieldCol {
  const char* name;
  int col;
  FieldKind kind;
};

const FieldCol kFields[] = {
    {"weekday", kWeekday, FieldKind::kCategorical},
    {"hour", kHour, FieldKind::kCategorical},
    {"useragent", kUserAgent, FieldKind::kCategorical},
    {"IP", kIP, FieldKind::kCategorical},
    {"region", kRegion, FieldKind::kCategorical},
    {"city", kCity, FieldKind::kCategorical},
    {"adexchange", kAdExchange, FieldKind::kCategorical},
    {"domain", kDomain, FieldKind::kCategorical},
    {"url", kUrl, FieldKind::kCategorical},
    {"urlid", kUrlId, FieldKind::kCategorical},
    {"slotid", kSlotId, FieldKind::kCategorical},
    {"slotwidth", kSlotWidth, FieldKind::kCategorical},
    {"slotheight", kSlotHeight, FieldKind::kCategorical},
    {"slotvisibility", kSlotVisibility, FieldKind::kCategorical},
    {"slotformat", kSlotFormat, FieldKind::kCategorical},
    {"slotprice", kSlotPrice, FieldKind::kNumeric},
    {"creative", kCreative, FieldKind::kCategorical},
    {"keypage", kKeyPage, FieldKind::kCategorical},
    {"advertiser", kAdvertiser, FieldKind::kCategorical},
    {"usertag", kUserTag, FieldKind::kMultiCategorical},
};

class IpinyouReader : public LineReader {
 public:
  IpinyouReader(const std::string& path, const ReaderOptions& opts) : LineReader(path, opts) {
    for (const auto& f : kFields) schema_.Add(f.name, f.kind);
  }

 protected:
  bool SkipLine(std::string_view line) override {
    return line.empty() || (src_.first_line_of_file() && line.rfind("click\t", 0) == 0);
  }

  bool ParseLine(std::string_view line, RawRecord& rec, RowError& err) override {
    Split(line, '\t', cols_);
    if (cols_.size() != kColumns && cols_.size() != kColumns + 2) {
      err = {"line", fmt::format("expected {} or {} tab-separated columns, got {}", int(kColumns), int(kColumns) + 2,
                                 cols_.size())};
      return false;
    }
    double click;
    if (!ParseFinite(cols_[kClick], click) || click < 0 || click != double(int64_t(click))) {
      err = {"click", fmt::format("expected a click count, got '{}'", cols_[kClick].substr(0, 32))};
      return false;
    }
    rec.label = click > 0 ? 1 : 0;
    if (!ParsePrice(cols_[kPayPrice], rec.market_price, "payprice", err) ||
        !ParsePrice(cols_[kBidPrice], rec.bid_price, "bidprice", err))
      return false;
    std::string_view ts = cols_[kTimestamp];
    int64_t y, mo, d, h, mi, s;
    if (ts.size() < 14 || !Digits(ts, 0, 4, y) || !Digits(ts, 4, 2, mo) || !Digits(ts, 6, 2, d) ||
        !Digits(ts, 8, 2, h) || !Digits(ts, 10, 2, mi) || !Digits(ts, 12, 2, s) ||
        !CivilSeconds(y, mo, d, h, mi, s, rec.timestamp)) {
      err = {"timestamp", fmt::format("expected yyyyMMddHHmmssSSS, got '{}'", ts.substr(0, 32))};
      return false;
    }
    if (cols_.size() == kColumns + 2) {
      double conv;
      if (!ParseFinite(cols_[kNConversion], conv) || conv < 0) {
        err = {"nconversation", fmt::format("expected a count, got '{}'", cols_[kNConversion].substr(0, 32))};
        return false;
      }
      rec.conversion = conv > 0 ? 1 : 0;
    }
    for (uint32_t fi = 0; fi < std::size(kFields); ++fi) {
      std::string_view c = cols_[kFields[fi].col];
      if (kFields[fi].col == kIP) c = c.substr(0, c.rfind('.') == std::string_view::npos ? c.size() : c.rfind('.'));
      if (c == "null") c = {};
      // The IP is already cut to /24 above; with a key and no --ip-truncate it is pseudonymised too.
      if (kFields[fi].col == kIP && !c.empty() && !opts_.pseudonymize_key.empty() && !opts_.ip_truncate) {
        ip_buf_ = Pseudonymize(c, opts_.pseudonymize_key);
        c = ip_buf_;
      }
      RawFeature f;
      f.field = fi;
      if (kFields[fi].kind == FieldKind::kNumeric) {
        f.numeric = true;
        if (c.empty()) f.missing = true;
        else if (!ParseFinite(c, f.value)) {
          err = {kFields[fi].name, fmt::format("not a finite number: '{}'", c.substr(0, 32))};
          return false;
        }
        rec.features.push_back(f);
      } else if (kFields[fi].kind == FieldKind::kMultiCategorical && !c.empty()) {
        Split(c, ',', tags_);
        for (auto t : tags_) {
          if (t.empty()) continue;
          f.token = t;
          rec.features.push_back(f);
        }
      } else {
        f.token = c;
        f.missing = c.empty();
        rec.features.push_back(f);
      }
    }
    std::string_view uid = cols_[kIpinyouId];
    rec.user_id = uid == "null" ? std::string_view() : uid;
    return true;
  }

 private:
  std::string ip_buf_;
  static bool ParsePrice(std::string_view s, double& out, const char* name, RowError& err) {
    if (!ParseFinite(s, out) || out < 0) {
      err = {name, fmt::format("expected a non-negative price, got '{}'", s.substr(0, 32))};
      return false;
    }
    if (!ValidMarketPrice(out)) {
      err = {name, fmt::format("{} is above the maximum price {}", s.substr(0, 32), kMaxMarketPrice)};
      return false;
    }
    return true;
  }
  std::vector<std::string_view> cols_, tags_;
};

ADPILOT_REGISTER(ReaderRegistry, "ipinyou",
                 "iPinYou make-ipinyou-data *.log.txt: click, payprice -> market price, bidprice, usertag multi-valued",
                 [](const std::string& path, const ReaderOptions& o) -> std::unique_ptr<RecordReader> {
                   return std::make_unique<IpinyouReader>(path, o);
                 });

}  // namespace
}  // namespace adpilot::data
