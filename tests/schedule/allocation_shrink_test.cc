// The default posterior shrinkage of an allocation: from the current split towards
// the expected-KPI optimum, only as far as maximises a lower posterior quantile of
// the uplift, so a split the draws disagree about is not recommended.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/allocator.h"
#include "schedule/diagnostics.h"

namespace adpilot::mmm {
namespace {

// Channel c under draw d: a_dc * (1 - exp(-s / b_c)); the expectation is over the draws.
class DrawCurves : public ResponseModel {
 public:
  DrawCurves(std::vector<std::vector<double>> a, std::vector<double> b) : a_(std::move(a)), b_(std::move(b)) {}
  int channels() const override { return int(b_.size()); }
  std::string name(int c) const override { return "c" + std::to_string(c); }
  int draws() const override { return int(a_.size()); }
  double DrawValue(int d, int c, double s, double* deriv) const override {
    if (deriv) *deriv = a_[d][c] / b_[c] * std::exp(-s / b_[c]);
    return a_[d][c] * (1 - std::exp(-s / b_[c]));
  }
  double Value(int c, double s, double* deriv) const override {
    double v = 0, g = 0;
    for (int d = 0; d < draws(); ++d) {
      double gd = 0;
      v += DrawValue(d, c, s, &gd);
      g += gd;
    }
    if (deriv) *deriv = g / draws();
    return v / draws();
  }

 private:
  std::vector<std::vector<double>> a_;
  std::vector<double> b_;
};

double LowerQuantile(const ResponseModel& r, const std::vector<double>& s, const std::vector<double>& cur, double q) {
  std::vector<double> u;
  for (int d = 0; d < r.draws(); ++d) {
    double v = 0;
    for (int c = 0; c < r.channels(); ++c) v += r.DrawValue(d, c, s[c]) - r.DrawValue(d, c, cur[c]);
    u.push_back(v);
  }
  return Quantile(u, q);
}

const std::vector<double> kLo(3, 0.0), kHi(3, 1000.0), kCurrent{600, 200, 200};

TEST(AllocationShrink, TakesTheWholeStepWhenEveryDrawAgrees) {
  DrawCurves r(std::vector<std::vector<double>>(20, {100, 300, 200}), {100, 100, 100});
  Allocation opt = OptimizeSplit(r, 1000, kLo, kHi, kCurrent);
  Allocation a = opt;
  double t = ShrinkTowardsCurrent(r, a, 0.05);
  EXPECT_GT(t, 0.99);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(a.spend[c], opt.spend[c], 0.01 * 1000) << c;
  EXPECT_GT(a.uplift_low, 0);
  EXPECT_NEAR(a.unshrunk_uplift, opt.uplift, 1e-9 * std::fabs(opt.uplift));
}

TEST(AllocationShrink, KeepsTheCurrentSplitWhenTheDrawsDisagree) {
  // Half the draws say channel 1 earns most, half say channel 2; the mean leans to 1.
  std::vector<std::vector<double>> a;
  for (int d = 0; d < 40; ++d) a.push_back(d % 2 ? std::vector<double>{1, 500, 50} : std::vector<double>{1, 60, 400});
  DrawCurves r(a, {100, 100, 100});
  const std::vector<double> cur{0, 500, 500};
  Allocation opt = OptimizeSplit(r, 1000, kLo, kHi, cur);
  ASSERT_GT(opt.uplift, 0);
  ASSERT_LT(opt.uplift_low, 0) << "the optimum should be doubtful under half the draws";
  Allocation s = opt;
  double t = ShrinkTowardsCurrent(r, s, 0.05);
  EXPECT_GE(t, 0);
  EXPECT_LT(t, 1);
  EXPECT_GE(s.uplift_low, -1e-9);  // never below staying put
  EXPECT_GT(LowerQuantile(r, s.spend, cur, 0.05), opt.uplift_low);
  nlohmann::json j = s;
  EXPECT_TRUE(j["shrink"]["enabled"].get<bool>());
  EXPECT_DOUBLE_EQ(j["shrink"]["t"].get<double>(), t);
  EXPECT_NE(j["shrink"]["rule"].get<std::string>().find("5% posterior quantile"), std::string::npos);
  Allocation back = AllocationFromJson(j, "test");
  EXPECT_DOUBLE_EQ(back.shrink, t);
  ASSERT_EQ(back.unshrunk_spend.size(), 3u);
  EXPECT_DOUBLE_EQ(back.unshrunk_spend[1], opt.spend[1]);
}

TEST(AllocationShrink, MaximisesTheLowerQuantileAlongTheSegmentInsideTheBounds) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> noise(0, 0.4);
  std::vector<std::vector<double>> a;
  for (int d = 0; d < 200; ++d) a.push_back({100 * noise(rng), 250 * noise(rng), 180 * noise(rng)});
  DrawCurves r(a, {150, 80, 120});
  const std::vector<double> lo{300, 100, 50}, hi{800, 500, 400};
  Allocation opt = OptimizeSplit(r, 1000, lo, hi, kCurrent);
  Allocation s = opt;
  double t = ShrinkTowardsCurrent(r, s, 0.1);
  const double best = LowerQuantile(r, s.spend, kCurrent, 0.1);
  double total = 0;
  for (int c = 0; c < 3; ++c) {
    total += s.spend[c];
    EXPECT_GE(s.spend[c], lo[c] - 1e-9) << c;
    EXPECT_LE(s.spend[c], hi[c] + 1e-9) << c;
  }
  EXPECT_NEAR(total, 1000, 1e-9 * 1000);
  for (int i = 0; i <= 200; ++i) {
    double u = i / 200.0;
    std::vector<double> x(3);
    for (int c = 0; c < 3; ++c) x[c] = kCurrent[c] + u * (opt.spend[c] - kCurrent[c]);
    EXPECT_GE(best, LowerQuantile(r, x, kCurrent, 0.1) - 1e-9 * std::fabs(best)) << "t=" << u << " vs " << t;
  }
  EXPECT_GE(best, 0);
}

}  // namespace
}  // namespace adpilot::mmm
