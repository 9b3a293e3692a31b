// Bidding from train-info alone (no tuning stream: the acceptance path for
// campaigns whose validation stream is kept back), the online pCTR level
// (past auctions only), and budgets in currency units.
#include <fstream>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/replay.h"
#include "common/test_util.h"
#include "deliver/rlb_value.h"
#include "deliver/synthetic.h"
#include "deliver/tuning.h"

namespace adpilot {
namespace {

// What a train-info file gives: CPC, CPM, average CTR and the price histogram.
CampaignStats TrainInfoLike(uint64_t seed) { return testing::SyntheticLog(20000, seed).Stats(); }

TEST(TrainInfoOnly, EveryStrategyBidsWithinBudget) {
  AuctionLog test = testing::SyntheticLog(6000, 52);
  CampaignStats st = TrainInfoLike(51);
  Context ctx;
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 8;
  for (const auto& name : StrategyNames()) {
    SCOPED_TRACE(name);
    ReplayResult r = RunStrategy(name, test, nullptr, st, cfg, ctx);
    EXPECT_GT(r.impressions, 0u);
    EXPECT_LE(r.spend, r.budget + 1e-9);
    // Defaults from train-info spend a real share of the budget, not a token.
    if (name != "mcpc") {
      EXPECT_GT(r.spend, 0.3 * r.budget) << r.spend << " of " << r.budget;
    }
  }
  // best, unfitted: rlb, whose policy is train-info's (CPM, CTR, histogram).
  EXPECT_EQ(RunStrategy("best", test, nullptr, st, cfg, ctx).resolved, "rlb");
}

// lin's b0 without a tuning stream: the constant bid whose expected spend
// under the training price histogram is the budget rate B / T.
TEST(TrainInfoOnly, LinDefaultB0SpendsTheBudgetRateUnderTheHistogram) {
  CampaignStats st;
  st.avg_ctr = 0.001;
  st.price_counts.assign(101, 1.0);  // prices 0..100 equally likely
  st.cpm = 50000;
  BidderEnv env;
  env.stats = st;
  env.episode_auctions = 1000;
  env.episode_budget = 1000 * 12.5;  // rate 12.5 = E[price; price <= 50]
  auto lin = MakeBidder("lin", env);
  const double b0 = lin->Params().at("b0").get<double>();
  EXPECT_NEAR(deliver::ExpectedSpend(st.price_counts, b0), 12.5, 0.3);
  EXPECT_NEAR(b0, 50, 1.01);
  // At the average CTR, lin bids b0.
  AuctionContext a{0.001, 1e9, 10, 1, 0};
  EXPECT_DOUBLE_EQ(lin->Bid(a), b0);
}

TEST(TrainInfoOnly, CliBestWithATrainInfoFileAndNoValidationStream) {
  testing::TempDir d;
  CampaignStats st = TrainInfoLike(53);
  {
    std::ofstream f(d.File("9999.train-info.txt"));
    f << "CPC:\t" << st.cpc << "\nCPM:\t" << st.cpm << "\navg ctr:\t" << st.avg_ctr << "\ncounter:\t";
    for (double c : st.price_counts) f << c << "_";
    f << "\n";
  }
  AuctionLog test = testing::SyntheticLog(5000, 54);
  {
    std::ofstream f(d.File("9999.test.txt"));
    for (size_t i = 0; i < test.size(); ++i)
      f << int(test.click[i]) << " " << test.price[i] << " " << test.pctr[i] << "\n";
  }
  auto r = testing::RunCli("--quiet bid simulate --log " + d.File("9999.test.txt") +
                           " --format rlb --strategy best --budget-ratio 1/32 --episode 1000 --train " +
                           d.File("9999.train-info.txt") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["resolved_strategy"], "rlb");
  EXPECT_EQ(j["tuned_on"], "");
  EXPECT_EQ(j["auctions"], 5000);
  EXPECT_GT(j["impressions"].get<int>(), 0);
  EXPECT_GT(j["clicks"].get<int>(), 0);
  EXPECT_DOUBLE_EQ(j["budget"].get<double>(), 5 * std::floor(st.cpm * 1000 / 32 / 1000));
  EXPECT_LE(j["spend"].get<double>(), j["budget"].get<double>());
}

// Drives a bidder through `log` as one episode and returns its bids.
std::vector<double> Bids(Bidder& b, const AuctionLog& log, double budget) {
  b.BeginStream();
  b.BeginPeriod(budget, int64_t(log.size()));
  std::vector<double> out;
  double left = budget;
  for (size_t i = 0; i < log.size(); ++i) {
    AuctionContext a{log.pctr[i], left, int64_t(log.size() - i), double(log.size() - i) / double(log.size()), 0};
    double bid = std::min(b.Bid(a), left);
    out.push_back(bid);
    AuctionOutcome o;
    o.won = bid > 0 && bid >= log.price[i];
    o.price = o.won ? double(log.price[i]) : 0;
    o.clicked = o.won && log.click[i];
    o.pctr = a.pctr;
    left -= o.price;
    b.Observe(o);
  }
  return out;
}

TEST(PctrLevel, BidAtAuctionTUsesPastAuctionsOnly) {
  AuctionLog train = testing::SyntheticLog(6000, 61), log = testing::SyntheticLog(1000, 62);
  AuctionLog altered = log;
  const size_t t = 400;
  for (size_t i = t + 1; i < altered.size(); ++i)
    altered.pctr[i] = std::min(0.5f, altered.pctr[i] * 3), altered.price[i] += 7;
  CampaignStats st = train.Stats();
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 16;
  Context ctx;
  for (const char* name : {"rlb", "rlbx", "dual", "pid", "throttle", "best"}) {
    SCOPED_TRACE(name);
    auto b = MakeBidder(name, MakeBidderEnv(cfg, log, st, 5));
    b->Fit(train, ctx);
    const double budget = b->env().episode_budget;
    auto b2 = b->Clone();
    std::vector<double> x = Bids(*b, log, budget), y = Bids(*b2, altered, budget);
    for (size_t i = 0; i <= t; ++i) ASSERT_EQ(x[i], y[i]) << "auction " << i;
    bool differs = false;
    for (size_t i = t + 1; i < x.size(); ++i) differs = differs || x[i] != y[i];
    EXPECT_TRUE(differs);  // the altered auctions do change later bids
  }
}

TEST(PctrLevel, RunningMeanStartsAtTheReferenceAndFollowsTheStream) {
  deliver::PctrLevel lv(0.001);
  EXPECT_DOUBLE_EQ(lv.Scale(), 1.0);
  for (int i = 0; i < 30000; ++i) lv.Add(0.002);
  EXPECT_NEAR(lv.mean(), 0.002, 0.00003);
  EXPECT_NEAR(lv.Scale(), 0.5, 0.01);
  for (int i = 0; i < 30000; ++i) lv.Add(0.004);  // a level shift inside the stream
  EXPECT_NEAR(lv.Scale(), 0.25, 0.01);
}

// rlb's rule depends on pCTR / theta only (V is linear in theta), so putting
// the stream's pCTRs on the training level is the paper's rule with theta =
// the stream's level; and rlb on a stream whose pCTRs are all twice as high
// buys (after the warm-up of the level) about the same impressions.
TEST(PctrLevel, RlbIsInvariantToAConstantPctrScale) {
  std::vector<double> counts = {1, 3, 2, 4, 1, 2};
  deliver::RlbValueFunction v1(counts, 0.3, 6, 12, 5, 5000, 0.0), v2(counts, 0.6, 6, 12, 5, 5000, 0.0);
  for (double p : {0.05, 0.3, 0.7})
    for (int t = 1; t <= 6; ++t)
      for (int b = 0; b <= 12; ++b) EXPECT_EQ(v1.Bid(p, t, b), v2.Bid(2 * p, t, b)) << p << " " << t << " " << b;

  AuctionLog log = testing::SyntheticLog(20000, 63), doubled = log;
  for (auto& p : doubled.pctr) p *= 2;
  CampaignStats st = testing::SyntheticLog(20000, 64).Stats();
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 16;
  Context ctx;
  ReplayResult a = RunStrategy("rlb", log, nullptr, st, cfg, ctx),
               b = RunStrategy("rlb", doubled, nullptr, st, cfg, ctx);
  EXPECT_NEAR(double(b.impressions), double(a.impressions), 0.02 * double(a.impressions));
  EXPECT_NEAR(b.spend, a.spend, 0.02 * a.spend);
}

// Logs priced in currency (USD, 0.01 a win): the rlb budget rule keeps the
// fractional budget (it truncated it to 0) and rlb's DP runs on a finer price
// grid instead of whole units.
TEST(CurrencyPrices, RlbKeepsAFractionalBudgetAndBids) {
  AuctionLog log = testing::SyntheticLog(4000, 71);
  for (auto& p : log.price) p = p / 4000.0f;  // ~0.015 USD
  CampaignStats st = log.Stats();
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 4;
  cfg.max_bid = 0.1;  // above every price (<= 0.075); keeps the DP over bid steps small
  const double budget = PeriodBudget(cfg, log, st);
  EXPECT_GT(budget, 0);
  EXPECT_NEAR(budget, st.cpm * 1000 / 4 / 1000, 1e-9);
  Context ctx;
  for (const char* name : {"rlb", "rlbx", "rlb-paper", "lin"}) {
    SCOPED_TRACE(name);
    ReplayResult r = RunStrategy(name, log, &log, st, cfg, ctx);
    EXPECT_GT(r.impressions, 100u);
    EXPECT_GT(r.spend, 0.5 * r.budget);
    EXPECT_LE(r.spend, r.budget + 1e-9);
  }
  // Whole-unit prices keep the RLB scripts' truncation.
  AuctionLog whole = testing::SyntheticLog(2000, 72);
  EXPECT_EQ(PeriodBudget(cfg, whole, whole.Stats()), std::floor(whole.Stats().cpm * 1000 / 4 / 1000));
}

}  // namespace
}  // namespace adpilot
