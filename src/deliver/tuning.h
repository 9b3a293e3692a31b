// Helpers the strategies share: replaying a training log to score candidate
// parameters, and the market-price statistics of CampaignStats.
#pragma once

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

// Geometric grid lo..hi with n points.
std::vector<double> GeomGrid(double lo, double hi, int n);

}  // namespace adpilot::deliver
