// One strategy run end to end: create, fit on tuning data, replay.
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/replay.h"

namespace adpilot {

ReplayResult RunStrategy(const std::string& name, const AuctionLog& test, const AuctionLog* tune,
                         const CampaignStats& train, const ReplayConfig& cfg, const Context& ctx) {
  auto bidder = MakeBidder(name, MakeBidderEnv(cfg, test, train, ctx.SubSeed("bid:" + name)));
  if (tune && tune->size()) bidder->Fit(*tune, ctx);
  ctx.log().debug("{}: params {}", bidder->name(), bidder->Params().dump());
  return Replay(test, *bidder, cfg, train);
}

std::vector<std::string> StrategyNames() { return BidderRegistry::Get().Names(); }

}  // namespace adpilot
