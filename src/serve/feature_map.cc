#include "serve/feature_map.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/pseudonym.h"
#include "adpilot/server.h"
#include "adpilot/text.h"

namespace adpilot::serve {
namespace {

// Request field ids, in RequestFieldNames() order.
// clang-format off
enum Src {
  kInvType, kInvId, kInvDomain, kSiteDomain, kAppBundle, kPublisher, kInvCat, kImpSize, kImpPos,
  kImpTagid, kImpInstl, kImpFloor, kOs, kOsv, kMake, kModel, kDeviceType, kConnType, kLanguage,
  kCarrier, kCountry, kRegion, kCity, kMetro, kGender, kYob, kHour, kWeekday, kAuctionType, kNumSrc
};
// clang-format on

std::string SourceValue(int src, const openrtb::BidRequest& r, const openrtb::Imp& imp, int64_t unix_s) {
  auto num = [](int v) { return std::to_string(v); };
  std::tm tm{};
  time_t t = time_t(unix_s);
  switch (src) {
    case kInvType:
      return r.is_app ? "app" : r.has_site ? "site" : "";
    case kInvId:
      return r.inventory_id;
    case kInvDomain:
      return r.is_app && !r.bundle.empty() ? r.bundle : r.domain;
    case kSiteDomain:
      return r.is_app ? "" : r.domain;
    case kAppBundle:
      return r.is_app ? r.bundle : "";
    case kPublisher:
      return r.publisher_id;
    case kInvCat:
      return r.cat.empty() ? "" : r.cat.front();
    case kImpSize:
      return imp.sizes.empty() ? "" : fmt::format("{}x{}", imp.sizes[0].first, imp.sizes[0].second);
    case kImpPos:
      return imp.pos < 0 ? "" : num(imp.pos);
    case kImpTagid:
      return imp.tagid;
    case kImpInstl:
      return num(imp.instl);
    case kImpFloor:
      return fmt::format("{}", imp.bidfloor);
    case kOs:
      return r.os;
    case kOsv:
      return r.osv;
    case kMake:
      return r.make;
    case kModel:
      return r.model;
    case kDeviceType:
      return r.devicetype ? num(r.devicetype) : "";
    case kConnType:
      return r.connectiontype ? num(r.connectiontype) : "";
    case kLanguage:
      return r.language;
    case kCarrier:
      return r.carrier;
    case kCountry:
      return r.country;
    case kRegion:
      return r.region;
    case kCity:
      return r.city;
    case kMetro:
      return r.metro;
    case kGender:
      return r.gender;
    case kYob:
      return r.yob ? num(r.yob) : "";
    case kHour:
      gmtime_r(&t, &tm);
      return num(tm.tm_hour);
    case kWeekday:
      gmtime_r(&t, &tm);
      return num(tm.tm_wday);
    case kAuctionType:
      return num(r.at);
  }
  return "";
}

// Training rows are tab-separated lines: tokens must not carry either.
std::string Clean(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return out;
}

void SetField(const Schema& schema, int field, const std::string& value, bool have_number, double number,
              RawRecord& rec, std::vector<std::string>& storage) {
  RawFeature f;
  f.field = uint32_t(field);
  if (schema.kinds[field] == FieldKind::kNumeric) {
    f.numeric = true;
    double v = number;
    // No '+': an OpenRTB value is JSON text, where "+1" is not a number.
    f.missing = !(have_number || ParseDouble(value, v, {.plus = false}));
    f.value = f.missing ? 0 : v;
    storage[field] = f.missing ? "" : fmt::format("{}", v);
  } else {
    storage[field] = Clean(value);
    f.missing = storage[field].empty();
  }
  rec.features.push_back(f);
}

// Views are taken once every string is in place, so no reallocation moves them.
void FixViews(const Schema& schema, RawRecord& rec, const std::vector<std::string>& storage) {
  for (auto& f : rec.features)
    if (schema.kinds[f.field] != FieldKind::kNumeric) f.token = storage[f.field];
}

}  // namespace

FeatureMap::FeatureMap(const std::map<std::string, std::string>& features, const Schema& schema,
                       const std::string& config_path)
    : schema_(schema) {
  const auto& names = RequestFieldNames();
  static_assert(kNumSrc == 29);
  ADP_CHECK(names.size() == size_t(kNumSrc));
  for (const auto& [field, src] : features) {
    int fi = schema.FieldIndex(field);
    if (fi < 0)
      Throw(ErrorCode::kInvalidArgument, "{}: [features] {}: the model has no field '{}'; its fields: {}", config_path,
            field, field, fmt::join(schema.fields, ", "));
    int si = int(std::find(names.begin(), names.end(), src) - names.begin());
    if (si >= kNumSrc)
      Throw(ErrorCode::kInvalidArgument, "{}: [features] {}: unknown request field '{}'", config_path, field, src);
    sources_.emplace_back(fi, si);
  }
}

void FeatureMap::Map(const openrtb::BidRequest& req, const openrtb::Imp& imp, int64_t unix_s, RawRecord& rec,
                     std::vector<std::string>& storage) const {
  rec.Clear();
  // One string per field, and one more for the user's pseudonym (never resized later:
  // the record's views point into it).
  storage.assign(schema_.fields.size() + 1, std::string());
  std::vector<char> seen(schema_.fields.size(), 0);
  for (const auto& [field, src] : sources_) {
    SetField(schema_, field, SourceValue(src, req, imp, unix_s), false, 0, rec, storage);
    seen[field] = 1;
  }
  for (size_t i = 0; i < schema_.fields.size(); ++i)
    if (!seen[i]) SetField(schema_, int(i), "", false, 0, rec, storage);
  FixViews(schema_, rec, storage);
  std::sort(rec.features.begin(), rec.features.end(), [](auto& a, auto& b) { return a.field < b.field; });
  if (!key_.empty() && !req.user_id.empty()) {
    storage.back() = Pseudonymize(req.user_id, key_);
    rec.user_id = storage.back();
  } else {
    rec.user_id = req.user_id;
  }
  rec.timestamp = unix_s;
}

bool RecordFromNamed(const Schema& schema, const std::vector<NamedValue>& values, RawRecord& rec,
                     std::vector<std::string>& storage, std::string& error) {
  rec.Clear();
  storage.assign(schema.fields.size(), std::string());
  std::vector<char> seen(schema.fields.size(), 0);
  for (const auto& v : values) {
    int fi = schema.FieldIndex(v.name);
    if (fi < 0) {
      error = fmt::format("unknown field '{}'; the model's fields: {}", v.name, fmt::join(schema.fields, ", "));
      return false;
    }
    if (seen[fi]) {
      error = fmt::format("field '{}' given twice", v.name);
      return false;
    }
    seen[fi] = 1;
    SetField(schema, fi, v.is_number ? fmt::format("{}", v.number) : v.text, v.is_number, v.number, rec, storage);
  }
  for (size_t i = 0; i < schema.fields.size(); ++i)
    if (!seen[i]) SetField(schema, int(i), "", false, 0, rec, storage);
  FixViews(schema, rec, storage);
  std::sort(rec.features.begin(), rec.features.end(), [](auto& a, auto& b) { return a.field < b.field; });
  return true;
}

std::string TrainingRow(const Schema& schema, const RawRecord& rec) {
  std::vector<std::string_view> cols(schema.fields.size());
  std::vector<std::string> nums(schema.fields.size());
  for (const auto& f : rec.features) {
    if (f.field >= cols.size() || f.missing) continue;
    if (f.numeric) {
      nums[f.field] = fmt::format("{}", f.value);
      cols[f.field] = nums[f.field];
    } else {
      cols[f.field] = f.token;
    }
  }
  std::string out = "0";
  for (auto c : cols) {
    out.push_back('\t');
    out.append(c);
  }
  return out;
}

}  // namespace adpilot::serve
