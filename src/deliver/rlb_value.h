// The value function of the RLB MDP (Cai et al., WSDM'17): state (t auctions
// left, b budget left), market-price density m(d), average pCTR theta:
//   V(t, b) = max_a sum_{d<=a} m(d) (theta + V(t-1, b-d)) + sum_{d>a} m(d) V(t-1, b).
// V(t-1, .) is nondecreasing in b, so the maximising a is the largest d with
// theta + V(t-1, b-d) - V(t-1, b) >= 0: one scan per state, no inner max.
// Large budgets are handled on a coarser money grid (unit k, prices rounded up
// to whole units, which never under-charges), keeping the table within
// max_units budget columns (12,000 by default: the paper's exact integer grid
// for every iPinYou campaign at c0 <= 1/8 with T = 1000, since B = CPM x T x
// c0 / 1000 <= 93,000 / 8); horizons beyond the table use the paper's
// large-scale approximation V(t, b) ~ (t/T0) V(T0, b T0 / t).
// Prices need not be whole money units: with `price_step` s the histogram's
// bin k holds price k x s and the budget grid's unit is a whole multiple of s
// (a log priced in USD, 0.01 a win, runs on s = 0.0001 instead of truncating
// every budget under 1 to an empty table).
#pragma once

#include <cstdint>
#include <vector>

namespace adpilot::deliver {

class RlbValueFunction {
 public:
  // price_counts[p]: training impressions at price p (Laplace-smoothed by
  // `laplace` per price in 0..max_bid; prices above max_bid are never won).
  // Table over t in [0, horizon], budget in [0, max_budget] money.
  RlbValueFunction(const std::vector<double>& price_counts, double theta, int64_t horizon, double max_budget,
                   double max_bid, int64_t max_units = 12000, double laplace = 1, double price_step = 1)
      : RlbValueFunction(price_counts, std::vector<double>{theta}, horizon, max_budget, max_bid, max_units, laplace,
                         price_step) {}
  // The same MDP with the pCTR drawn from a distribution (equal-weight points,
  // e.g. quantile means of training pCTRs) and observed before bidding:
  //   V(t, b) = E_theta max_a sum_{d<=a} m(d) (theta + V(t-1, b-d)) + sum_{d>a} m(d) V(t-1, b).
  // One point = the paper's average-pCTR value function.
  RlbValueFunction(const std::vector<double>& price_counts, std::vector<double> thetas, int64_t horizon,
                   double max_budget, double max_bid, int64_t max_units = 12000, double laplace = 1,
                   double price_step = 1);

  // V(t, b) with b in budget units (0 <= t <= horizon, 0 <= b <= units()).
  double V(int64_t t, int64_t b) const { return v_[size_t(t) * size_t(cols_) + size_t(b)]; }
  // Optimal bid (money) for pCTR `pctr` with t auctions left (this one
  // included) and `budget` money left.
  double Bid(double pctr, int64_t t, double budget) const;

  double unit() const { return unit_; }
  int64_t units() const { return cols_ - 1; }
  int64_t horizon() const { return horizon_; }
  const std::vector<double>& density() const { return m_; }  // per unit price

 private:
  std::vector<double> m_;  // m_[d]: P(market price in units == d), d <= max bid units
  std::vector<double> v_;
  double unit_;
  int64_t horizon_, cols_, max_units_bid_;
};

}  // namespace adpilot::deliver
