// RLB: the dynamic-programming MDP bidder of Cai et al. (WSDM'17).
#include <algorithm>
#include <cmath>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "adpilot/bidding.h"
#include "adpilot/error.h"
#include "deliver/rlb_value.h"
#include "deliver/tuning.h"

namespace adpilot::deliver {

RlbValueFunction::RlbValueFunction(const std::vector<double>& counts, std::vector<double> thetas, int64_t horizon,
                                   double max_budget, double max_bid, int64_t max_units, double laplace,
                                   double price_step)
    : horizon_(std::max<int64_t>(horizon, 1)) {
  if (thetas.empty()) Throw(ErrorCode::kInvalidArgument, "rlb: no pCTR values for the value function");
  std::sort(thetas.begin(), thetas.end());
  const double w = 1.0 / double(thetas.size());
  const size_t k_n = thetas.size();
  if (!(price_step > 0) || max_budget < 0 || max_bid < price_step)
    Throw(ErrorCode::kInvalidArgument, "rlb: budget {}, max bid {} and price step {} must be >= 0, >= step, > 0",
          max_budget, max_bid, price_step);
  // k price steps per budget unit: 1 (the exact grid) while the budget fits in max_units steps.
  const int64_t k = std::max<int64_t>(1, int64_t(std::ceil(max_budget / price_step / double(max_units) - 1e-9)));
  unit_ = price_step * double(k);
  cols_ = int64_t(std::floor(max_budget / unit_ + 1e-9)) + 1;
  const int64_t max_price = int64_t(std::floor(max_bid / price_step + 1e-9));  // in price steps
  max_units_bid_ = (max_price + k - 1) / k;
  // Density over prices 0..max_price steps; the mass above max_bid stays in
  // the total (those auctions are lost whatever we bid). Laplace smoothing
  // over 0..max_bid as the paper's code on whole-unit prices; on a finer
  // price grid only over the histogram's own range, so it does not smear
  // mass over millions of empty bins.
  const int64_t smooth_to = price_step == 1 ? max_price : std::min<int64_t>(max_price, int64_t(counts.size()) - 1);
  double total = 0;
  for (size_t p = 0; p < counts.size(); ++p) total += counts[p];
  total += laplace * double(smooth_to + 1);
  m_.assign(size_t(max_units_bid_) + 1, 0.0);
  const int64_t top = std::min<int64_t>(max_price, std::max<int64_t>(smooth_to, int64_t(counts.size()) - 1));
  for (int64_t p = 0; p <= top; ++p) {
    double c = (size_t(p) < counts.size() ? counts[size_t(p)] : 0.0) + (p <= smooth_to ? laplace : 0.0);
    m_[size_t((p + k - 1) / k)] += total > 0 ? c / total : 0;
  }
  v_.assign(size_t(horizon_ + 1) * size_t(cols_), 0.0);
  for (int64_t t = 1; t <= horizon_; ++t) {
    const double* prev = &v_[size_t(t - 1) * size_t(cols_)];
    double* cur = &v_[size_t(t) * size_t(cols_)];
    for (int64_t b = 0; b < cols_; ++b) {
      const int64_t amax = std::min(b, max_units_bid_);
      // Running sums over d of m(d) and m(d) (V(t-1, b-d) - V(t-1, b)); the
      // optimal action of each pCTR point is where theta + that gap turns
      // negative (monotone in d), smallest pCTR first.
      double mass = 0, sum = 0, gain = 0;
      size_t k = 0;
      for (int64_t d = 0; d <= amax && k < k_n; ++d) {
        const double gap = prev[b - d] - prev[b];
        while (k < k_n && thetas[k] + gap < 0) gain += w * (thetas[k] * mass + sum), ++k;
        mass += m_[size_t(d)];
        sum += m_[size_t(d)] * gap;
      }
      for (; k < k_n; ++k) gain += w * (thetas[k] * mass + sum);
      cur[b] = prev[b] + gain;
    }
  }
}

double RlbValueFunction::Bid(double pctr, int64_t t, double budget) const {
  if (t <= 0 || budget <= 0) return 0;
  int64_t tl = t - 1;  // auctions left after this one
  double scale = 1;    // large-scale approximation beyond the table's horizon
  if (tl > horizon_) {
    scale = double(horizon_) / double(tl);
    tl = horizon_;
  }
  auto col = [&](double money) {
    return std::clamp<int64_t>(int64_t(std::floor(money * scale / unit_)), 0, cols_ - 1);
  };
  const double* row = &v_[size_t(tl) * size_t(cols_)];
  const int64_t bu = int64_t(std::floor(budget / unit_));
  const double vb = row[col(budget)];
  const int64_t amax = std::min(bu, max_units_bid_);
  int64_t a = 0;
  for (int64_t d = 1; d <= amax; ++d) {
    if (pctr + (row[col(budget - double(d) * unit_)] - vb) / scale < 0) break;
    a = d;
  }
  return double(a) * unit_;
}

namespace {

// Value functions by their inputs: rlb and rlb-paper, best's folds and its
// refit, and every grid point of a comparison share the same table instead
// of each rebuilding it (a T = 1000, B = 12,000 table is ~10 s and 96 MB).
// A few recent tables are kept.
std::shared_ptr<const RlbValueFunction> CachedValueFunction(const std::vector<double>& counts,
                                                            const std::vector<double>& thetas, int64_t h,
                                                            double max_budget, double max_bid, int64_t max_units,
                                                            double price_step) {
  std::string key;
  auto put = [&](const void* p, size_t n) { key.append(static_cast<const char*>(p), n); };
  const double head[] = {double(h), max_budget, max_bid, double(max_units), price_step, double(thetas.size())};
  put(head, sizeof head);
  put(thetas.data(), thetas.size() * sizeof(double));
  put(counts.data(), counts.size() * sizeof(double));
  static std::mutex mu;
  static std::list<std::pair<std::string, std::shared_ptr<const RlbValueFunction>>> recent;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = recent.begin(); it != recent.end(); ++it)
      if (it->first == key) {
        recent.splice(recent.begin(), recent, it);
        return it->second;
      }
  }
  auto vf = std::make_shared<const RlbValueFunction>(counts, thetas, h, max_budget, max_bid, max_units,
                                                     /*laplace=*/1.0, price_step);
  std::lock_guard<std::mutex> lock(mu);
  recent.emplace_front(std::move(key), vf);
  if (recent.size() > 4) recent.pop_back();
  return vf;
}

