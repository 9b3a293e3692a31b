#include <cmath>

#include <gtest/gtest.h>

#include "common/test_util.h"
#include "world_fixture.h"

namespace adpilot {
namespace {

using testing::SmallWorld;

struct Arm {
  double n = 0, sum = 0, sq = 0;
  void Add(double x) { n += 1, sum += x, sq += x * x; }
  double Mean() const { return sum / n; }
  double Var() const { return (sq - sum * sum / n) / (n - 1); }
};

double Welch(const Arm& a, const Arm& b) { return (a.Mean() - b.Mean()) / std::sqrt(a.Var() / a.n + b.Var() / b.n); }

TEST(GenExperiment, RandomisationIsBalancedAndTheEffectMatchesTruth) {
  const auto& w = SmallWorld::Get();
  const auto& t = w.truth["experiment"];
  testing::Csv e = testing::ReadCsv(w.File("experiment.csv"));
  testing::Csv u = testing::ReadCsv(w.File("uplift_truth.csv"));
  ASSERT_EQ(int64_t(e.rows.size()), w.cfg.experiment_units);
  ASSERT_EQ(e.rows.size(), u.rows.size());
  int v = e.Col("variant");
  Arm pre[2], age[2], mobile[2], conv[2];
  double uplift = 0, treated = 0;
  for (size_t i = 0; i < e.rows.size(); ++i) {
    const auto& r = e.rows[i];
    ASSERT_EQ(r[0], u.rows[i][0]);
    ASSERT_TRUE(r[size_t(v)] == "control" || r[size_t(v)] == "treatment");
    int arm = r[size_t(v)] == "treatment";
    treated += arm;
    pre[arm].Add(std::stod(r[size_t(e.Col("pre_revenue"))]));
    age[arm].Add(std::stod(r[size_t(e.Col("age"))]));
    mobile[arm].Add(std::stod(r[size_t(e.Col("mobile"))]));
    conv[arm].Add(std::stod(r[size_t(e.Col("converted"))]));
    double pc = std::stod(u.rows[i][1]), pt = std::stod(u.rows[i][2]), up = std::stod(u.rows[i][3]);
    EXPECT_NEAR(up, pt - pc, 2e-6);
    uplift += up;
  }
  double n = double(e.rows.size());
  EXPECT_EQ(treated, t["treated"].get<double>());
  // Assignment: the treated share within 4 sd of the configured share, and
  // pre-period covariates balanced across arms (|Welch t| < 4).
  double p = w.cfg.treatment_share;
  EXPECT_LT(std::fabs(treated - n * p), 4 * std::sqrt(n * p * (1 - p)));
  EXPECT_LT(std::fabs(Welch(pre[1], pre[0])), 4);
  EXPECT_LT(std::fabs(Welch(age[1], age[0])), 4);
  EXPECT_LT(std::fabs(Welch(mobile[1], mobile[0])), 4);
  // The true ATE is the mean of the individual uplifts, and the observed
  // difference in conversion rates estimates it.
  EXPECT_NEAR(t["ate"].get<double>(), uplift / n, 1e-5);
  EXPECT_GT(t["ate"].get<double>(), 0);
  double diff = conv[1].Mean() - conv[0].Mean();
  double se = std::sqrt(conv[1].Var() / conv[1].n + conv[0].Var() / conv[0].n);
  EXPECT_LT(std::fabs(diff - t["ate"].get<double>()), 4.5 * se);
}

TEST(GenJourneys, ConversionsAndIncrementalityAreConsistent) {
  const auto& w = SmallWorld::Get();
  const auto& t = w.truth["journeys"];
  testing::Csv j = testing::ReadCsv(w.File("journeys.csv"));
  ASSERT_EQ(j.header,
            (std::vector<std::string>{"journey_id", "user_id", "touch", "channel", "timestamp", "converted"}));
  EXPECT_EQ(int64_t(j.rows.size()), t["touches"].get<int64_t>());
  int64_t journeys = 0, conversions = 0;
  for (size_t i = 0; i < j.rows.size(); ++i) {
    if (j.rows[i][2] == "0") {
      ++journeys;
      conversions += j.rows[i][5] == "1";
    } else {
      ASSERT_EQ(j.rows[i][0], j.rows[i - 1][0]);
      ASSERT_EQ(std::stoi(j.rows[i][2]), std::stoi(j.rows[i - 1][2]) + 1);
      ASSERT_GT(std::stoll(j.rows[i][4]), std::stoll(j.rows[i - 1][4]));
      ASSERT_EQ(j.rows[i][5], j.rows[i - 1][5]);
    }
  }
  EXPECT_EQ(journeys, w.cfg.journeys);
  EXPECT_EQ(conversions, t["conversions"].get<int64_t>());
  double expected = t["expected_conversions"];
  EXPECT_LT(std::fabs(double(conversions) - expected), 4.5 * std::sqrt(expected) + 1);
  // Shapley values split exactly the expected conversions above the base rate;
  // removal effects are positive and, under noisy-OR, no larger than Shapley's share.
  double shapley = 0;
  for (auto it = t["shapley_conversions"].begin(); it != t["shapley_conversions"].end(); ++it) {
    shapley += it.value().get<double>();
    double inc = t["incremental_conversions"][it.key()];
    EXPECT_GT(inc, 0) << it.key();
    EXPECT_LE(inc, it.value().get<double>() * (1 + 1e-9)) << it.key();
  }
  EXPECT_NEAR(shapley, expected - double(journeys) * t["base_rate"].get<double>(), 1e-6 * expected);
}

}  // namespace
}  // namespace adpilot
