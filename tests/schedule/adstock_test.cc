// Adstock and saturation against hand-computed values, and their derivatives
// against central finite differences.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "adpilot/adstock.h"
#include "adpilot/error.h"

namespace adpilot::mmm {
namespace {

TEST(Adstock, GeometricHandComputed) {
  double alpha = 0.5;
  std::vector<double> w;
  AdstockWeights(AdstockKind::kGeometric, &alpha, 3, false, w);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0], 1.0);
  EXPECT_DOUBLE_EQ(w[1], 0.5);
  EXPECT_DOUBLE_EQ(w[2], 0.25);
  // x = (10, 0, 0, 4): a = (10, 5, 2.5, 4 + 0 + 0.25 * 0) with L = 3.
  std::vector<double> x{10, 0, 0, 4}, a(4);
  Convolve(x.data(), 4, w, a.data());
  EXPECT_DOUBLE_EQ(a[0], 10);
  EXPECT_DOUBLE_EQ(a[1], 5);
  EXPECT_DOUBLE_EQ(a[2], 2.5);
  EXPECT_DOUBLE_EQ(a[3], 4);
  AdstockWeights(AdstockKind::kGeometric, &alpha, 3, true, w);
  EXPECT_NEAR(w[0], 1 / 1.75, 1e-15);
  EXPECT_NEAR(w[2], 0.25 / 1.75, 1e-15);
}

TEST(Adstock, WeibullHandComputed) {
  double p[2] = {2.0, 2.0};  // shape 2, scale 2
  std::vector<double> w;
  AdstockWeights(AdstockKind::kWeibullCdf, p, 3, false, w);
  EXPECT_DOUBLE_EQ(w[0], 1.0);
  EXPECT_NEAR(w[1], std::exp(-0.25), 1e-15);
  EXPECT_NEAR(w[2], std::exp(-1.0), 1e-15);
  AdstockWeights(AdstockKind::kWeibullPdf, p, 2, false, w);
  // pdf(x) = (k/l) (x/l)^(k-1) exp(-(x/l)^k) at x = 1, 2.
  EXPECT_NEAR(w[0], 1.0 * 0.5 * std::exp(-0.25), 1e-15);
  EXPECT_NEAR(w[1], 1.0 * 1.0 * std::exp(-1.0), 1e-15);
}

TEST(Saturation, HandComputed) {
  double hill[2] = {2.0, 2.0};
  EXPECT_NEAR(Saturate(SaturationKind::kHill, 2.0, hill), 0.5, 1e-15);
  EXPECT_NEAR(Saturate(SaturationKind::kHill, 4.0, hill), 16.0 / 20.0, 1e-15);
  EXPECT_EQ(Saturate(SaturationKind::kHill, 0.0, hill), 0.0);
  double lam = 1.0;
  EXPECT_NEAR(Saturate(SaturationKind::kLogistic, 1.0, &lam), (1 - std::exp(-1.0)) / (1 + std::exp(-1.0)), 1e-15);
}

TEST(Adstock, WeightDerivativesMatchFiniteDifferences) {
  struct Case {
    AdstockKind kind;
    std::vector<double> p;
  };
  for (const Case& cs : {Case{AdstockKind::kGeometric, {0.6}}, Case{AdstockKind::kWeibullCdf, {1.7, 2.5}},
                         Case{AdstockKind::kWeibullPdf, {2.2, 3.1}}}) {
    for (bool norm : {false, true}) {
      std::vector<double> w, dw, wp, wm;
      AdstockWeights(cs.kind, cs.p.data(), 6, norm, w, &dw);
      for (size_t j = 0; j < cs.p.size(); ++j) {
        auto pp = cs.p, pm = cs.p;
        double h = 1e-6;
        pp[j] += h;
        pm[j] -= h;
        AdstockWeights(cs.kind, pp.data(), 6, norm, wp);
        AdstockWeights(cs.kind, pm.data(), 6, norm, wm);
        for (int l = 0; l < 6; ++l)
          EXPECT_NEAR(dw[j * 6 + l], (wp[l] - wm[l]) / (2 * h), 1e-6)
              << AdstockName(cs.kind) << " norm " << norm << " param " << j << " lag " << l;
      }
    }
  }
}

TEST(Saturation, DerivativesMatchFiniteDifferences) {
  for (auto kind : {SaturationKind::kHill, SaturationKind::kLogistic}) {
    std::vector<double> p = kind == SaturationKind::kHill ? std::vector<double>{1.3, 1.8} : std::vector<double>{0.9};
    for (double a : {0.2, 1.0, 3.5}) {
      double dsda, dp[2];
      Saturate(kind, a, p.data(), &dsda, dp);
      double h = 1e-6;
      EXPECT_NEAR(dsda, (Saturate(kind, a + h, p.data()) - Saturate(kind, a - h, p.data())) / (2 * h), 1e-7);
      for (size_t j = 0; j < p.size(); ++j) {
        auto pp = p, pm = p;
        pp[j] += h;
        pm[j] -= h;
        EXPECT_NEAR(dp[j], (Saturate(kind, a, pp.data()) - Saturate(kind, a, pm.data())) / (2 * h), 1e-7);
      }
    }
  }
}

TEST(Adstock, UnknownNamesListValidOnes) {
  try {
    ParseAdstock("exponential");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weibull_pdf"), std::string::npos);
  }
  EXPECT_THROW(ParseSaturation("tanh"), Error);
}

}  // namespace
}  // namespace adpilot::mmm
