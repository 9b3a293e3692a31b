// The MMM log density's analytic gradient against central finite differences,
// for every adstock x saturation pair, with controls and a lift test.
#include <random>

#include <gtest/gtest.h>

#include "adpilot/mmm.h"
#include "schedule/mmm_density.h"
#include "schedule/simulate.h"

namespace adpilot::mmm {
namespace {

MmmModel SmallModel(const std::string& adstock, const std::string& sat, const std::string& roas_prior = "pooled") {
  MmmModel m;
  m.options.roas_prior = roas_prior;
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
    for (const char* sat : {"hill", "logistic"})
      for (const char* prior : {"pooled", "half_normal"}) {
        MmmModel m = SmallModel(ad, sat, prior);
        MmmDensity dens(m);
        std::mt19937_64 rng(3);
        for (int rep = 0; rep < 3; ++rep) {
          Eigen::VectorXd q = dens.InitialPoint(rng), g;
          double lp = dens.LogDensity(q, &g);
          ASSERT_TRUE(std::isfinite(lp)) << ad << "/" << sat << "/" << prior;
          for (int i = 0; i < dens.dim(); ++i) {
            Eigen::VectorXd qp = q, qm = q;
            const double h = 1e-5;
            qp[i] += h;
            qm[i] -= h;
            double fd = (dens.LogDensity(qp, nullptr) - dens.LogDensity(qm, nullptr)) / (2 * h);
            EXPECT_NEAR(g[i], fd, 1e-4 * std::max(1.0, std::fabs(fd)))
                << ad << "/" << sat << "/" << prior << " param " << dens.ParamNames()[i];
          }
        }
      }
}

TEST(MmmDensity, ReferenceSpendIsTheMeanWhileOn) {
  MmmModel m = SmallModel("geometric", "hill");
  // The simulated channels are flighted: the reference is the mean over the
  // training weeks with spend, in units of the mean over all training weeks.
  for (int c = 0; c < 3; ++c) {
    double all = 0, on = 0;
    int n_on = 0;
    for (int t = 0; t < m.train_rows; ++t) {
      all += m.data.spend(t, c);
      if (m.data.spend(t, c) > 0) on += m.data.spend(t, c), ++n_on;
    }
    ASSERT_LT(n_on, m.train_rows);
    EXPECT_NEAR(m.ref_spend[c], (on / n_on) / (all / m.train_rows), 1e-9);
    EXPECT_GT(m.ref_spend[c], 1.0);
  }
  // beta_eff is the effect at the reference spend: beta * s(r) == exp(LogEffect).
  MmmDensity dens(m);
  std::mt19937_64 rng(5);
  Eigen::VectorXd q = dens.InitialPoint(rng);
  ChannelParams p = dens.Natural(q, 0);
  EXPECT_NEAR(p.beta * Saturate(SaturationKind::kHill, m.ref_spend[0], p.saturation), std::exp(dens.LogEffect(q, 0)),
              1e-12);
  // Pooled prior: log effect = mu + tau * eta + log(r * x_scale / y_scale), so the ROAS at the
  // reference spend of a channel with eta = 0 is the common level exp(mu).
  auto names = dens.ParamNames();
  int mu = int(std::find(names.begin(), names.end(), "roas_level") - names.begin());
  ASSERT_LT(mu, dens.dim());
  q[dens.channel_offset(1)] = 0;
  EXPECT_NEAR(std::exp(dens.LogEffect(q, 1)) * m.y_scale / (m.ref_spend[1] * m.x_scale[1]), std::exp(q[mu]), 1e-9);
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
