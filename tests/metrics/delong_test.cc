// DeLong's paired AUC comparison against the definition: placements counted
// pair by pair, in O(n^2).
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/metrics.h"

namespace adpilot {
namespace {

struct Brute {
  std::vector<double> v10a, v01a, v10b, v01b;
};

// The placement of a row: the share of the other class it outranks (ties 1/2).
Brute Placements(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& y) {
  Brute r;
  auto place = [&](const std::vector<float>& s, size_t i) {
    double n = 0, wins = 0;
    for (size_t j = 0; j < s.size(); ++j) {
      if ((y[j] > 0.5f) == (y[i] > 0.5f)) continue;
      ++n;
      const double d = y[i] > 0.5f ? s[i] - s[j] : s[j] - s[i];
      wins += d > 0 ? 1.0 : d == 0 ? 0.5 : 0.0;
    }
    return wins / n;
  };
  for (size_t i = 0; i < y.size(); ++i) {
    (y[i] > 0.5f ? r.v10a : r.v01a).push_back(place(a, i));
    (y[i] > 0.5f ? r.v10b : r.v01b).push_back(place(b, i));
  }
  return r;
}

double Cov(const std::vector<double>& x, const std::vector<double>& z) {
  double mx = 0, mz = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i], mz += z[i];
  mx /= double(x.size()), mz /= double(z.size());
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += (x[i] - mx) * (z[i] - mz);
  return s / double(x.size() - 1);
}

TEST(DeLong, MatchesThePairwiseDefinitionWithTies) {
  std::mt19937 rng(5);
  std::normal_distribution<float> noise(0, 1);
  std::vector<float> a, b, y;
  for (int i = 0; i < 400; ++i) {
    float label = (rng() % 4 == 0) ? 1.f : 0.f;
    y.push_back(label);
    // Rounded scores: many ties, which the placements must count as 1/2.
    a.push_back(std::round(4 * (label + noise(rng))) / 4);
    b.push_back(std::round(4 * (0.5f * label + noise(rng) + 0.3f * a.back())) / 4);
  }
  AucComparison c = DeLongAuc(a, b, y);
  Brute p = Placements(a, b, y);
  const double m = double(p.v10a.size()), n = double(p.v01a.size());
  EXPECT_NEAR(c.auc_a, Auc(a, y), 1e-12);
  EXPECT_NEAR(c.auc_b, Auc(b, y), 1e-12);
  EXPECT_NEAR(c.var_a, Cov(p.v10a, p.v10a) / m + Cov(p.v01a, p.v01a) / n, 1e-12);
  EXPECT_NEAR(c.var_b, Cov(p.v10b, p.v10b) / m + Cov(p.v01b, p.v01b) / n, 1e-12);
  EXPECT_NEAR(c.cov, Cov(p.v10a, p.v10b) / m + Cov(p.v01a, p.v01b) / n, 1e-12);
  // Correlated scorings: pairing narrows the interval of the difference.
  EXPECT_GT(c.cov, 0);
  EXPECT_LT(c.diff_se(), std::sqrt(c.var_a + c.var_b));
}

TEST(DeLong, OneScoringAgainstItselfHasNoDifference) {
  std::vector<float> s = {0.1f, 0.4f, 0.35f, 0.8f, 0.7f, 0.2f}, y = {0, 0, 1, 1, 1, 0};
  AucComparison c = DeLongAuc(s, s, y);
  EXPECT_DOUBLE_EQ(c.diff(), 0);
  EXPECT_NEAR(c.diff_se(), 0, 1e-12);
  EXPECT_GT(c.var_a, 0);
}

TEST(DeLong, RefusesWhatItCannotEstimate) {
  std::vector<float> s = {0.1f, 0.4f, 0.3f}, y = {0, 0, 1};
  EXPECT_THROW(DeLongAuc(s, s, y), Error);  // one positive: no variance
  std::vector<float> nan = {0.1f, std::nanf(""), 0.3f, 0.5f}, y4 = {0, 1, 0, 1};
  EXPECT_THROW(DeLongAuc(nan, nan, y4), Error);
  EXPECT_THROW(DeLongAuc(s, {0.1f}, y), Error);
}

}  // namespace
}  // namespace adpilot
