// The replay's accounting and the budget invariant for every strategy.
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/replay.h"
#include "common/test_util.h"
#include "deliver/synthetic.h"

namespace adpilot {
namespace {

using testing::SyntheticLog;

// Bids a fixed price: makes the accounting checkable by hand.
std::unique_ptr<Bidder> ConstAt(double bid, const BidderEnv& env) {
  auto b = MakeBidder("const", env);
  b->SetParams({{"bid", bid}});
  return b;
}

AuctionLog Tiny() {
  AuctionLog log;
  log.Add(1, 10, 0.1f);
  log.Add(0, 30, 0.1f);
  log.Add(1, 20, 0.1f);
  log.Add(0, 5, 0.1f);
  return log;
}

TEST(Replay, SecondVersusFirstPriceAccounting) {
  AuctionLog log = Tiny();
  CampaignStats st = log.Stats();
  ReplayConfig cfg;
  cfg.episode = 4;
  cfg.budget_override = 1000;
  auto b = ConstAt(25, MakeBidderEnv(cfg, log, st, 1));
  ReplayResult second = Replay(log, *b, cfg, st);
  // Wins 10, 20, 5 (bid 25 >= price); pays the market prices.
  EXPECT_EQ(second.impressions, 3u);
  EXPECT_EQ(second.clicks, 2u);
  EXPECT_DOUBLE_EQ(second.spend, 35);
  cfg.auction = AuctionType::kFirstPrice;
  ReplayResult first = Replay(log, *b, cfg, st);
  EXPECT_EQ(first.impressions, 3u);
  EXPECT_DOUBLE_EQ(first.spend, 75);  // pays its bid, 25 each
  EXPECT_DOUBLE_EQ(first.cpm(), 25000);
  EXPECT_DOUBLE_EQ(first.ecpc(), 37.5);
}

TEST(Replay, LastAuctionBidIsCappedToRemainingBudget) {
  AuctionLog log = Tiny();
  CampaignStats st = log.Stats();
  ReplayConfig cfg;
  cfg.episode = 4;
  cfg.budget_override = 26;
  cfg.auction = AuctionType::kFirstPrice;
  auto b = ConstAt(25, MakeBidderEnv(cfg, log, st, 1));
  ReplayResult r = Replay(log, *b, cfg, st);
  // 25 on the first; 1 left: the bid is capped to 1 and cannot win 30, 20 or 5.
  EXPECT_DOUBLE_EQ(r.spend, 25);
  EXPECT_EQ(r.impressions, 1u);
  EXPECT_LE(r.spend, r.budget);
}

TEST(Replay, EpisodesAndProRataLastEpisode) {
  AuctionLog log = SyntheticLog(2500, 3);
  CampaignStats st;
  st.cpm = 64000;  // 64 per impression
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 0.5;
  auto b = MakeBidder("lin", MakeBidderEnv(cfg, log, st, 1));
  ReplayResult r = Replay(log, *b, cfg, st);
  ASSERT_EQ(r.episodes, 3u);
  EXPECT_DOUBLE_EQ(r.episode_trace[0].budget, 32000);
  EXPECT_DOUBLE_EQ(r.episode_trace[2].budget, 16000);  // 500 of 1000 auctions
  EXPECT_EQ(r.auctions, 2500u);
  EXPECT_DOUBLE_EQ(r.budget, 80000);
  ReplayConfig ortb = cfg;
  ortb.protocol = "ortb";
  EXPECT_DOUBLE_EQ(PeriodBudget(ortb, log, st), 0.5 * log.total_cost());
}

// The invariant: for every strategy and budget, spend never exceeds the budget
// of any period, under both auction types.
TEST(Replay, BudgetInvariantEveryStrategy) {
  AuctionLog train = SyntheticLog(4000, 11), test = SyntheticLog(3500, 12);
  CampaignStats st = train.Stats();
  Context ctx;
  for (auto type : {AuctionType::kSecondPrice, AuctionType::kFirstPrice}) {
    for (double c0 : {1.0 / 64, 1.0 / 8, 1.0}) {
      for (const auto& name : StrategyNames()) {
        ReplayConfig cfg;
        cfg.episode = 500;
        cfg.budget_ratio = c0;
        cfg.auction = type;
        // Fitting does not change the invariant: fit only at one budget to keep this fast.
        ReplayResult r = RunStrategy(name, test, c0 == 1.0 / 8 && type == AuctionType::kSecondPrice ? &train : nullptr,
                                     st, cfg, ctx);
        SCOPED_TRACE(name + " c0=" + std::to_string(c0));
        EXPECT_EQ(r.auctions, test.size());
        EXPECT_LE(r.spend, r.budget + 1e-9);
        for (const auto& ep : r.episode_trace) EXPECT_LE(ep.spend, ep.budget + 1e-9);
        EXPECT_LE(r.clicks, r.impressions);
        if (type == AuctionType::kSecondPrice) {
          EXPECT_LE(double(r.clicks), HindsightOptimalClicks(test, cfg, st, false));
          EXPECT_LE(r.expected_clicks, PctrForesight(test, cfg, st).expected_clicks + 1e-6);
        }
      }
    }
  }
}

TEST(Replay, HindsightOptimumTakesCheapestClicks) {
  AuctionLog log = Tiny();
  ReplayConfig cfg;
  cfg.episode = 4;
  cfg.budget_override = 25;
  EXPECT_DOUBLE_EQ(HindsightOptimalClicks(log, cfg, log.Stats(), false), 1);  // 10 + 20 > 25
  cfg.budget_override = 30;
  EXPECT_DOUBLE_EQ(HindsightOptimalClicks(log, cfg, log.Stats(), false), 2);
}

TEST(Replay, PctrForesightBuysBestValuePerMoney) {
  AuctionLog log;
  log.Add(0, 10, 0.5f);  // 0.050 per unit of money
  log.Add(1, 40, 0.8f);  // 0.020
  log.Add(1, 20, 0.6f);  // 0.030
  log.Add(0, 0, 0.01f);  // free: always bought
  ReplayConfig cfg;
  cfg.episode = 4;
  cfg.budget_override = 40;
  ForesightBound b = PctrForesight(log, cfg, log.Stats());
  // Buys the free one, then 10 and 20 whole (left 10), then a quarter of 40.
  EXPECT_NEAR(b.expected_clicks, 0.01 + 0.5 + 0.6 + 0.8 * 10 / 40, 1e-6);
  EXPECT_DOUBLE_EQ(b.clicks, 1);  // the whole purchases' clicks: the 20-price auction
  EXPECT_NEAR(HindsightOptimalClicks(log, cfg, log.Stats(), true), b.expected_clicks, 1e-12);
}

TEST(Replay, PacingStrategiesBeatStaticUnderTightBudget) {
  // Fitted on training auctions, every budget-aware strategy must at least
  // match a constant bid on fresh auctions from the same distribution.
  AuctionLog train = SyntheticLog(20000, 21), test = SyntheticLog(20000, 22);
  CampaignStats st = train.Stats();
  Context ctx;
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 16;
  uint64_t base = RunStrategy("const", test, &train, st, cfg, ctx).clicks;
  for (const char* s : {"lin", "rlb", "dual", "ortb1"}) {
    uint64_t c = RunStrategy(s, test, &train, st, cfg, ctx).clicks;
    EXPECT_GT(c, base) << s;
  }
}

TEST(Replay, JsonHasTheAcceptanceFields) {
  AuctionLog log = Tiny();
  ReplayConfig cfg;
  cfg.episode = 2;
  cfg.budget_override = 100;
  auto b = ConstAt(25, MakeBidderEnv(cfg, log, log.Stats(), 1));
  nlohmann::json j = Replay(log, *b, cfg, log.Stats());
  for (const char* k : {"auctions", "impressions", "clicks", "spend", "budget", "win_rate", "cpm", "ecpc"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["episode_trace"].size(), 2u);
}

TEST(Replay, UnknownStrategyListsValidOnes) {
  try {
    MakeBidder("nope", BidderEnv{});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lin"), std::string::npos);
  }
  EXPECT_EQ(MakeBidder("best", BidderEnv{})->name(), "best");
}

}  // namespace
}  // namespace adpilot
