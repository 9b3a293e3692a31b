// Metrics against sklearn 1.2.1 (tests/metrics/reference/metrics_reference.py
// prints these constants; the inputs come from the same integer formulas).
#include <cmath>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/metrics.h"

namespace adpilot {
namespace {

constexpr double kAuc = 0.8349529304585485;
constexpr double kAucWeighted = 0.8305957534528963;
constexpr double kLogLoss = 0.5160228392693708;
constexpr double kLogLossWeighted = 0.522120537120241;
constexpr double kNe = 0.7510321126716126;
constexpr double kNeWeighted = 0.7587430424140467;
constexpr double kCalibration = 1.0773033718212266;
constexpr double kCalibrationWeighted = 1.0670476202453887;
constexpr double kRmse = 0.407646905188374;
constexpr double kRmseWeighted = 0.4098222602806119;
const std::vector<double> kBinLabel = {0.2222222222222222,
                                       0.23529411764705882,
                                       0.23076923076923078,
                                       0.1111111111111111,
                                       0.2,
                                       0.2222222222222222,
                                       0.46153846153846156,
                                       1.0,
                                       1.0,
                                       1.0};
const std::vector<double> kBinPred = {0.05999999865889549, 0.14117646743269527, 0.24153846101118967, 0.3400000035762787,
                                      0.4399999976158142,  0.5399999916553497,  0.6384615439635056,  0.7388235400704777,
                                      0.8399999944063333,  0.9200000166893005};

struct Data {
  std::vector<float> pred, label, weight;
};

Data Reference() {
  Data d;
  for (int64_t i = 0; i < 200; ++i) {
    d.pred.push_back(float(double(1 + (i * 7919) % 23) / 25.0));
    d.label.push_back(((i * 31 + 7) % 5 == 0 || (i * 7919) % 23 > 15) ? 1.f : 0.f);
    d.weight.push_back(float(1 + (i % 4) * 0.5));
  }
  return d;
}

constexpr double kTol = 1e-9;

TEST(Metrics, MatchSklearnUnweighted) {
  Data d = Reference();
  EXPECT_NEAR(Auc(d.pred, d.label), kAuc, kTol);
  EXPECT_NEAR(LogLoss(d.pred, d.label), kLogLoss, kTol);
  EXPECT_NEAR(NormalizedEntropy(d.pred, d.label), kNe, kTol);
  EXPECT_NEAR(CalibrationRatio(d.pred, d.label), kCalibration, kTol);
  EXPECT_NEAR(Rmse(d.pred, d.label), kRmse, kTol);
}

TEST(Metrics, MatchSklearnWeighted) {
  Data d = Reference();
  EXPECT_NEAR(Auc(d.pred, d.label, d.weight), kAucWeighted, kTol);
  EXPECT_NEAR(LogLoss(d.pred, d.label, d.weight), kLogLossWeighted, kTol);
  EXPECT_NEAR(NormalizedEntropy(d.pred, d.label, d.weight), kNeWeighted, kTol);
  EXPECT_NEAR(CalibrationRatio(d.pred, d.label, d.weight), kCalibrationWeighted, kTol);
  EXPECT_NEAR(Rmse(d.pred, d.label, d.weight), kRmseWeighted, kTol);
}

TEST(Metrics, ReliabilityBinsMatchCalibrationCurve) {
  Data d = Reference();
  auto bins = ReliabilityBins(d.pred, d.label, 10);
  ASSERT_EQ(bins.size(), kBinLabel.size());
  double total = 0;
  for (size_t i = 0; i < bins.size(); ++i) {
    EXPECT_NEAR(bins[i].mean_label, kBinLabel[i], kTol) << i;
    EXPECT_NEAR(bins[i].mean_pred, kBinPred[i], 1e-7) << i;  // sklearn averages in float32 precision
    EXPECT_LE(bins[i].lo, bins[i].mean_pred);
    EXPECT_GE(bins[i].hi, bins[i].mean_pred);
    total += bins[i].weight;
  }
  EXPECT_EQ(total, 200);
}

TEST(Metrics, AucTiesAndEdgeCases) {
  // All scores tied: 0.5 whatever the labels.
  EXPECT_DOUBLE_EQ(Auc({0.3f, 0.3f, 0.3f, 0.3f}, {0, 1, 0, 1}), 0.5);
  // Perfect and inverted rankings.
  EXPECT_DOUBLE_EQ(Auc({0.1f, 0.2f, 0.8f, 0.9f}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(Auc({0.9f, 0.8f, 0.2f, 0.1f}, {0, 0, 1, 1}), 0.0);
  // One tie across classes counts one half: pairs (p, n) = 4, wins = 3.5.
  EXPECT_DOUBLE_EQ(Auc({0.1f, 0.5f, 0.5f, 0.9f}, {0, 0, 1, 1}), 3.5 / 4);
  // A weight of 2 equals duplicating the row.
  EXPECT_DOUBLE_EQ(Auc({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1}, {1, 2, 1, 1}),
                   Auc({0.1f, 0.4f, 0.4f, 0.35f, 0.8f}, {0, 0, 0, 1, 1}));
  // One class only: undefined, reported as NaN (never a made-up number).
  EXPECT_TRUE(std::isnan(Auc({0.1f, 0.2f}, {1, 1})));
}

TEST(Metrics, BadInputsAreErrors) {
  EXPECT_THROW(Auc({0.1f, NAN}, {0, 1}), Error);
  EXPECT_THROW(LogLoss({0.1f}, {0, 1}), Error);
  EXPECT_THROW(Rmse({0.1f, 0.2f}, {0, 1}, {1}), Error);
  EXPECT_THROW(ReliabilityBins({0.1f}, {0}, 0), Error);
  // Extreme predictions are clipped, so logloss stays finite.
  EXPECT_TRUE(std::isfinite(LogLoss({0.f, 1.f}, {1, 0})));
}

TEST(Metrics, RegistryCreatesByName) {
  Data d = Reference();
  auto auc = MetricRegistry::Get().Create("metric", "auc");
  EXPECT_TRUE(auc->higher_is_better());
  EXPECT_NEAR(auc->Eval(d.pred, d.label, {}), kAuc, kTol);
  EXPECT_FALSE(MetricRegistry::Get().Create("metric", "logloss")->higher_is_better());
  try {
    MetricRegistry::Get().Create("metric", "accuracy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("auc"), std::string::npos);
  }
}

}  // namespace
}  // namespace adpilot

namespace adpilot {
namespace {

// The ROC curve's trapezoid area equals the tie-aware AUC, and the curve runs
// from (0,0) to (1,1) without going back.
TEST(RocCurve, AreaMatchesAucAndIsMonotone) {
  std::vector<float> p = {0.9f, 0.8f, 0.8f, 0.6f, 0.55f, 0.4f, 0.3f, 0.3f, 0.2f, 0.1f};
  std::vector<float> y = {1, 1, 0, 1, 0, 1, 0, 0, 1, 0};
  auto roc = RocCurve(p, y, 1000);
  ASSERT_GE(roc.size(), 3u);
  EXPECT_DOUBLE_EQ(roc.front().fpr, 0);
  EXPECT_DOUBLE_EQ(roc.back().tpr, 1);
  EXPECT_DOUBLE_EQ(roc.back().fpr, 1);
  double area = 0;
  for (size_t i = 1; i < roc.size(); ++i) {
    EXPECT_GE(roc[i].fpr, roc[i - 1].fpr);
    EXPECT_GE(roc[i].tpr, roc[i - 1].tpr);
    area += (roc[i].fpr - roc[i - 1].fpr) * (roc[i].tpr + roc[i - 1].tpr) / 2;
  }
  EXPECT_NEAR(area, Auc(p, y), 1e-12);
  EXPECT_TRUE(RocCurve(p, std::vector<float>(p.size(), 0.f)).empty());
  EXPECT_EQ(RocCurve(p, y, 4).size(), 4u);
}

}  // namespace
}  // namespace adpilot
