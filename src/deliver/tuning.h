// Helpers the strategies share: replaying a training log to score candidate
// parameters, and the market-price statistics of CampaignStats.
#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include "adpilot/auction_log.h"
#include "adpilot/bidding.h"

namespace adpilot::deliver {

// Clicks `b` wins replaying `train` under b's own env (episodes of
// env.episode_auctions with env.episode_budget each).
double TrainClicks(const AuctionLog& train, Bidder& b);

// Sets one parameter per candidate, replays `train`, keeps the best; ties go to
// the earlier candidate. Returns the best value.
double GridSearch(const AuctionLog& train, Bidder& b, const std::vector<double>& grid,
                  const std::function<void(double)>& set);

// P(market price <= x) from a price histogram.
double WinProb(const std::vector<double>& counts, double x);
// Expected spend per auction (second price) when bidding x every time.
double ExpectedSpend(const std::vector<double>& counts, double x);

// The RLB scripts' bid grid first, first + step, ... <= hi, written in
// iPinYou money (max bid 300) and scaled to this setting's max bid: the same
// values for iPinYou, and not an empty grid for a log priced in currency
// (max bid 0.1 USD), where a grid of whole units has no point below the cap.
inline std::vector<double> BidGrid(double max_bid, double first, double step, double hi) {
  const double u = max_bid / 300.0;
  std::vector<double> g;
  for (double v = first; v <= hi; v += step) g.push_back(v * u);
  return g;
}

// Geometric grid lo..hi with n points.
std::vector<double> GeomGrid(double lo, double hi, int n);

// The default bid scale with no tuning stream (train-info only): the constant
// bid whose expected spend under the training price histogram equals the
// budget rate B / T. lin, pid, throttle, dual and dqn start from b0 = this.
double BudgetNeutralBid(const BidderEnv& env);

// Online estimate of the stream's pCTR level from PAST auctions only, to map
// the stream's pCTRs onto the training CTR level that value functions and
// tuned bid scales were built on (the level drifts between training,
// validation and test logs: 2997's validation stream averages 2x its training
// CTR). Mean of the pCTRs seen so far, starting from the training CTR with
// the weight of kPrior auctions and forgetting beyond kWindow auctions, so it
// follows a level that shifts within a stream. Update after bidding.
class PctrLevel {
 public:
  static constexpr double kPrior = 1000, kWindow = 10000;
  explicit PctrLevel(double reference = 0) { Reset(reference); }
  void Reset(double reference) {
    ref_ = reference;
    mean_ = reference;
    n_ = 0;
  }
  void Add(double pctr) {
    n_ += 1;
    mean_ += (pctr - mean_) / std::min(n_ + kPrior, kWindow);
  }
  double mean() const { return mean_; }
  // Multiplies a pCTR of the stream to put it on the reference level.
  double Scale() const { return ref_ > 0 && mean_ > 0 ? ref_ / mean_ : 1.0; }

 private:
  double ref_ = 0, mean_ = 0, n_ = 0;
};

}  // namespace adpilot::deliver
