// Allocator optimality (equal marginal ROAS off the bounds), bounds, locks,
// budget accounting, and the exact campaign split.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "adpilot/allocator.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "schedule/exp_curves.h"
#include "schedule/mmm_density.h"
#include "schedule/simulate.h"

namespace adpilot::mmm {
namespace {

using testing::ExpCurves;

TEST(Allocator, EqualMarginalRoasAtTheOptimum) {
  const int C = 20;
  std::vector<double> a, b;
  for (int c = 0; c < C; ++c) {
    a.push_back(1000 + 137 * c);
    b.push_back(200 + 53 * (c % 7));
  }
  ExpCurves r(a, b);
  const double B = 6000;
  std::vector<double> lo(C, 0), hi(C, INFINITY), cur(C, B / C);
  Allocation al = OptimizeSplit(r, B, lo, hi, cur);
  double total = 0, ref = -1;
  for (int c = 0; c < C; ++c) {
    total += al.spend[c];
    if (al.at_bound[c]) continue;
    if (ref < 0) ref = al.marginal_roas[c];
    EXPECT_NEAR(al.marginal_roas[c], ref, 1e-4 * ref) << c;
  }
  EXPECT_NEAR(total, B, 1e-6 * B);
  // Closed form: s_c = b_c ln(a_c / (b_c lambda)) where positive; check KPI against it.
  double lo_l = 1e-9, hi_l = 100;
  for (int it = 0; it < 200; ++it) {
    double l = std::sqrt(lo_l * hi_l), s = 0;
    for (int c = 0; c < C; ++c) s += std::max(0.0, b[c] * std::log(a[c] / (b[c] * l)));
    (s > B ? lo_l : hi_l) = l;
  }
  double exact = 0;
  for (int c = 0; c < C; ++c) exact += r.Value(c, std::max(0.0, b[c] * std::log(a[c] / (b[c] * lo_l))), nullptr);
  EXPECT_NEAR(al.expected_kpi, exact, 1e-6 * exact);
  EXPECT_GE(al.expected_kpi, al.current_kpi);
}

TEST(Allocator, RespectsBoundsAndLocks) {
  ExpCurves r({5000, 1000, 1000}, {300, 300, 300});
  std::vector<double> lo{0, 400, 250}, hi{500, INFINITY, 250}, cur{300, 300, 250};
  Allocation al = OptimizeSplit(r, 1500, lo, hi, cur);
  EXPECT_NEAR(al.spend[0], 500, 1e-6);  // wants more, capped
  EXPECT_TRUE(al.at_bound[0]);
  EXPECT_NEAR(al.spend[2], 250, 1e-9);  // locked
  EXPECT_NEAR(al.spend[1], 750, 1e-6);
  EXPECT_GT(al.marginal_roas[0], al.marginal_roas[1]);      // a capped channel may earn more at the margin
  EXPECT_THROW(OptimizeSplit(r, 100, lo, hi, cur), Error);  // below the sum of lower bounds
}

TEST(Allocator, ParsesBounds) {
  auto b = ParseBounds("tv=100:2000,search=0.5x:1.5x,ooh=:300");
  EXPECT_DOUBLE_EQ(b["tv"].hi, 2000);
  EXPECT_TRUE(b["search"].relative);
  EXPECT_DOUBLE_EQ(b["search"].lo, 0.5);
  EXPECT_DOUBLE_EQ(b["ooh"].lo, 0);
  EXPECT_THROW(ParseBounds("tv=100"), Error);
  EXPECT_THROW(ParseBounds("tv=1x:300"), Error);
  EXPECT_THROW(ParseBounds("tv=-1:3"), Error);
  // A bare "x" is no number (strtod read it as 0, a silent zero bound).
  EXPECT_THROW(ParseBounds("tv=x:2x"), Error);
  EXPECT_THROW(ParseBounds("tv=0x10:300"), Error);  // nor hex
  EXPECT_EQ(ParseBounds(",tv=1:2,,").size(), 1u);   // empty items skipped
}

// A model with a few hand-made posterior draws that disagree about the curves.
MmmModel ThreeDrawModel() {
  MmmModel m;
  SimTruth truth;
  m.data = SimulateMmm(60, 3, 11, &truth);
  ResolveChannels("", m.data.channels, m.options);
  m.train_rows = 60;
  ComputeScales(m);
  MmmDensity dens(m);
  m.param_names = dens.ParamNames();
  std::mt19937_64 rng(9);
  m.draws.resize(3, dens.dim());
  for (int d = 0; d < 3; ++d) m.draws.row(d) = dens.InitialPoint(rng).transpose();
  return m;
}

TEST(Allocator, SteadyStateMaximisesPosteriorExpectedKpi) {
  MmmModel m = ThreeDrawModel();
  auto r = MakeMmmResponse(m, /*periods=*/0, 100);
  ASSERT_EQ(r->draws(), 3);
  // The objective is the KPI averaged over draws (the posterior expected KPI), each
  // draw's steady-state curve being beta * s(spend / x_scale) in data units: not
  // the curve at averaged parameters.
  for (int c = 0; c < 3; ++c)
    for (double s : {0.0, 0.5 * m.x_scale[c], 2.0 * m.x_scale[c]}) {
      double mean = 0, d_mean = 0;
      for (int d = 0; d < 3; ++d) {
        ChannelParams p = ChannelDraw(m, d, c);
        double v = m.y_scale * p.beta * Saturate(SaturationKind::kHill, s / m.x_scale[c], p.saturation);
        EXPECT_NEAR(r->DrawValue(d, c, s), v, 1e-9 * std::max(1.0, v));
        mean += v / 3;
      }
      double deriv = 0;
      EXPECT_NEAR(r->Value(c, s, &deriv), mean, 1e-9 * std::max(1.0, mean));
      if (s == 0) continue;  // a Hill curve with gamma < 1 is vertical at 0
      const double h = 1e-4 * m.x_scale[c];
      d_mean = (r->Value(c, s + h) - r->Value(c, s - h)) / (2 * h);
      EXPECT_NEAR(deriv, d_mean, 1e-4 * std::max(1e-6, std::fabs(d_mean)));
    }
  AllocateOptions o;
  o.steady_state = true;
  o.budget = 0;      // the current total
  o.guard = false;   // the unconstrained optimum (allocation_guard_test.cc covers the guard)
  o.shrink = false;  // ... itself, not shrunk towards the current split (allocation_shrink_test.cc)
  Context ctx;
  Allocation al = Allocate(m, o, ctx);
  EXPECT_EQ(al.periods, 0);
  double total = 0, cur_total = 0;
  for (int c = 0; c < 3; ++c) total += al.spend[c], cur_total += al.current[c];
  EXPECT_NEAR(total, cur_total, 1e-6 * cur_total);
  EXPECT_GE(al.expected_kpi, al.current_kpi);
  // Optimal: no small transfer between two channels raises the expected KPI.
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      if (a == b || al.spend[a] < 1e-3 * total) continue;
      const double d = 1e-3 * total;
      double moved = al.expected_kpi - r->Value(a, al.spend[a]) - r->Value(b, al.spend[b]) +
                     r->Value(a, al.spend[a] - d) + r->Value(b, al.spend[b] + d);
      EXPECT_LE(moved, al.expected_kpi * (1 + 1e-9)) << a << "->" << b;
    }
}

TEST(CampaignSplit, BidsProportionalToValueAndMeetsBudget) {
  std::vector<Campaign> ks{
      {"a", 1e5, 0.01, 0.1, 50, 1.0}, {"b", 5e4, 0.02, 0.05, 80, 2.0}, {"c", 2e5, 0.005, 0.2, 20, 0.5}};
  CampaignSplit s = SplitCampaigns(ks, 800);
  double total = 0;
  for (double v : s.spend) total += v;
  EXPECT_NEAR(total, 800, 1e-6);
  for (size_t i = 0; i < ks.size(); ++i) EXPECT_NEAR(s.bid[i] * s.lambda, ks[i].pctr * ks[i].pcvr * ks[i].value, 1e-9);
  // Moving a little budget between campaigns cannot raise the KPI (first-order optimality).
  auto kpi_at = [&](std::vector<double> bids) {
    double k = 0;
    for (size_t i = 0; i < ks.size(); ++i)
      k += ks[i].auctions * bids[i] / (ks[i].win_c + bids[i]) * ks[i].pctr * ks[i].pcvr * ks[i].value;
    return k;
  };
  EXPECT_NEAR(kpi_at(s.bid), s.total_kpi, 1e-9 * s.total_kpi);
}

}  // namespace
}  // namespace adpilot::mmm
