// The DRLB-style dqn learns on a small generated task (fixed seed), trains
// the same policy again from the same seed, and survives a save/load round trip.
#include "adpilot/context.h"
#include "adpilot/replay.h"
#include "common/test_util.h"
#include "deliver/synthetic.h"

namespace adpilot {
namespace {

#ifdef ADPILOT_WITH_TORCH
TEST(Dqn, LearnsToBeatConstAndReloads) {
  AuctionLog train = testing::SyntheticLog(20000, 31), test = testing::SyntheticLog(20000, 32);
  CampaignStats st = train.Stats();
  Context ctx;
  ReplayConfig cfg;
  cfg.episode = 1000;
  cfg.budget_ratio = 1.0 / 16;
  uint64_t base = RunStrategy("const", test, &train, st, cfg, ctx).clicks;
  auto dqn = MakeBidder("dqn", MakeBidderEnv(cfg, test, st, 5));
  dqn->Fit(train, ctx);
  ReplayResult r = Replay(test, *dqn, cfg, st);
  EXPECT_GT(r.clicks, base);
  EXPECT_LE(r.spend, r.budget);

  testing::TempDir d;
  SavePolicy(*dqn, d.File("dqn.apb"));
  auto back = LoadPolicy(d.File("dqn.apb"));
  EXPECT_EQ(Replay(test, *back, cfg, st).clicks, r.clicks);

  // The same seed trains the same network, whatever libtorch's generator did before.
  auto again = MakeBidder("dqn", MakeBidderEnv(cfg, test, st, 5));
  again->Fit(train, ctx);
  EXPECT_EQ(again->Params().dump(), dqn->Params().dump());
}
#else
TEST(Dqn, NeedsLibtorch) { GTEST_SKIP() << "built without libtorch: dqn is not available"; }
#endif

}  // namespace
}  // namespace adpilot
