#include "adpilot/features.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/options.h"
#include "adpilot/reader.h"

namespace adpilot {

void FeatureConfig::Describe(OptionSet& o) {
  o.Add("bits", &bits, "hash buckets per model = 2^bits").Range(1, 30);
  o.Add("numeric", &numeric, "numeric transform").Choices({"log", "raw", "bin", "quantile"});
  o.Add("quantile_bins", &quantile_bins, "bins per numeric field for numeric = quantile").Range(2, 4096);
  o.Add("quantile_sample", &quantile_sample, "rows the quantile edges are fitted on").Min(1);
  o.Add("cross", &crosses, "pair crosses by field name, e.g. C1xC2,C3xC4");
  o.Add("missing_token", &missing_token, "hash a missing value as its own token");
  o.Add("hash_seed", &hash_seed, "seed of the feature hash").Min(0);
}

uint64_t FeatureConfig::Digest() const {
  std::string s = fmt::format("{}|{}|{}|{}|{}", bits, numeric, fmt::join(crosses, ","), missing_token, hash_seed);
  // Quantile settings only enter the digest when used, so digests of the
  // other transforms stay what they were.
  if (numeric == "quantile") s += fmt::format("|q{}|{}", quantile_bins, quantile_sample);
  return Hash64(s);
}

FeatureHasher::FeatureHasher(FeatureConfig config, Schema schema)
    : config_(std::move(config)), schema_(std::move(schema)) {
  {
    // The bounds and choices Describe declares (flags and configs are checked
    // against them there), once more for configs built in code or read from a
    // model or cache file: one declaration, no second copy of the numbers.
    FeatureConfig c = config_;
    OptionSet o;
    c.Describe(o);
    o.Validate();
  }
  mask_ = uint32_t((uint64_t(1) << config_.bits) - 1);
  if (config_.numeric == "log") numeric_mode_ = 0;
  else if (config_.numeric == "raw") numeric_mode_ = 1;
  else if (config_.numeric == "bin") numeric_mode_ = 2;
  else numeric_mode_ = 3;  // "quantile": Validate checked the choices
  field_names_ = schema_.fields;
  for (const auto& c : config_.crosses) {
    auto x = c.find('x');
    int a = -1, b = -1;
    // Field names may themselves contain 'x': try every split point.
    for (size_t p = c.find('x'); p != std::string::npos; p = c.find('x', p + 1)) {
      int fa = schema_.FieldIndex(c.substr(0, p)), fb = schema_.FieldIndex(c.substr(p + 1));
      if (fa >= 0 && fb >= 0) {
        a = fa;
        b = fb;
        break;
      }
    }
    if (x == std::string::npos || a < 0)
      Throw(ErrorCode::kInvalidArgument, "cross '{}': expected FIELDxFIELD with fields from: {}", c,
            fmt::join(schema_.fields, ", "));
    crosses_.push_back({a, b});
    field_names_.push_back(c);
  }
  for (size_t i = 0; i < field_names_.size(); ++i) field_seed_.push_back(Hash64(field_names_[i], config_.hash_seed));
}

void FeatureHasher::Hash(const RawRecord& rec, Example& ex) const {
  ex.label = float(rec.label);
  ex.weight = float(rec.weight);
  ex.market_price = float(rec.market_price);
  ex.pctr = float(rec.pctr);
  ex.conversion = float(rec.conversion);
  ex.user_id.assign(rec.user_id);
  ex.features.clear();
  // Full 64-bit hash per field, kept for crosses (0 = field absent).
  thread_local std::vector<uint64_t> full;
  full.assign(schema_.fields.size(), 0);
  for (const RawFeature& f : rec.features) {
    // Readers only emit schema fields; anything else is a reader bug.
    ADP_CHECK(f.field < schema_.fields.size());
    uint64_t seed = field_seed_[f.field];
    uint64_t h;
    float value = 1.0f;
    if (f.missing) {
      if (!config_.missing_token) continue;
      h = Hash64(std::string_view("\x01missing"), seed);  // not the (ptr, len) overload
    } else if (f.numeric) {
      double x = f.value;
      if (numeric_mode_ == 1) {
        h = seed;
        value = float(x);
      } else if (numeric_mode_ == 3) {
        if (edges_.empty())
          Throw(ErrorCode::kInvalidArgument, "numeric = quantile: edges not fitted (FitQuantileEdges)");
        const auto& e = edges_[f.field];
        h = HashCombine(seed, uint64_t(std::upper_bound(e.begin(), e.end(), x) - e.begin()) + 2000000);
      } else {
        int64_t bucket;
        if (numeric_mode_ == 0 && x > 2) bucket = int64_t(std::floor(std::log(x) * std::log(x)));
        else bucket = int64_t(std::floor(x));
        if (numeric_mode_ == 0 && x > 2) bucket += 1000000;  // keep log buckets apart from small ints
        h = HashCombine(seed, uint64_t(bucket));
      }
    } else {
      h = Hash64(f.token, seed);
      value = float(f.value);
    }
    if (f.field < full.size()) full[f.field] = h;
    ex.features.push_back(Feature{f.field, uint32_t(h) & mask_, value});
  }
  for (size_t c = 0; c < crosses_.size(); ++c) {
    uint64_t ha = full[crosses_[c].first], hb = full[crosses_[c].second];
    if (!ha || !hb) continue;
    uint32_t field = uint32_t(schema_.fields.size() + c);
    uint64_t h = HashCombine(HashCombine(ha, hb), field_seed_[field]);
    ex.features.push_back(Feature{field, uint32_t(h) & mask_, 1.0f});
  }
}

}  // namespace adpilot

