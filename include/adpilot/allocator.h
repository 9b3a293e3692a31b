// Budget allocation across channels (from a fitted MMM) and across campaigns
// (from auction response estimates). Both maximise expected KPI for a budget;
// at the optimum, marginal ROAS is equal across channels not at a bound.
#pragma once

#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace adpilot {
struct Context;
}

namespace adpilot::mmm {

struct MmmModel;

// Separable response of the KPI to spend per period, channel by channel.
// Value is expected incremental KPI per period (posterior mean over draws).
class ResponseModel {
 public:
  virtual ~ResponseModel() = default;
  virtual int channels() const = 0;
  virtual std::string name(int c) const = 0;
  // Expected KPI per period of channel c at spend s per period; *deriv = d/ds when non-null.
  virtual double Value(int c, double s, double* deriv = nullptr) const = 0;
  // The same under one posterior draw (for intervals); draws() == 0 when there are none.
  virtual int draws() const { return 0; }
  virtual double DrawValue(int /*d*/, int /*c*/, double /*s*/, double* deriv = nullptr) const {
    if (deriv) *deriv = 0;
    return 0;
  }
};

// Multi-period response of a fitted MMM: spend s per period held for `periods`
// periods right after the data, counting carry-over from the data's last weeks
// and the adstock tail after the horizon, averaged per period. periods == 0:
// steady state (carry-over settled, no history): the saturation curve itself.
std::unique_ptr<ResponseModel> MakeMmmResponse(const MmmModel& m, int periods, int max_draws);

struct Bound {
  double lo = 0, hi = std::numeric_limits<double>::infinity();
  bool relative = false;  // lo/hi are multiples of the current spend
};

struct AllocateOptions {
  double budget = 0;          // total spend per period; 0 = the current total
  int periods = 0;            // 0 = long enough for carry-over to settle (2 x longest adstock window)
  bool steady_state = false;  // per-period response once carry-over has settled (no history, no horizon)
  std::map<std::string, Bound> bounds;
  std::vector<std::string> locked;  // held at the current spend
  int current_rows = 13;            // the current split is the mean of the data's last rows
  int max_draws = 400;              // posterior draws used by the objective
  // Extrapolation guard: each channel not named in `bounds` or `locked` keeps its
  // spend per period inside the range of adstocked spend its training weeks saw
  // (quantiles guard_quantile and 1 - guard_quantile, pooled over posterior
  // draws), the only part of its response curve the data identify. When the
  // budget does not fit the guarded ranges, their ends are widened by one factor.
  bool guard = true;
  double guard_quantile = 0.1;
  // > 0: maximise mean - k * sd over posterior draws of the uplift over the current
  // split instead of the expected KPI (moves only as far as the posterior agrees).
  double risk_aversion = 0;
  // Posterior shrinkage (default): the answer moves from the current split towards
  // the expected-KPI optimum only as far as maximises the shrink_quantile quantile,
  // over posterior draws, of its uplift over the current split (0 at the current
  // split itself), so it never recommends what the posterior doubts.
  bool shrink = true;
  double shrink_quantile = 0.05;
  double target_roas = 0;  // > 0: largest budget whose expected ROAS stays >= target
  double target_kpi = 0;   // > 0: smallest budget whose expected KPI reaches target
};

struct Allocation {
  std::vector<std::string> channels;
  std::vector<double> spend, current, lo, hi, marginal_roas, kpi;
  std::vector<bool> at_bound;
  std::vector<std::string> bound_source;  // per channel: "guard", "bounds", "lock" or "none"
  // The extrapolation guard: disabled (quantile < 0), or its quantile, the observed
  // range per channel, and the factor its upper (lower) ends were widened by to fit the budget.
  double guard_quantile = -1;
  std::vector<double> observed_lo, observed_hi;
  double guard_widen_hi = 1, guard_widen_lo = 1;
  // Risk-aware objective (risk_aversion > 0): d(mean - k sd of the uplift)/d spend per
  // channel, equal across channels off their bounds at the answer.
  double risk_aversion = 0;
  std::vector<double> risk_marginal;
  // Posterior shrinkage: the step t in [0, 1] taken from the current split towards
  // the expected-KPI optimum (-1: not applied), its quantile, and that optimum.
  double shrink = -1, shrink_quantile = 0;
  std::vector<double> unshrunk_spend;
  double unshrunk_uplift = 0;
  double budget = 0;
  double expected_kpi = 0, current_kpi = 0;            // incremental media KPI per period
  double uplift = 0, uplift_low = 0, uplift_high = 0;  // 90% posterior interval
  int periods = 0;                                     // 0: steady state
  // Posterior draws the objective used (max_draws), and those the figures and the
  // uplift interval are read from (every draw of the model).
  int objective_draws = 0, interval_draws = 0;
  double seconds = 0;
  std::string method;
};

// Maximises sum_c Value(c, s_c) s.t. sum s_c = budget, lo <= s <= hi.
// Exact for concave curves; otherwise the best of several local solutions.
// risk_aversion k > 0: maximises instead mean - k sd of the uplift over `current`
// across the model's draws (needs draws() >= 2).
Allocation OptimizeSplit(const ResponseModel& r, double budget, const std::vector<double>& lo,
                         const std::vector<double>& hi, const std::vector<double>& current, double risk_aversion = 0);

// Replaces a.spend (an optimum of the expected KPI) by the point s(t) = s0 + t (a.spend - s0)
// on the segment from s0, a.current projected onto a's bounds, that maximises the q-quantile
// over r's draws of the uplift sum_c f_dc(s_c) - f_dc(current_c); refreshes a's figures
// and returns t. Every point of the segment is feasible (the bounds and the budget are convex).
double ShrinkTowardsCurrent(const ResponseModel& r, Allocation& a, double q);

Allocation Allocate(const MmmModel& m, const AllocateOptions& o, const Context& ctx);

// Per channel, the [q, 1 - q] quantiles of its adstocked spend per period over the
// training weeks (data units), pooled over up to max_draws posterior draws; weeks
// whose adstock window reaches before the data are left out. A steady spend x has
// adstock x (normalised weights), so this is the spend range the curve was fitted on.
void ObservedSpendRange(const MmmModel& m, double q, int max_draws, std::vector<double>& lo, std::vector<double>& hi);
void to_json(nlohmann::json& j, const Allocation& a);
// An allocation read back from that JSON (what `mmm allocate` returns and
// writes with --out), so a later stage reads the struct, not the text. Each
// channel needs name, spend and current; the rest is optional. kBadInput naming
// `origin` when it is not an allocation.
Allocation AllocationFromJson(const nlohmann::json& j, const std::string& origin);

// Parses "a=lo:hi,b=0.5x:2x" (x = relative to current spend; empty side = no bound).
std::map<std::string, Bound> ParseBounds(const std::string& text);

// Campaign split inside a channel. Campaign k buys from `auctions` auctions with
// a winning-price curve w(b) = b / (c + b) (second price), pCTR, pCVR and value
// per conversion. Expected KPI and spend at bid b:
//   kpi(b) = auctions * w(b) * pctr * pcvr * value
//   spend(b) = auctions * c * (ln((c + b) / c) - b / (c + b))
// Then d kpi / d spend = pctr * pcvr * value / b, so the optimum bids
// b_k = pctr_k * pcvr_k * value_k / lambda with lambda set by the budget.
struct Campaign {
  std::string name;
  double auctions = 0, pctr = 0, pcvr = 1, value = 1, win_c = 1;
};
struct CampaignSplit {
  std::vector<std::string> names;
  std::vector<double> spend, bid, kpi, marginal_roas;
  double lambda = 0, total_kpi = 0, budget = 0;
};
std::vector<Campaign> LoadCampaignsCsv(const std::string& path);  // name,auctions,pctr,pcvr,value,win_c
CampaignSplit SplitCampaigns(const std::vector<Campaign>& campaigns, double budget);
void to_json(nlohmann::json& j, const CampaignSplit& s);

}  // namespace adpilot::mmm
