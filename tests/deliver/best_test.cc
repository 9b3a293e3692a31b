// `best` chooses its strategy on the tuning log only, then bids exactly as the
// chosen strategy fitted on that log would; the allocation-driven budget.
#include <algorithm>
#include <fstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/replay.h"
#include "common/test_util.h"
#include "deliver/synthetic.h"

namespace adpilot {
namespace {

TEST(Best, PicksACandidateOnTrainingAndBidsLikeIt) {
  AuctionLog train = testing::SyntheticLog(8000, 41), test = testing::SyntheticLog(5000, 42);
  CampaignStats st = train.Stats();
  Context ctx;
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 16;
  auto best = MakeBidder("best", MakeBidderEnv(cfg, test, st, 3));
  best->Fit(train, ctx);
  const std::string picked = best->Resolved();
  auto cands = BestCandidates();
  EXPECT_NE(std::find(cands.begin(), cands.end(), picked), cands.end()) << picked;
  // Every candidate was scored on held-out tuning episodes; the pick has the most expected clicks.
  auto scores = best->Params().at("held_out_scores");
  EXPECT_EQ(scores.size(), cands.size());
  for (const auto& [name, s] : scores.items())
    EXPECT_LE(s.at("expected_clicks").get<double>(), scores.at(picked).at("expected_clicks").get<double>()) << name;

  ReplayResult rb = Replay(test, *best, cfg, st);
  EXPECT_EQ(rb.strategy, "best");
  EXPECT_EQ(rb.resolved, picked);
  ReplayResult rp = RunStrategy(picked, test, &train, st, cfg, ctx);
  EXPECT_EQ(rb.clicks, rp.clicks);
  EXPECT_DOUBLE_EQ(rb.spend, rp.spend);

  // A saved `best` policy keeps its pick and its fitted parameters.
  testing::TempDir d;
  SavePolicy(*best, d.File("best.apb"));
  auto back = LoadPolicy(d.File("best.apb"));
  EXPECT_EQ(back->Resolved(), picked);
  EXPECT_EQ(Replay(test, *back, cfg, st).clicks, rb.clicks);
}

TEST(Best, FallsBackToRlbWithoutEnoughTuningEpisodes) {
  AuctionLog train = testing::SyntheticLog(2500, 43), test = testing::SyntheticLog(3000, 44);
  CampaignStats st = train.Stats();
  Context ctx;
  ReplayConfig cfg;
  cfg.episode = 1000;
  auto b = MakeBidder("best", MakeBidderEnv(cfg, test, st, 3));
  EXPECT_EQ(b->Resolved(), "rlb");  // unfitted
  b->Fit(train, ctx);               // 2 episodes: too few for two folds
  EXPECT_EQ(b->Resolved(), "rlb");
}

// The tuning stream is checked against train-info before any scoring: a pCTR
// level far from the training CTR, or drifting between the folds, makes its
// held-out episodes a poor guide, and best takes rlb (train-info's model).
TEST(Best, UnrepresentativeTuningStreamFallsBackToRlb) {
  CampaignStats st = testing::SyntheticLog(8000, 40).Stats();
  Context ctx;
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 16;
  AuctionLog test = testing::SyntheticLog(3000, 44);
  auto level = [&](const AuctionLog& tune) {
    auto b = MakeBidder("best", MakeBidderEnv(cfg, test, st, 3));
    b->Fit(tune, ctx);
    return std::make_pair(b->Resolved(), b->Params().at("tuning_consistency"));
  };
  // pCTRs at twice the training CTR.
  auto [pick, why] = level(testing::SyntheticLog(8000, 41, 2.0));
  EXPECT_EQ(pick, "rlb");
  EXPECT_FALSE(why.at("consistent").get<bool>());
  EXPECT_GT(why.at("level_vs_train_ratio").get<double>(), 1.5);
  // A level that halves between the folds, averaging the training CTR.
  AuctionLog drift = testing::SyntheticLog(4000, 45, 1.35);
  AuctionLog late = testing::SyntheticLog(4000, 46, 0.65);
  for (size_t i = 0; i < late.size(); ++i) drift.Add(late.click[i], late.price[i], late.pctr[i]);
  std::tie(pick, why) = level(drift);
  EXPECT_EQ(pick, "rlb");
  EXPECT_LT(why.at("level_vs_train_ratio").get<double>(), 1.5);
  EXPECT_GT(why.at("fold_drift_ratio").get<double>(), 1.5);
  // The same kind of stream at the training level is scored by cross-fitting.
  std::tie(pick, why) = level(testing::SyntheticLog(8000, 47));
  EXPECT_TRUE(why.at("consistent").get<bool>());
}

void WriteAlloc(const std::string& path) {
  nlohmann::json j = {{"channels",
                       {{{"name", "search"}, {"spend", 300.0}, {"current", 100.0}},
                        {{"name", "display"}, {"spend", 50.0}, {"current", 200.0}},
                        {{"name", "video"}, {"spend", 10.0}, {"current", 0.0}}}}};
  std::ofstream(path) << j.dump();
}

TEST(BudgetFromAllocation, ScalesTheProtocolBudgetByAllocatedOverCurrent) {
  testing::TempDir d;
  WriteAlloc(d.File("alloc.json"));
  EXPECT_DOUBLE_EQ(BudgetScaleFromAllocation(d.File("alloc.json"), "display"), 0.25);
  EXPECT_DOUBLE_EQ(BudgetScaleFromAllocation(d.File("alloc.json"), "search"), 3.0);

  AuctionLog log = testing::SyntheticLog(3000, 45);
  CampaignStats st = log.Stats();
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 8;
  const double base = PeriodBudget(cfg, log, st);
  cfg.budget_scale = 0.25;
  EXPECT_DOUBLE_EQ(PeriodBudget(cfg, log, st), std::floor(st.cpm * 1000 / 8 * 0.25 / 1000));
  EXPECT_LT(PeriodBudget(cfg, log, st), base);
  // The replay and the hindsight optimum both use the scaled budget.
  auto b = MakeBidder("lin", MakeBidderEnv(cfg, log, st, 1));
  ReplayResult r = Replay(log, *b, cfg, st);
  EXPECT_DOUBLE_EQ(r.budget, 3 * PeriodBudget(cfg, log, st));
  EXPECT_LE(r.spend, r.budget);
}

TEST(BudgetFromAllocation, BadChannelOrFileIsAClearError) {
  testing::TempDir d;
  WriteAlloc(d.File("alloc.json"));
  try {
    BudgetScaleFromAllocation(d.File("alloc.json"), "tv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("display"), std::string::npos) << e.what();
  }
  try {
    BudgetScaleFromAllocation(d.File("alloc.json"), "video");  // current spend 0
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  }
  std::ofstream(d.File("bad.json")) << "{\"budget\": 3}";
  EXPECT_THROW(BudgetScaleFromAllocation(d.File("bad.json"), "display"), Error);
}

}  // namespace
}  // namespace adpilot