// Bins of a fine-step price histogram at most (8 MiB of doubles).
constexpr int64_t kMaxPriceBins = 1 << 20;

// Prices that are not whole money units (a bidder's own USD logs): the price
// step that puts the median positive price near 100 steps; 0 = whole units.
double FinePriceStep(const AuctionLog& log, double max_bid) {
  std::vector<float> p;
  bool whole = true;
  for (float x : log.price) {
    whole = whole && x == std::floor(x);
    if (x > 0) p.push_back(x);
  }
  if (whole || p.empty()) return 0;
  std::nth_element(p.begin(), p.begin() + long(p.size() / 2), p.end());
  double step = std::pow(10.0, std::floor(std::log10(double(p[p.size() / 2]) / 100.0)));
  // The price histogram has top/step bins and the value function max_bid/step:
  // a tiny median under a large price or max bid (1e-6 under 1e6) would ask
  // for 1e12 of them. A coarser power of ten keeps both within kMaxPriceBins.
  double top = *std::max_element(p.begin(), p.end());
  if (std::isfinite(max_bid)) top = std::max(top, max_bid);
  const double floor_step = std::pow(10.0, std::ceil(std::log10(top / double(kMaxPriceBins))));
  return std::max(step, floor_step);
}

// rlb: the paper's value function over the average pCTR (theta = training
// CTR), bidding with the auction's pCTR put on that level by the stream's
// running pCTR level (PctrLevel, past auctions only): V is linear in theta,
// so this is the paper's rule with theta = the stream's own level, which is
// what the paper's setting had (theta and the pCTRs from one model on one
// split). rlb-paper: the same without the rescaling (reproduces the paper).
// rlbx (`with_dist`): the value function takes the expectation over the
// tuning log's pCTR distribution (32 quantile means), so it knows to keep
// budget for the high-pCTR auctions still to come.
class RlbBidder : public Bidder {
 public:
  RlbBidder(const BidderEnv& e, bool with_dist, bool normalise)
      : Bidder(e), with_dist_(with_dist), normalise_(normalise), level_(e.stats.avg_ctr) {}
  void Fit(const AuctionLog& train, const Context&) override {
    if (train.size() == 0) return;
    if (double step = FinePriceStep(train, env_.max_bid); step > 0) {
      // The training histogram has whole-unit bins: too coarse for these prices.
      price_step_ = step;
      fine_counts_.clear();
      for (float x : train.price) {
        size_t b = size_t(std::llround(std::max(0.0, double(x)) / step));
        if (b >= fine_counts_.size()) fine_counts_.resize(b + 1, 0.0);
        fine_counts_[b] += 1;
      }
      vf_.reset();
    }
    if (!with_dist_) return;
    std::vector<float> p = train.pctr;
    std::sort(p.begin(), p.end());
    thetas_.clear();
    const size_t bins = std::min<size_t>(32, p.size());
    for (size_t i = 0; i < bins; ++i) {
      size_t lo = p.size() * i / bins, hi = p.size() * (i + 1) / bins;
      double s = 0;
      for (size_t j = lo; j < hi; ++j) s += p[j];
      if (hi > lo) thetas_.push_back(s / double(hi - lo));
    }
    // Shape from the tuning log, level from the training CTR, as the paper's
    // value function uses: pCTR levels drift between logs (2997: validation
    // pCTRs average 0.0064, training CTR 0.0044, test CTR 0.0034).
    double mean = 0;
    for (double t : thetas_) mean += t / double(thetas_.size());
    if (mean > 0 && env_.stats.avg_ctr > 0)
      for (double& t : thetas_) t *= env_.stats.avg_ctr / mean;
    vf_.reset();
  }
  void BeginStream() override { level_.Reset(env_.stats.avg_ctr); }
  void BeginPeriod(double, int64_t) override {
    if (!vf_) Build();
  }
  double Bid(const AuctionContext& a) override {
    if (!vf_) Build();
    const double pctr = normalise_ ? a.pctr * level_.Scale() : a.pctr;
    level_.Add(a.pctr);  // after bidding: the level uses past auctions only
    // A bid of a wins prices <= a; the DP's bids are whole units already.
    return Cap(vf_->Bid(pctr, a.remaining_auctions, a.remaining_budget), a);
  }
  nlohmann::json Params() const override {
    nlohmann::json j = {{"theta", Theta()},
                        {"thetas", thetas_},
                        {"max_units", max_units_},
                        {"horizon", Horizon()},
                        {"normalise_pctr", normalise_}};
    if (price_step_ > 0) j["price_step"] = price_step_, j["price_counts"] = fine_counts_;
    return j;
  }
  void SetParams(const nlohmann::json& p) override {
    max_units_ = p.at("max_units").get<int64_t>();
    if (p.contains("thetas")) thetas_ = p.at("thetas").get<std::vector<double>>();
    if (p.contains("price_step")) {
      price_step_ = p.at("price_step").get<double>();
      fine_counts_ = p.at("price_counts").get<std::vector<double>>();
    }
    vf_.reset();
  }
  std::unique_ptr<Bidder> Clone() const override { return std::make_unique<RlbBidder>(*this); }

