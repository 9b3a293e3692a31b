// The A/B readout under differential privacy (docs/privacy.md): the noise has the
// variance the mechanism promises, the estimate's error over 1,000 draws matches
// the interval's theoretical noise sd within 10%, and removing one unit changes
// the released output's distribution by at most e^epsilon.
#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "adpilot/abtest.h"
#include "adpilot/atomic_file.h"
#include "adpilot/context.h"
#include "adpilot/dp.h"
#include "adpilot/error.h"
#include "adpilot/table.h"
#include "common/test_util.h"

namespace adpilot::abtest {
namespace {

// `units` rows, alternating control/treatment, converting at 10% and 13%.
std::string WriteExperiment(const testing::TempDir& tmp, int units, const std::string& name) {
  std::mt19937_64 rng(5);
  std::string csv = "unit,variant,converted\n";
  for (int u = 0; u < units; ++u) {
    bool t = u % 2 == 1;
    bool y = std::uniform_real_distribution<double>(0, 1)(rng) < (t ? 0.13 : 0.10);
    csv += "u" + std::to_string(u) + "," + (t ? "treatment" : "control") + "," + (y ? "1" : "0") + "\n";
  }
  WriteFileAtomic(tmp.File(name), csv);
  return tmp.File(name);
}

AbOptions Options(double epsilon) {
  AbOptions o;
  o.variant_col = "variant";
  o.control = "control";
  o.metrics = {"converted"};
  o.dp_epsilon = epsilon;
  return o;
}

TEST(DpMechanism, NoiseHasTheCalibratedVariance) {
  std::mt19937_64 rng(1);
  for (double delta : {0.0, 1e-5}) {
    DpMechanism m{0.5, delta};
    double s2 = 0;
    const int N = 200000;
    for (int i = 0; i < N; ++i) {
      double x = m.Noise(3.0, rng);
      s2 += x * x / N;
    }
    EXPECT_NEAR(std::sqrt(s2) / std::sqrt(m.Variance(3.0)), 1.0, 0.01) << m.name();
  }
  EXPECT_DOUBLE_EQ(DpMechanism({0.5, 0}).Scale(3.0), 6.0);  // b = sensitivity / epsilon
  EXPECT_THROW(DpMechanism({1.5, 1e-5}).Scale(1), Error);   // Gaussian calibration needs epsilon < 1
  PrivacyBudget b(1.0, 0);
  b.Spend(0.6, 0, "first");
  EXPECT_THROW(b.Spend(0.5, 0, "second"), Error);
  b.Spend(0.4, 0, "third");
  EXPECT_DOUBLE_EQ(b.epsilon_spent(), 1.0);
}

TEST(AbtestDp, ErrorMatchesTheTheoreticalNoiseSdAndTheIntervalCarriesIt) {
  testing::TempDir tmp;
  Table t = ReadCsvTable(WriteExperiment(tmp, 2000, "e.csv"));
  Context exact_ctx;
  AbReport exact = AnalyzeExperiment(t, Options(0), exact_ctx);
  const double n = 1000, pc = exact.results[0].control_mean, pt = exact.results[0].treatment_mean;
  const double epsilon = 0.5, eq = epsilon / 3;
  // Delta method on S/n per arm: (Var S + p^2 Var n) / n^2, Laplace variances 2 (1/eq)^2.
  const double v = 2 / (eq * eq);
  const double theory = std::sqrt((v + pc * pc * v) / (n * n) + (v + pt * pt * v) / (n * n));
  double s2 = 0, covered = 0;
  const int R = 1000;
  for (int r = 0; r < R; ++r) {
    Context ctx;
    ctx.seed = uint64_t(r) + 1;
    AbReport rep = AnalyzeExperiment(t, Options(epsilon), ctx);
    const MetricResult& m = rep.results[0];
    double err = m.diff - exact.results[0].diff;
    s2 += err * err / R;
    covered += m.diff_ci_low <= exact.results[0].diff && exact.results[0].diff <= m.diff_ci_high;
    ASSERT_DOUBLE_EQ(rep.dp_epsilon_spent, epsilon);
    ASSERT_EQ(rep.dp_queries, 3);
  }
  RecordProperty("sd_ratio", std::to_string(std::sqrt(s2) / theory));
  RecordProperty("coverage", std::to_string(covered / R));
  EXPECT_NEAR(std::sqrt(s2) / theory, 1.0, 0.10) << "empirical sd " << std::sqrt(s2) << ", theory " << theory;
  // The interval adds the noise to the sampling variance: it holds the exact
  // (noise-free) difference at least as often as the 95% it promises for the truth.
  EXPECT_GE(covered / R, 0.95);
}

TEST(AbtestDp, OneUnitFewerChangesTheReleaseByAtMostEToTheEpsilon) {
  testing::TempDir tmp;
  Table d = ReadCsvTable(WriteExperiment(tmp, 60, "d.csv"));
  Table d1 = ReadCsvTable(WriteExperiment(tmp, 59, "d1.csv"));  // the last unit (a treatment one) removed
  const double epsilon = 0.9, eq = epsilon / 3;
  // The released treatment count (rounded), over many draws under each data set.
  auto histogram = [&](const Table& t) {
    std::map<long, double> h;
    const int R = 100000;
    for (int r = 0; r < R; ++r) {
      Context ctx;
      ctx.seed = uint64_t(r) + 1;
      h[long(AnalyzeExperiment(t, Options(epsilon), ctx).variants[1].n)] += 1.0 / R;
    }
    return h;
  };
  auto a = histogram(d), b = histogram(d1);
  double worst = 0;
  int bins = 0;
  for (const auto& [x, p] : a) {
    auto it = b.find(x);
    if (it == b.end() || p < 0.02 || it->second < 0.02) continue;  // bins with enough draws to compare
    worst = std::max(worst, std::max(p / it->second, it->second / p));
    ++bins;
  }
  RecordProperty("worst_ratio", std::to_string(worst));
  RecordProperty("bins", bins);
  ASSERT_GE(bins, 8);
  EXPECT_LE(worst, std::exp(eq) * 1.1) << "largest ratio " << worst << " over " << bins << " bins";
  EXPECT_LE(worst, std::exp(epsilon));
}

}  // namespace
}  // namespace adpilot::abtest
