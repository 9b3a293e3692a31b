// RLB's value function against a brute-force solution of the MDP, and policy files.
#include <algorithm>
#include <fstream>
#include <functional>

#include "adpilot/atomic_file.h"
#include "adpilot/bidding.h"
#include "adpilot/error.h"
#include "common/old_formats.h"
#include "common/test_util.h"
#include "deliver/rlb_value.h"

namespace adpilot {
namespace {

// V(t, b) by exhaustive search over every action a in [0, min(b, max)].
double Brute(const std::vector<double>& m, double theta, int t, int b) {
  if (t == 0) return 0;
  double best = -1;
  for (int a = 0; a <= std::min<int>(b, int(m.size()) - 1); ++a) {
    double v = 0;
    for (int d = 0; d < int(m.size()); ++d)
      v += m[size_t(d)] * (d <= a ? theta + Brute(m, theta, t - 1, b - d) : Brute(m, theta, t - 1, b));
    best = std::max(best, v);
  }
  return best;
}

TEST(RlbValue, MatchesBruteForceOnTinyInstance) {
  std::vector<double> counts = {1, 3, 2, 4};  // prices 0..3
  const double theta = 0.3;
  deliver::RlbValueFunction vf(counts, theta, 4, 6, 3, 5000, 0.0);
  std::vector<double> m;
  for (double c : counts) m.push_back(c / 10.0);
  for (int t = 0; t <= 4; ++t)
    for (int b = 0; b <= 6; ++b) EXPECT_NEAR(vf.V(t, b), Brute(m, theta, t, b), 1e-12) << t << "," << b;
  // The bid is the action that maximises the brute-force value for its own pCTR.
  for (double pctr : {0.05, 0.3, 0.9}) {
    for (int t = 1; t <= 4; ++t) {
      for (int b = 1; b <= 6; ++b) {
        double a = vf.Bid(pctr, t, b);
        auto q = [&](int act) {
          double v = 0;
          for (int d = 0; d < 4; ++d) v += m[size_t(d)] * (d <= act ? pctr + vf.V(t - 1, b - d) : vf.V(t - 1, b));
          return v;
        };
        double best = -1;
        for (int act = 0; act <= std::min(b, 3); ++act) best = std::max(best, q(act));
        EXPECT_NEAR(q(int(a)), best, 1e-12) << pctr << " " << t << " " << b;
      }
    }
  }
}

// Expectation over pCTR points of the best action, by exhaustive search.
double BruteDist(const std::vector<double>& m, const std::vector<double>& thetas, int t, int b) {
  if (t == 0) return 0;
  double ev = 0;
  for (double theta : thetas) {
    double best = -1;
    for (int a = 0; a <= std::min<int>(b, int(m.size()) - 1); ++a) {
      double v = 0;
      for (int d = 0; d < int(m.size()); ++d)
        v += m[size_t(d)] * (d <= a ? theta + BruteDist(m, thetas, t - 1, b - d) : BruteDist(m, thetas, t - 1, b));
      best = std::max(best, v);
    }
    ev += best / double(thetas.size());
  }
  return ev;
}

TEST(RlbValue, PctrDistributionMatchesBruteForce) {
  std::vector<double> counts = {1, 3, 2, 4};
  std::vector<double> thetas = {0.9, 0.05, 0.3};
  deliver::RlbValueFunction vf(counts, thetas, 3, 5, 3, 5000, 0.0);
  std::vector<double> m;
  for (double c : counts) m.push_back(c / 10.0);
  for (int t = 0; t <= 3; ++t)
    for (int b = 0; b <= 5; ++b) EXPECT_NEAR(vf.V(t, b), BruteDist(m, thetas, t, b), 1e-12) << t << "," << b;
}

TEST(RlbValue, ValueGrowsWithBudgetAndTime) {
  std::vector<double> counts(301, 1.0);
  deliver::RlbValueFunction vf(counts, 0.001, 50, 2000, 300);
  for (int b = 1; b <= vf.units(); b += 97) EXPECT_GE(vf.V(50, b), vf.V(50, b - 1));
  EXPECT_GT(vf.V(50, 1000), vf.V(25, 1000));
  EXPECT_LE(vf.V(50, 2000), 50 * 0.001 + 1e-12);
  // A large budget goes on a coarser grid instead of a huge table (default:
  // at most 12,000 columns, so budgets up to 12,000 keep the exact grid).
  deliver::RlbValueFunction big(counts, 0.001, 10, 100000, 300);
  EXPECT_LE(big.units(), 12000);
  EXPECT_GE(big.unit(), 9);
  deliver::RlbValueFunction exact(counts, 0.001, 10, 11600, 300);
  EXPECT_EQ(exact.unit(), 1);
  deliver::RlbValueFunction capped(counts, 0.001, 10, 100000, 300, 5000);
  EXPECT_LE(capped.units(), 5000);
  EXPECT_GE(capped.unit(), 20);
}

TEST(Policy, SaveLoadRoundTripAndCorruption) {
  testing::TempDir d;
  BidderEnv env;
  env.stats.avg_ctr = 0.001;
  env.stats.cpm = 60000;
  env.stats.price_counts = {1, 2, 3};
  env.episode_budget = 1000;
  auto b = MakeBidder("lin", env);
  b->SetParams({{"b0", 77.0}});
  std::string p = d.File("lin.apb");
  SavePolicy(*b, p);
  auto back = LoadPolicy(p);
  EXPECT_EQ(back->name(), "lin");
  EXPECT_EQ(back->Params()["b0"].get<double>(), 77.0);
  EXPECT_EQ(back->env().stats.price_counts, env.stats.price_counts);
  AuctionContext a{0.002, 500, 10, 0.5, 0};
  EXPECT_DOUBLE_EQ(back->Bid(a), b->Bid(a));

  std::string bytes = ReadFile(p);
  auto expect_corrupt = [&](const std::string& content) {
    WriteFileAtomic(d.File("bad.apb"), content);
    try {
      LoadPolicy(d.File("bad.apb"));
      ADD_FAILURE() << "loaded a bad policy";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCorruption) << e.what();
    }
  };
  expect_corrupt(bytes.substr(0, bytes.size() - 3));  // truncated
  std::string flipped = bytes;
  flipped[30] ^= 1;
  expect_corrupt(flipped);  // checksum
  std::string newer = bytes;
  newer[8] = 99;
  expect_corrupt(newer);  // newer version
  expect_corrupt("garbage");

  // A policy from before the container (version 1) loads to the same bidder.
  ASSERT_EQ(bytes[8], 2);
  WriteFileAtomic(p, testing::v1::PolicyFile(testing::v1::SplitContainer(bytes).config));
  auto old = LoadPolicy(p);
  EXPECT_EQ(old->name(), "lin");
  EXPECT_EQ(old->Params(), b->Params());
  EXPECT_DOUBLE_EQ(old->Bid(a), b->Bid(a));
  std::string v1 = ReadFile(p);
  v1[v1.size() / 2] ^= 1;
  expect_corrupt(v1);
}

}  // namespace
}  // namespace adpilot
