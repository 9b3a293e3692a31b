#include "gen/auction_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/error.h"

namespace adpilot::gen {
namespace {

enum Cat {
  kUser,
  kGender,
  kRegion,
  kDevice,
  kOs,
  kBrowser,
  kSite,
  kSiteCat,
  kAdId,
  kAdv,
  kAdTopic,
  kFormat,
  kSlotSize,
  kSlotPos,
  kHour,
  kDow,
  kConn,
  kExchange,
  kNoise0
};
constexpr int kSites = 2000, kAds = 600, kAdvertisers = 60;
const std::vector<std::string> kOses = {"windows", "macos", "linux", "android", "ios", "tvos"};
const std::vector<std::string> kBrowsers = {"chrome", "safari", "firefox", "edge", "samsung", "inapp"};
const std::vector<std::string> kFormats = {"banner", "native", "video", "interstitial"};
const std::vector<std::string> kSlotSizes = {"300x250", "728x90", "320x50", "160x600", "300x600", "970x250"};
const std::vector<std::string> kSlotPositions = {"above", "below"};
const std::vector<std::string> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
const std::vector<std::string> kConnections = {"wifi", "cable", "4g", "5g", "dsl"};
const std::vector<std::string> kExchanges = {"adx", "appnexus", "rubicon", "openx", "pubmatic"};
const int kNoiseCard[8] = {12, 60, 250, 1000, 4000, 20000, 100000, 400000};
constexpr int kHashedFrom = 1000;  // noise fields this large keep no tables
const double kNoiseMissing[8] = {0, 0, 0.1, 0, 0, 0.2, 0, 0.35};

std::vector<float> Effects(Random& rng, size_t n, double sd) {
  std::vector<float> v(n);
  for (auto& x : v) x = float(rng.Normal(0, sd));
  return v;
}

CatField MakeField(int index, std::string meaning, std::vector<std::string> labels,
                   const std::vector<double>& weights) {
  CatField f;
  f.name = fmt::format("C{}", index + 1);
  f.meaning = std::move(meaning);
  for (auto& l : labels) f.tokens.push_back(HexToken(f.name, l));
  f.labels = std::move(labels);
  if (!weights.empty()) f.dist = AliasTable(weights);
  return f;
}

std::vector<std::string> Numbered(const std::string& prefix, size_t n) {
  std::vector<std::string> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = fmt::format("{}{}", prefix, i);
  return v;
}

}  // namespace

AuctionModel::AuctionModel(const WorldConfig& cfg, const Population& pop, const Context& ctx) : cfg_(cfg), pop_(pop) {
  Random rng = Random::Stream(ctx, "auctions.model");
  const int k = cfg.topics;
  std::vector<std::string> topics(TopicNames().begin(), TopicNames().begin() + k);
  cat_.resize(kCategorical);
  cat_[kUser].name = "C1";
  cat_[kUser].meaning = "user id";
  cat_[kUser].tokens = pop.token;
  cat_[kGender] = MakeField(kGender, "user gender", kGenders, {});
  cat_[kRegion] = MakeField(kRegion, "user region", kRegions, {});
  cat_[kDevice] = MakeField(kDevice, "device type", kDevices, {});
  cat_[kOs] = MakeField(kOs, "operating system", kOses, {});
  cat_[kOs].main = Effects(rng, kOses.size(), 0.2);
  cat_[kBrowser] = MakeField(kBrowser, "browser", kBrowsers, ZipfWeights(kBrowsers.size(), 1.0));
  cat_[kSite] = MakeField(kSite, "site id", Numbered("site", kSites), ZipfWeights(kSites, 1.05));
  cat_[kSite].main = Effects(rng, kSites, 0.5);
  cat_[kSiteCat] = MakeField(kSiteCat, "site category (topic)", topics, {});
  cat_[kAdId] = MakeField(kAdId, "ad id", Numbered("ad", kAds), ZipfWeights(kAds, 0.8));
  cat_[kAdId].main = Effects(rng, kAds, 0.4);
  cat_[kAdv] = MakeField(kAdv, "advertiser id", Numbered("adv", kAdvertisers), {});
  cat_[kAdv].main = Effects(rng, kAdvertisers, 0.3);
  cat_[kAdTopic] = MakeField(kAdTopic, "ad topic", topics, {});
  cat_[kFormat] = MakeField(kFormat, "ad format", kFormats, {});
  cat_[kFormat].main = Effects(rng, kFormats.size(), 0.3);
  cat_[kSlotSize] = MakeField(kSlotSize, "slot size", kSlotSizes, ZipfWeights(kSlotSizes.size(), 0.9));
  cat_[kSlotSize].main = Effects(rng, kSlotSizes.size(), 0.2);
  cat_[kSlotPos] = MakeField(kSlotPos, "slot position", kSlotPositions, {0.4, 0.6});
  cat_[kHour] = MakeField(kHour, "hour of day", Numbered("h", 24), {});
  cat_[kDow] = MakeField(kDow, "day of week", kDays, {});
  cat_[kConn] = MakeField(kConn, "connection type", kConnections, ZipfWeights(kConnections.size(), 0.8));
  cat_[kExchange] = MakeField(kExchange, "ad exchange", kExchanges, ZipfWeights(kExchanges.size(), 0.7));
  for (int i = 0; i < 8; ++i) {
    int card = kNoiseCard[i];
    CatField& f = cat_[kNoise0 + i];
    f.name = fmt::format("C{}", kNoise0 + i + 1);
    f.meaning = "noise (no effect)";
    f.cardinality = card;
    f.missing = kNoiseMissing[i];
    if (card >= kHashedFrom) {
      f.hashed = true;
      f.salt = Hash64(f.name, 0x5eedULL);
      while ((int64_t(1) << f.octaves) <= card) ++f.octaves;
    } else {
      f.tokens.resize(size_t(card));
      for (int v = 0; v < card; ++v) f.tokens[size_t(v)] = HexToken(f.name, std::to_string(v));
      f.dist = AliasTable(ZipfWeights(size_t(card), 1.0));
    }
  }

  // Sites belong to a topic and have a quality; ads to an advertiser and a topic.
  site_cat_.resize(kSites);
  site_quality_.resize(kSites);
  for (int s = 0; s < kSites; ++s) {
    site_cat_[s] = uint8_t(rng.Below(uint64_t(k)));
    site_quality_[s] = uint8_t(std::clamp(rng.Normal(55, 20), 0.0, 100.0));
  }
  ad_topic_.resize(kAds), ad_format_.resize(kAds), ad_adv_.resize(kAds);
  ad_age_.resize(kAds), ad_kb_.resize(kAds);
  ads_by_topic_.assign(size_t(k), {});
  std::vector<uint8_t> adv_topic(kAdvertisers);
  for (auto& t : adv_topic) t = uint8_t(rng.Below(uint64_t(k)));
  for (int a = 0; a < kAds; ++a) {
    // The first ads cover every topic so targeting always finds one.
    ad_adv_[a] = uint16_t(a < k ? a % kAdvertisers : rng.Below(kAdvertisers));
    ad_topic_[a] = a < k ? uint8_t(a) : (rng.Bernoulli(0.8) ? adv_topic[ad_adv_[a]] : uint8_t(rng.Below(uint64_t(k))));
    ad_format_[a] = uint8_t(rng.Below(kFormats.size()));
    ad_age_[a] = uint16_t(rng.Below(365));
    ad_kb_[a] = uint16_t(ad_format_[a] == 2 ? 200 + rng.Below(800) : 10 + rng.Below(150));
    ads_by_topic_[ad_topic_[a]].push_back(uint32_t(a));
  }
  // Each device has its own operating systems.
  os_by_device_ = {AliasTable({0.75, 0.2, 0.05, 0, 0, 0}), AliasTable({0, 0, 0, 0.6, 0.4, 0}),
                   AliasTable({0, 0, 0, 0.45, 0.55, 0}), AliasTable({0, 0, 0, 0.5, 0, 0.5})};
  adv_cvr_ = Effects(rng, kAdvertisers, 0.5);
  adv_value_.resize(kAdvertisers);
  for (auto& v : adv_value_) v = float(std::exp(rng.Normal(std::log(40.0), 0.7)));
  slot_price_ = Effects(rng, kSlotSizes.size(), 0.25);
  exch_price_ = Effects(rng, kExchanges.size(), 0.15);
  device_price_ = {0.1f, -0.1f, 0.0f, 0.3f};

  // Field-aware pairwise interactions: entries N(0, 0.45) give a dot product of
  // sd ~0.4 on the logit scale at interaction_strength 1.
  auto pair = [&](int fa, int fb, size_t na, size_t nb, double diagonal) {
    Pair p{fa, fb, {}, {}, diagonal};
    p.va = Effects(rng, na * kDim, 0.45);
    p.vb = Effects(rng, nb * kDim, 0.45);
    pairs_.push_back(std::move(p));
  };
  pair(kSiteCat, kAdTopic, size_t(k), size_t(k), 0.5);
  pair(kGender, kAdTopic, kGenders.size(), size_t(k), 0);
  pair(kDevice, kFormat, kDevices.size(), kFormats.size(), 0);
  pair(kSlotPos, kFormat, kSlotPositions.size(), kFormats.size(), 0);
  pair(kRegion, kAdv, kRegions.size(), kAdvertisers, 0);
  pair(kHour, kSiteCat, 24, size_t(k), 0);

  // Three-way interactions from their own random stream, so worlds with
  // higher_order_strength = 0 draw exactly what they drew before. Entries
  // N(0, 0.6): each triple's term has sd ~0.43 (2 * 0.6^3) at strength 1. Every
  // factor is centred over its field's values, so averaging out any one field
  // leaves (close to) nothing for a pairwise model to pick up.
  Random hrng = Random::Stream(ctx, "auctions.higher_order");
  auto triple = [&](int fa, int fb, int fc, size_t na, size_t nb, size_t nc) {
    Triple t{fa, fb, fc, {}, {}, {}};
    auto centred = [&](size_t n) {
      std::vector<float> v = Effects(hrng, n * kDim, 0.6);
      for (int d = 0; d < kDim; ++d) {
        double m = 0;
        for (size_t i = 0; i < n; ++i) m += v[i * kDim + size_t(d)];
        for (size_t i = 0; i < n; ++i) v[i * kDim + size_t(d)] -= float(m / double(n));
      }
      return v;
    };
    t.va = centred(na), t.vb = centred(nb), t.vc = centred(nc);
    triples_.push_back(std::move(t));
  };
  triple(kDevice, kFormat, kSlotPos, kDevices.size(), kFormats.size(), kSlotPositions.size());
  triple(kGender, kAdTopic, kHour, kGenders.size(), size_t(k), 24);
  triple(kRegion, kDevice, kAdTopic, kRegions.size(), kDevices.size(), size_t(k));
  triple(kSiteCat, kAdTopic, kConn, size_t(k), size_t(k), kConnections.size());

  // Traffic: a daily cycle peaking in the evening, 15% more on weekends.
  int hours = cfg.days * 24;
  hour_weight_.resize(size_t(hours));
  hour_cum_.assign(size_t(hours) + 1, 0);
  for (int h = 0; h < hours; ++h) {
    int hod = h % 24, dow = (h / 24) % 7;
    hour_weight_[h] = (1 + 0.6 * std::cos(2 * M_PI * (hod - 20) / 24.0)) * (dow >= 5 ? 1.15 : 1.0);
    hour_cum_[h + 1] = hour_cum_[h] + hour_weight_[h];
  }
  for (double w : hour_weight_) hour_log_weight_.push_back(std::log(w));
  for (int h = 0; h < 24; ++h) hour_logit_[h] = 0.15 * std::cos(2 * M_PI * (h - 21) / 24.0);
  for (int d = 1; d < 64; ++d) log_depth_[d] = std::log(double(d));
  log_base_price_ = std::log(60.0 * cfg.competitiveness);
  cvr_intercept_ = cfg.cvr > 0 && cfg.cvr < 1 ? gen::Logit(cfg.cvr) : 0;
  Calibrate(ctx);
}

PoissonTable::PoissonTable(double mean) {
  double p = std::exp(-mean), acc = 0;
  for (int k = 0; acc < 1 - 1e-12 && k < 1000; ++k) {
    acc += p;
    cdf_.push_back(acc);
    p *= mean / (k + 1);
  }
}

int64_t AuctionModel::Timestamp(int64_t index, int& h) const {
  // Row i sits at quantile (i + 0.5) / N of the cumulative traffic, so rows are
  // in time order and the hourly volume follows the cycle.
  double q = (double(index) + 0.5) / double(cfg_.auctions) * hour_cum_.back();
  int hours = int(hour_weight_.size());
  if (h < 0 || h >= hours || hour_cum_[h] > q) {
    h = int(std::upper_bound(hour_cum_.begin(), hour_cum_.end(), q) - hour_cum_.begin()) - 1;
  }
  while (h + 1 < hours && hour_cum_[h + 1] <= q) ++h;
  h = std::clamp(h, 0, hours - 1);
  double frac = std::clamp((q - hour_cum_[h]) / hour_weight_[h], 0.0, 0.999999);
  return kWorldStart + int64_t(h) * 3600 + int64_t(frac * 3600);
}

double AuctionModel::Logit(const Auction& a) const {
  const User& u = pop_.users[a.user];
  const auto& c = a.cat;
  double z = intercept_ + u.propensity;
  for (int f : {kOs, kSite, kAdId, kAdv, kFormat, kSlotSize}) z += cat_[f].main[size_t(c[f])];
  int topic = c[kAdTopic];
  z += cfg_.interest_strength * 0.35 * (pop_.topics * pop_.Interests(a.user)[topic] - 1.0);
  double inter = 0;
  for (const Pair& p : pairs_) {
    const float* x = &p.va[size_t(c[p.fa]) * kDim];
    const float* y = &p.vb[size_t(c[p.fb]) * kDim];
    inter += x[0] * y[0] + x[1] * y[1] + x[2] * y[2] + x[3] * y[3];
    if (p.diagonal != 0 && c[p.fa] == c[p.fb]) inter += p.diagonal;
  }
  z += cfg_.interaction_strength * inter;
  if (cfg_.higher_order_strength != 0) {
    double tri = 0;
    for (const Triple& t : triples_) {
      const float* x = &t.va[size_t(c[t.fa]) * kDim];
      const float* y = &t.vb[size_t(c[t.fb]) * kDim];
      const float* w = &t.vc[size_t(c[t.fc]) * kDim];
      for (int d = 0; d < kDim; ++d) tri += double(x[d]) * y[d] * w[d];
    }
    z += cfg_.higher_order_strength * tri;
  }
  int hod = c[kHour], dow = c[kDow];
  z += hour_logit_[hod] + (dow >= 5 ? 0.1 : 0.0);
  double depth = a.num[5] < 64 ? log_depth_[a.num[5]] : std::log(double(a.num[5]));
  z += -0.15 * depth - 0.12 * double(a.num[11] - 1) + 0.01 * (double(a.num[9]) - 50);
  return z;
}

void AuctionModel::Draw(Random& rng, int64_t index, int& hour_hint, Auction& a) const {
  a.timestamp = Timestamp(index, hour_hint);
  int64_t hour_abs = (a.timestamp - kWorldStart) / 3600;
  int hod = int(hour_abs % 24), dow = int((hour_abs / 24) % 7);
  uint32_t uid = pop_.by_activity.Draw(rng);
  const User& u = pop_.users[uid];
  a.user = uid;
  auto& c = a.cat;
  c[kUser] = int32_t(uid);
  c[kGender] = u.gender;
  c[kRegion] = u.region;
  c[kDevice] = rng.Bernoulli(0.8) ? u.device : int32_t(rng.Below(kDevices.size()));
  c[kOs] = int32_t(os_by_device_[size_t(c[kDevice])].Draw(rng));
  c[kBrowser] = int32_t(cat_[kBrowser].dist.Draw(rng));
  int site = int(cat_[kSite].dist.Draw(rng));
  c[kSite] = site;
  c[kSiteCat] = site_cat_[size_t(site)];
  uint32_t ad;
  if (rng.Bernoulli(cfg_.targeting)) {
    const float* mix = pop_.Interests(uid);
    double r = rng.Uniform(), acc = 0;
    int t = pop_.topics - 1;
    for (int i = 0; i < pop_.topics; ++i)
      if (r < (acc += mix[i])) {
        t = i;
        break;
      }
    const auto& list = ads_by_topic_[size_t(t)];
    ad = list[rng.Below(list.size())];
  } else {
    ad = cat_[kAdId].dist.Draw(rng);
  }
  c[kAdId] = int32_t(ad);
  c[kAdv] = ad_adv_[ad];
  c[kAdTopic] = ad_topic_[ad];
  c[kFormat] = ad_format_[ad];
  c[kSlotSize] = int32_t(cat_[kSlotSize].dist.Draw(rng));
  c[kSlotPos] = int32_t(cat_[kSlotPos].dist.Draw(rng));
  c[kHour] = hod;
  c[kDow] = dow;
  c[kConn] = int32_t(cat_[kConn].dist.Draw(rng));
  c[kExchange] = int32_t(cat_[kExchange].dist.Draw(rng));
  for (int i = kNoise0; i < kCategorical; ++i) {
    const CatField& f = cat_[size_t(i)];
    if (f.hashed) {
      // Log-uniform by octaves: an octave [2^k, 2^(k+1)) uniformly, then a
      // value inside it, so P(v) ~ 1/(v+1) without a table or an exp.
      uint64_t lo = uint64_t(1) << rng.Below(uint64_t(f.octaves));
      uint64_t v = lo - 1 + rng.Below(lo);
      c[i] = int32_t(v < uint64_t(f.cardinality) ? v : rng.Below(uint64_t(f.cardinality)));
    } else {
      c[i] = int32_t(f.dist.Draw(rng));
    }
    if (f.missing > 0 && rng.Bernoulli(f.missing)) c[i] = -1;
  }
  auto& n = a.num;
  n[0] = u.age;
  n[1] = rng.Bernoulli(0.1) ? -1 : int64_t(u.past_clicks);
  n[2] = hod;
  n[3] = int64_t(hour_abs / 24);
  n[4] = int64_t(rng.Below(50));
  n[5] = 1 + int64_t(rng.Exponential(2.0));
  n[6] = session_.Draw(rng);
  n[7] = ad_age_[ad];
  n[8] = u.tenure_days;
  n[9] = site_quality_[size_t(site)];
  n[10] = ad_kb_[ad];
  n[11] = 1 + int64_t(rng.Below(8));
  n[12] = rng.Bernoulli(0.3) ? -1 : noise_count_.Draw(rng);

  a.logit = Logit(a);
  a.pctr = Sigmoid(a.logit);
  a.click = rng.Uniform() < a.pctr;
  // Market price: lognormal around a level set by the slot, exchange, device,
  // hour traffic and the impression's value (valuable impressions attract bids).
  double traffic = hour_log_weight_[size_t(hour_abs)];
  double lp = log_base_price_ + 0.5 * (double(n[9]) - 50) / 50 + slot_price_[size_t(c[kSlotSize])] +
              exch_price_[size_t(c[kExchange])] + device_price_[size_t(c[kDevice])] + 0.3 * traffic +
              0.35 * (a.logit - mean_logit_) + cfg_.price_noise * rng.Normal();
  a.price = int(std::clamp(std::lround(std::exp(lp)), 1L, long(cfg_.max_price)));
  // Conversion after a click: advertiser and interest shift the rate.
  a.pcvr = Sigmoid(cvr_intercept_ + adv_cvr_[size_t(c[kAdv])] +
                   0.3 * (pop_.topics * pop_.Interests(uid)[c[kAdTopic]] - 1.0) + 0.2 * (double(u.income) - 1));
  if (cfg_.cvr <= 0) a.pcvr = 0;
  if (cfg_.cvr >= 1) a.pcvr = 1;
  a.conversion = a.click && rng.Uniform() < a.pcvr;
  a.conversion_ts = 0;
  a.conversion_value = 0;
  if (a.conversion) {
    a.conversion_ts = a.timestamp + 60 + int64_t(rng.Exponential(1.5 * 86400));
    a.conversion_value = std::exp(rng.Normal(std::log(double(adv_value_[size_t(c[kAdv])])), 0.6));
  }
}

void AuctionModel::Calibrate(const Context& ctx) {
  // Choose the intercept so the mean true pCTR over a pilot sample equals cfg.ctr.
  Random rng = Random::Stream(ctx, "auctions.calibrate");
  const int n = 40000;
  std::vector<double> rest(n);
  Auction a;
  int hint = -1;
  intercept_ = 0;
  for (int i = 0; i < n; ++i) {
    hint = -1;
    Draw(rng, int64_t(rng.Below(uint64_t(cfg_.auctions))), hint, a);
    rest[size_t(i)] = a.logit;
  }
  double lo = -20, hi = 10;
  for (int it = 0; it < 100; ++it) {
    double mid = 0.5 * (lo + hi), m = 0;
    for (double r : rest) m += Sigmoid(mid + r);
    (m / n < cfg_.ctr ? lo : hi) = mid;
  }
  intercept_ = 0.5 * (lo + hi);
  double s = 0;
  for (double r : rest) s += r + intercept_;
  mean_logit_ = s / n;
}

}  // namespace adpilot::gen
