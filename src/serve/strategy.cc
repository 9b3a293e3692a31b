#include "serve/strategy.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"

namespace adpilot::serve {

CampaignStrategy::CampaignStrategy(const Campaign& c, const Context& ctx)
    : budget_units_(c.daily_budget * 1000), auctions_(c.daily_auctions) {
  if (!c.policy.empty()) {
    bidder_ = LoadPolicy(c.policy);
  } else {
    BidderEnv env;
    env.stats.avg_ctr = c.avg_ctr;
    env.stats.cpm = c.avg_cpm * 1000;
    env.stats.cpc = c.avg_cpm / c.avg_ctr;  // price units per click, as the replay computes it
    env.auction = AuctionType::kSecondPrice;
    env.max_bid = c.max_cpm;
    env.episode_auctions = c.daily_auctions;
    env.episode_budget = budget_units_;
    env.seed = ctx.SubSeed("serve-strategy-" + c.id);
    bidder_ = MakeBidder(c.strategy, env);
  }
  if (!c.params_json.empty()) {
    try {
      bidder_->SetParams(nlohmann::json::parse(c.params_json));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& ex) {
      Throw(ErrorCode::kInvalidArgument, "campaign {}: params for strategy '{}': {}", c.id, bidder_->name(), ex.what());
    }
  }
}

double CampaignStrategy::Bid(double pctr, double remaining_money, double day_left, double floor_cpm, int32_t day) {
  std::lock_guard lock(mu_);
  if (day != day_) {
    bidder_->BeginPeriod(budget_units_, auctions_);
    day_ = day;
  }
  AuctionContext a;
  a.pctr = pctr;
  a.remaining_budget = std::max(0.0, remaining_money * 1000);
  a.remaining_time = std::clamp(day_left, 0.0, 1.0);
  a.remaining_auctions = std::max<int64_t>(1, int64_t(std::ceil(double(auctions_) * a.remaining_time)));
  a.floor = floor_cpm;
  double b = bidder_->Bid(a);
  return std::isfinite(b) && b > 0 ? b : 0;
}

void CampaignStrategy::Observe(bool won, double price_cpm, double pctr) {
  std::lock_guard lock(mu_);
  AuctionOutcome o;
  o.won = won;
  o.price = won ? price_cpm : 0;
  o.pctr = pctr;
  bidder_->Observe(o);
}

}  // namespace adpilot::serve
