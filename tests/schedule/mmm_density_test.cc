// The MMM log density's analytic gradient against central finite differences,
// for every adstock x saturation pair, with controls and a lift test.
#include <random>

#include <gtest/gtest.h>

#include "adpilot/mmm.h"
#include "schedule/mmm_density.h"
#include "schedule/simulate.h"

namespace adpilot::mmm {
namespace {

MmmModel SmallModel(const std::string& adstock, const std::string& sat) {
  MmmModel m;
  SimTruth truth;
  m.data = SimulateMmm(60, 3, 7, &truth);
  m.data.controls = {"promo"};
  m.data.control.resize(60, 1);
  for (int t = 0; t < 60; ++t) m.data.control(t, 0) = (t % 5 == 0) ? 1.0 : 0.0;
  m.data.kpi[3] = std::nan("");  // a masked row
  m.options.adstock = adstock;
  m.options.saturation = sat;
  m.options.max_lag = 6;
  ResolveChannels("", m.data.channels, m.options);
  m.options.channel_specs[1].adstock = "geometric";  // mix shapes inside one model
  m.train_rows = 52;
  m.lifts.push_back(LiftTest{2, 10, 14, 900.0, 120.0});
  ComputeScales(m);
  return m;
}

TEST(MmmDensity, GradientMatchesFiniteDifferences) {
  for (const char* ad : {"geometric", "weibull_cdf", "weibull_pdf"})
    for (const char* sat : {"hill", "logistic"}) {
      MmmModel m = SmallModel(ad, sat);
      MmmDensity dens(m);
      std::mt19937_64 rng(3);
      for (int rep = 0; rep < 3; ++rep) {
        Eigen::VectorXd q = dens.InitialPoint(rng), g;
        double lp = dens.LogDensity(q, &g);
        ASSERT_TRUE(std::isfinite(lp)) << ad << "/" << sat;
        for (int i = 0; i < dens.dim(); ++i) {
          Eigen::VectorXd qp = q, qm = q;
          const double h = 1e-5;
          qp[i] += h;
          qm[i] -= h;
          double fd = (dens.LogDensity(qp, nullptr) - dens.LogDensity(qm, nullptr)) / (2 * h);
          EXPECT_NEAR(g[i], fd, 1e-4 * std::max(1.0, std::fabs(fd)))
              << ad << "/" << sat << " param " << dens.ParamNames()[i];
        }
      }
    }
}

TEST(MmmDensity, ParamNamesMatchLayout) {
  MmmModel m = SmallModel("weibull_pdf", "hill");
  MmmDensity dens(m);
  auto names = dens.ParamNames();
  ASSERT_EQ(int(names.size()), dens.dim());
  EXPECT_EQ(names.front(), "intercept");
  EXPECT_EQ(names.back(), "sigma");
  EXPECT_EQ(names[dens.channel_offset(1)], "beta_ch1");
  EXPECT_EQ(names[dens.channel_offset(1) + 1], "alpha_ch1");
  EXPECT_EQ(names[dens.channel_offset(0) + 1], "shape_ch0");
}

}  // namespace
}  // namespace adpilot::mmm
