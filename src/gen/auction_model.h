// The true auction model: how an auction's context is drawn (user, device,
// site, ad, slot, time), its true click probability (main effects, field-aware
// pairwise latent interactions, user interest x ad topic, daily and weekly
// cycles), its market price and the conversion after a click.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/hash.h"
#include "gen/random.h"
#include "gen/users.h"

namespace adpilot::gen {

constexpr int kNumeric = 13, kCategorical = 26;
constexpr int64_t kWorldStart = 1704067200;  // 2024-01-01T00:00:00Z, a Monday

// One categorical field: its values' hex tokens, draw distribution and main effect.
struct CatField {
  std::string name;                 // "C7"
  std::string meaning;              // "site id"
  std::vector<std::string> labels;  // readable names (low-cardinality fields)
  std::vector<std::array<char, 8>> tokens;
  AliasTable dist;
  std::vector<float> main;  // main effect per value (empty = none)
  double missing = 0;       // probability the value is not logged
  // High-cardinality noise fields keep no tables (they would miss the cache on
  // every row): values are log-uniform (Zipf with s = 1) and tokens are hashed.
  bool hashed = false;
  int64_t cardinality = 0;
  int octaves = 0;  // smallest k with 2^k > cardinality
  uint64_t salt = 0;
  std::array<char, 8> Token(int32_t v) const {
    if (!hashed) return tokens[size_t(v)];
    static const char* hex = "0123456789abcdef";
    uint32_t h = uint32_t(HashCombine(salt, uint64_t(v)));
    std::array<char, 8> t;
    for (int i = 7; i >= 0; --i, h >>= 4) t[size_t(i)] = hex[h & 15];
    return t;
  }
};

// Poisson draws of a fixed mean by table inversion (one uniform, no exp).
class PoissonTable {
 public:
  explicit PoissonTable(double mean);
  int64_t Draw(Random& rng) const {
    double u = rng.Uniform();
    size_t k = 0;
    while (k + 1 < cdf_.size() && u >= cdf_[k]) ++k;
    return int64_t(k);
  }

 private:
  std::vector<double> cdf_;
};

// Field-aware latent interaction between two categorical fields (FFM form):
// term = scale * <va[a], vb[b]>, with each side's vectors specific to the pair.
struct Pair {
  int fa, fb;                 // categorical field indices (0 = C1)
  std::vector<float> va, vb;  // values x kDim
  double diagonal = 0;        // extra term when both sides are the same topic
};

// Field-aware three-way interaction (trilinear, CP form): term = sum_d
// va[a][d] * vb[b][d] * vc[c][d]. A sum of pairwise terms cannot represent it,
// so FFM misses it while DCN-v2's second cross layer (degree 3) can.
struct Triple {
  int fa, fb, fc;
  std::vector<float> va, vb, vc;  // values x kDim
};

// Everything drawn for one auction.
struct Auction {
  int64_t timestamp = 0;
  uint32_t user = 0;
  std::array<int32_t, kCategorical> cat{};  // value index per field, -1 = missing
  std::array<int64_t, kNumeric> num{};      // -1 = missing
  double logit = 0, pctr = 0, pcvr = 0;
  bool click = false, conversion = false;
  int64_t conversion_ts = 0;
  double conversion_value = 0;
  int price = 0;
};

class AuctionModel {
 public:
  static constexpr int kDim = 4;
  AuctionModel(const WorldConfig& cfg, const Population& pop, const Context& ctx);

  // Draws auction number `index` (of cfg.auctions); `hour_hint` speeds up the
  // time lookup for consecutive rows (pass the previous row's hour, or -1).
  void Draw(Random& rng, int64_t index, int& hour_hint, Auction& a) const;

  const std::vector<CatField>& fields() const { return cat_; }
  const Population& population() const { return pop_; }
  int topic_of_site_category(int v) const { return v; }
  nlohmann::json ToJson() const;

 private:
  double Logit(const Auction& a) const;
  void Calibrate(const Context& ctx);
  int64_t Timestamp(int64_t index, int& hour_hint) const;

  const WorldConfig& cfg_;
  const Population& pop_;
  std::vector<CatField> cat_;
  std::vector<Pair> pairs_;
  std::vector<Triple> triples_;  // used only when cfg.higher_order_strength > 0
  // Entity attributes.
  std::vector<uint8_t> site_cat_, site_quality_;
  std::vector<uint8_t> ad_topic_, ad_format_;
  std::vector<uint16_t> ad_adv_, ad_age_, ad_kb_;
  std::vector<std::vector<uint32_t>> ads_by_topic_;
  std::vector<AliasTable> os_by_device_;
  std::vector<float> adv_cvr_, adv_value_;
  std::vector<float> slot_price_, exch_price_, device_price_;
  // Time: per-hour traffic intensity and its running sum over the span.
  std::vector<double> hour_weight_, hour_cum_, hour_log_weight_;
  double hour_logit_[24] = {}, log_depth_[64] = {};
  PoissonTable session_{3.0}, noise_count_{5.0};
  double intercept_ = 0, mean_logit_ = 0, log_base_price_ = 0, cvr_intercept_ = 0;
};

}  // namespace adpilot::gen
