// RLB: the dynamic-programming MDP bidder of Cai et al. (WSDM'17).
#include <algorithm>
#include <cmath>
#include <memory>

#include "adpilot/bidding.h"
#include "adpilot/error.h"
#include "deliver/rlb_value.h"

namespace adpilot::deliver {

RlbValueFunction::RlbValueFunction(const std::vector<double>& counts, std::vector<double> thetas,
                                   int64_t horizon, double max_budget, double max_bid,
                                   int64_t max_units, double laplace)
    : horizon_(std::max<int64_t>(horizon, 1)) {
  if (thetas.empty()) Throw(ErrorCode::kInvalidArgument, "rlb: no pCTR values for the value function");
  std::sort(thetas.begin(), thetas.end());
  const double w = 1.0 / double(thetas.size());
  const size_t k_n = thetas.size();
  if (max_budget < 0 || max_bid < 1)
    Throw(ErrorCode::kInvalidArgument, "rlb: budget {} and max bid {} must be >= 0 and >= 1", max_budget, max_bid);
  unit_ = std::max(1.0, std::ceil(max_budget / double(max_units)));
  cols_ = int64_t(std::floor(max_budget / unit_)) + 1;
  const int64_t max_price = int64_t(max_bid);
  max_units_bid_ = int64_t(std::ceil(double(max_price) / unit_));
  // Density over money prices 0..max_price; the mass above max_bid stays in
  // the total (those auctions are lost whatever we bid).
  double total = 0;
  for (size_t p = 0; p < counts.size(); ++p) total += counts[p];
  total += laplace * double(max_price + 1);
  m_.assign(size_t(max_units_bid_) + 1, 0.0);
  for (int64_t p = 0; p <= max_price; ++p) {
    double c = (size_t(p) < counts.size() ? counts[size_t(p)] : 0.0) + laplace;
    m_[size_t(std::ceil(double(p) / unit_))] += total > 0 ? c / total : 0;
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

// rlb: the paper's value function over the average pCTR. rlbx (`with_dist`):
// the value function takes the expectation over the training pCTR
// distribution (32 quantile means), so it knows to keep budget for the
// high-pCTR auctions still to come.
class RlbBidder : public Bidder {
 public:
  RlbBidder(const BidderEnv& e, bool with_dist) : Bidder(e), with_dist_(with_dist) {}
  void Fit(const AuctionLog& train, const Context&) override {
    if (!with_dist_ || train.size() == 0) return;
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
  void BeginPeriod(double, int64_t) override {
    if (!vf_) Build();
  }
  double Bid(const AuctionContext& a) override {
    if (!vf_) Build();
    // A bid of a wins prices <= a; the DP's bids are whole units already.
    return Cap(vf_->Bid(a.pctr, a.remaining_auctions, a.remaining_budget), a);
  }
  nlohmann::json Params() const override {
    return {{"theta", Theta()}, {"thetas", thetas_}, {"max_units", max_units_}, {"horizon", Horizon()}};
  }
  void SetParams(const nlohmann::json& p) override {
    max_units_ = p.at("max_units").get<int64_t>();
    if (p.contains("thetas")) thetas_ = p.at("thetas").get<std::vector<double>>();
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
    vf_ = std::make_shared<const RlbValueFunction>(env_.stats.price_counts, th, h, max_budget,
                                                   env_.max_bid, max_units_);
  }
  bool with_dist_;
  std::vector<double> thetas_;  // pCTR distribution points (rlbx); empty = average pCTR
  int64_t max_units_ = 12000;  // exact integer budget grid up to B = 12,000 (see rlb_value.h)
  std::shared_ptr<const RlbValueFunction> vf_;  // immutable, shared by clones
};

ADPILOT_REGISTER(BidderRegistry, "rlb",
                 "RLB (Cai WSDM'17): DP over remaining auctions and budget with the price density",
                 [](const BidderEnv& e) -> std::unique_ptr<Bidder> { return std::make_unique<RlbBidder>(e, false); });
ADPILOT_REGISTER(BidderRegistry, "rlbx",
                 "RLB whose value function takes the expectation over the training pCTR distribution",
                 [](const BidderEnv& e) -> std::unique_ptr<Bidder> { return std::make_unique<RlbBidder>(e, true); });

}  // namespace
}  // namespace adpilot::deliver