 private:
  double Theta() const { return env_.stats.avg_ctr; }
  int64_t Horizon() const { return std::min<int64_t>(env_.episode_auctions, 1000); }
  void Build() {
    // Within the horizon the budget never exceeds B; beyond it (scaled
    // states) allow twice the planned rate before clamping.
    const int64_t h = Horizon();
    double max_budget = env_.episode_budget;
    if (h < env_.episode_auctions) max_budget = 2 * env_.episode_budget * double(h) / double(env_.episode_auctions);
    std::vector<double> th = thetas_.empty() ? std::vector<double>{Theta()} : thetas_;
    if (price_step_ > 0)
      vf_ = CachedValueFunction(fine_counts_, th, h, max_budget, env_.max_bid, max_units_, price_step_);
    else vf_ = CachedValueFunction(env_.stats.price_counts, th, h, max_budget, env_.max_bid, max_units_, 1.0);
  }
  bool with_dist_, normalise_;
  std::vector<double> thetas_;  // pCTR distribution points (rlbx); empty = average pCTR
  int64_t max_units_ = 12000;   // exact integer budget grid up to B = 12,000 (see rlb_value.h)
  double price_step_ = 0;       // > 0: prices on a finer grid than whole units (fine_counts_)
  std::vector<double> fine_counts_;
  PctrLevel level_;
  std::shared_ptr<const RlbValueFunction> vf_;  // immutable, shared by clones
};

using P = std::unique_ptr<Bidder>;
ADPILOT_REGISTER(BidderRegistry, "rlb",
                 "RLB (Cai WSDM'17): DP over remaining auctions and budget with the price density; pCTR put on "
                 "the training CTR level by the stream's running pCTR level",
                 [](const BidderEnv& e) -> P { return std::make_unique<RlbBidder>(e, false, true); });
ADPILOT_REGISTER(BidderRegistry, "rlb-paper", "RLB exactly as the paper: raw pCTR against the training CTR",
                 [](const BidderEnv& e) -> P { return std::make_unique<RlbBidder>(e, false, false); });
ADPILOT_REGISTER(BidderRegistry, "rlbx",
                 "rlb whose value function takes the expectation over the tuning log's pCTR distribution",
                 [](const BidderEnv& e) -> P { return std::make_unique<RlbBidder>(e, true, true); });

}  // namespace
}  // namespace adpilot::deliver