namespace adpilot {

void FeatureHasher::SetQuantileEdges(std::vector<std::vector<double>> edges) {
  if (!edges.empty() && edges.size() != schema_.fields.size())
    Throw(ErrorCode::kInvalidArgument, "quantile edges for {} fields, schema has {}", edges.size(),
          schema_.fields.size());
  for (auto& e : edges)
    if (!std::is_sorted(e.begin(), e.end())) Throw(ErrorCode::kInvalidArgument, "quantile edges must be sorted");
  edges_ = std::move(edges);
}

void FeatureHasher::FitQuantileEdges(RecordReader& reader) {
  size_t nf = schema_.fields.size();
  std::vector<std::vector<double>> values(nf);
  RawRecord rec;
  for (int64_t n = 0; n < config_.quantile_sample && reader.Next(rec); ++n)
    for (const RawFeature& f : rec.features)
      if (f.numeric && !f.missing && f.field < nf) values[f.field].push_back(f.value);
  std::vector<std::vector<double>> edges(nf);
  int bins = config_.quantile_bins;
  for (size_t i = 0; i < nf; ++i) {
    auto& v = values[i];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    // Interior cut points at ranks k*n/bins; duplicates collapse so heavy
    // point masses (zeros in count features) get one bin.
    for (int k = 1; k < bins; ++k) {
      double q = v[std::min(v.size() - 1, size_t(double(k) * double(v.size()) / bins))];
      if (edges[i].empty() || q > edges[i].back()) edges[i].push_back(q);
    }
  }
  edges_ = std::move(edges);
}

uint64_t FeatureHasher::StateDigest() const {
  uint64_t h = config_.Digest();
  for (const auto& e : edges_) h = HashCombine(h, Hash64(e.data(), e.size() * sizeof(double), e.size()));
  return h;
}

nlohmann::json FeatureHasher::StateToJson() const {
  nlohmann::json j;
  FeatureConfig c = config_;
  OptionSet o;
  c.Describe(o);
  j["config"] = o.ToJson();
  j["fields"] = schema_.fields;
  std::vector<int> kinds;
  for (auto k : schema_.kinds) kinds.push_back(int(k));
  j["kinds"] = kinds;
  j["quantile_edges"] = edges_;
  return j;
}

void FeatureHasher::StateFromJson(const nlohmann::json& j) {
  if (!j.contains("quantile_edges")) return;
  SetQuantileEdges(j.at("quantile_edges").get<std::vector<std::vector<double>>>());
}

}  // namespace adpilot
