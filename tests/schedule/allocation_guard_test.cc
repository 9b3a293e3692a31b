// The allocator's extrapolation guard (spend kept inside the adstocked spend
// range the data observed, unless --bounds or --lock say otherwise; reported),
// optimality with finite bounds (equal marginal ROAS off the bounds, the KKT
// signs at them), and the risk-aware objective.
#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/adstock.h"
#include "adpilot/allocator.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "schedule/diagnostics.h"
#include "schedule/exp_curves.h"
#include "schedule/mmm_density.h"
#include "schedule/simulate.h"

namespace adpilot::mmm {
namespace {

// Posterior-like draws that disagree about the curves (random points of the prior's bulk).
MmmModel DrawsModel(int channels, int draws, uint64_t seed) {
  MmmModel m;
  SimTruth truth;
  m.data = SimulateMmm(80, channels, seed, &truth);
  ResolveChannels("", m.data.channels, m.options);
  m.train_rows = 80;
  ComputeScales(m);
  MmmDensity dens(m);
  m.param_names = dens.ParamNames();
  std::mt19937_64 rng(seed);
  m.draws.resize(draws, dens.dim());
  for (int d = 0; d < draws; ++d) m.draws.row(d) = dens.InitialPoint(rng).transpose();
  return m;
}

TEST(AllocationGuard, ObservedRangeIsTheAdstockQuantilesOverDraws) {
  MmmModel m = DrawsModel(3, 4, 5);
  std::vector<double> lo, hi;
  ObservedSpendRange(m, 0.1, 100, lo, hi);
  const int T = m.train_rows;
  for (int c = 0; c < 3; ++c) {
    const int first = m.options.channel_specs[c].max_lag - 1;  // windows reaching before the data are left out
    std::vector<double> pooled, a(T);
    for (int d = 0; d < 4; ++d) {
      std::vector<double> w = DrawAdstockWeights(m, d, c);
      Convolve(m.data.spend.col(c).data(), T, w, a.data());
      pooled.insert(pooled.end(), a.begin() + first, a.end());
    }
    EXPECT_NEAR(lo[c], Quantile(pooled, 0.1), 1e-9 * hi[c]) << c;
    EXPECT_NEAR(hi[c], Quantile(pooled, 0.9), 1e-9 * hi[c]) << c;
    EXPECT_LT(lo[c], m.x_scale[c]);  // the mean spend lies inside its own observed range
    EXPECT_GT(hi[c], m.x_scale[c]);
  }
  EXPECT_THROW(ObservedSpendRange(m, 0.5, 100, lo, hi), Error);
}

TEST(AllocationGuard, KeepsSpendInsideTheObservedRangeAndReportsIt) {
  MmmModel m = DrawsModel(3, 4, 5);
  Context ctx;
  AllocateOptions o;
  o.steady_state = true;
  o.guard = false;
  Allocation free = Allocate(m, o, ctx);
  std::vector<double> lo, hi;
  ObservedSpendRange(m, 0.1, o.max_draws, lo, hi);
  int outside = 0;
  for (int c = 0; c < 3; ++c) outside += free.spend[c] < lo[c] || free.spend[c] > hi[c];
  ASSERT_GT(outside, 0) << "these curves should pull the unguarded split outside the data's range";
  EXPECT_LT(free.guard_quantile, 0);

  o.guard = true;
  Allocation g = Allocate(m, o, ctx);
  double total = 0;
  int binding = 0;
  for (int c = 0; c < 3; ++c) {
    total += g.spend[c];
    EXPECT_EQ(g.bound_source[c], "guard");
    EXPECT_GE(g.spend[c], lo[c] * (1 - 1e-9)) << c;
    EXPECT_LE(g.spend[c], hi[c] * (1 + 1e-9)) << c;
    binding += g.at_bound[c];
  }
  EXPECT_NEAR(total, free.budget, 1e-6 * free.budget);
  EXPECT_GT(binding, 0);
  EXPECT_LE(g.expected_kpi, free.expected_kpi * (1 + 1e-9));  // a smaller feasible set
  nlohmann::json j = g;
  EXPECT_TRUE(j["guard"]["enabled"].get<bool>());
  EXPECT_DOUBLE_EQ(j["guard"]["widened_hi"].get<double>(), 1.0);
  ASSERT_EQ(int(j["bounds_active"].size()), binding);
  for (const auto& b : j["bounds_active"]) EXPECT_EQ(b["source"], "guard");
  EXPECT_EQ(j["channels"][0]["observed_range"].size(), 2u);
  EXPECT_TRUE(j.contains("allocation") && j.contains("expected_kpi") && j.contains("current_kpi"));
}

TEST(AllocationGuard, BoundsAndLocksOverrideTheGuard) {
  MmmModel m = DrawsModel(3, 4, 5);
  Context ctx;
  AllocateOptions o;
  o.steady_state = true;
  o.bounds["ch0"] = Bound{0, INFINITY, false};
  o.locked = {"ch2"};
  Allocation a = Allocate(m, o, ctx);
  EXPECT_EQ(a.bound_source[0], "bounds");
  EXPECT_EQ(a.bound_source[1], "guard");
  EXPECT_EQ(a.bound_source[2], "lock");
  EXPECT_EQ(a.lo[0], 0);
  EXPECT_TRUE(std::isinf(a.hi[0]));
  EXPECT_NEAR(a.spend[2], a.current[2], 1e-9 * a.budget);
  EXPECT_GE(a.spend[1], a.observed_lo[1] * (1 - 1e-9));
  EXPECT_LE(a.spend[1], a.observed_hi[1] * (1 + 1e-9));
}

TEST(AllocationGuard, WidensItsEndsForABudgetBeyondTheData) {
  MmmModel m = DrawsModel(3, 4, 5);
  Context ctx;
  AllocateOptions o;
  o.steady_state = true;
  std::vector<double> lo, hi;
  ObservedSpendRange(m, 0.1, o.max_draws, lo, hi);
  double sum_hi = hi[0] + hi[1] + hi[2], sum_lo = lo[0] + lo[1] + lo[2];
  o.budget = 3 * sum_hi;
  Allocation big = Allocate(m, o, ctx);
  EXPECT_NEAR(big.guard_widen_hi, 3.0, 1e-9);
  EXPECT_EQ(big.guard_widen_lo, 1.0);
  double total = 0;
  for (int c = 0; c < 3; ++c) {
    total += big.spend[c];
    EXPECT_LE(big.spend[c], 3 * hi[c] * (1 + 1e-9));
  }
  EXPECT_NEAR(total, o.budget, 1e-6 * o.budget);
  o.budget = 0.5 * sum_lo;
  Allocation small = Allocate(m, o, ctx);
  EXPECT_NEAR(small.guard_widen_lo, 0.5, 1e-9);
  EXPECT_GE(small.spend[0], 0.5 * lo[0] * (1 - 1e-9));
}

using testing::ExpCurves;

TEST(AllocationGuard, KktHoldsWithFiniteBoundsOn20Channels) {
  const int C = 20;
  std::vector<double> a, b, lo, hi, cur;
  for (int c = 0; c < C; ++c) {
    a.push_back(1000 + 211 * c);
    b.push_back(150 + 61 * (c % 5));
    cur.push_back(300);
    lo.push_back(0.7 * 300);  // guard-like ranges around the current spend
    hi.push_back(1.3 * 300);
  }
  ExpCurves r(a, b);
  Allocation al = OptimizeSplit(r, 300.0 * C, lo, hi, cur);
  double lambda = -1, total = 0;
  int free = 0, at_lo = 0, at_hi = 0;
  for (int c = 0; c < C; ++c) {
    total += al.spend[c];
    if (al.at_bound[c]) continue;
    ++free;
    if (lambda < 0) lambda = al.marginal_roas[c];
    EXPECT_NEAR(al.marginal_roas[c], lambda, 1e-4 * lambda) << c;
  }
  ASSERT_GE(free, 2);
  for (int c = 0; c < C; ++c) {
    if (!al.at_bound[c]) continue;
    // KKT: a channel held at its upper end would earn more at the margin, one at its lower end less.
    if (al.spend[c] >= hi[c] - 1e-6) {
      ++at_hi;
      EXPECT_GE(al.marginal_roas[c], lambda * (1 - 1e-4)) << c;
    } else {
      ++at_lo;
      EXPECT_LE(al.marginal_roas[c], lambda * (1 + 1e-4)) << c;
    }
  }
  EXPECT_GT(at_lo + at_hi, 0);
  EXPECT_NEAR(total, 300.0 * C, 1e-6 * 300 * C);
  EXPECT_GE(al.expected_kpi, al.current_kpi);
}

TEST(AllocationRisk, MaximisesMeanMinusSdOfTheUpliftAndStaysCloser) {
  MmmModel m = DrawsModel(3, 6, 5);
  Context ctx;
  AllocateOptions o;
  o.steady_state = true;
  o.guard = false;
  Allocation plain = Allocate(m, o, ctx);
  o.risk_aversion = 1.0;
  Allocation risk = Allocate(m, o, ctx);
  auto r = MakeMmmResponse(m, 0, o.max_draws);
  auto uplift_stats = [&](const std::vector<double>& s, double& mean, double& sd) {
    std::vector<double> u;
    for (int d = 0; d < r->draws(); ++d) {
      double v = 0;
      for (int c = 0; c < 3; ++c) v += r->DrawValue(d, c, s[c]) - r->DrawValue(d, c, risk.current[c]);
      u.push_back(v);
    }
    mean = 0;
    for (double v : u) mean += v / double(u.size());
    sd = 0;
    for (double v : u) sd += (v - mean) * (v - mean) / double(u.size());
    sd = std::sqrt(sd);
  };
  double m_plain, sd_plain, m_risk, sd_risk;
  uplift_stats(plain.spend, m_plain, sd_plain);
  uplift_stats(risk.spend, m_risk, sd_risk);
  // Each answer is the better one under its own objective.
  EXPECT_GE(plain.expected_kpi, risk.expected_kpi * (1 - 1e-9));
  EXPECT_GE(m_risk - sd_risk, m_plain - sd_plain - 1e-6 * std::fabs(m_plain));
  EXPECT_GE(m_risk - sd_risk, -1e-9 * plain.expected_kpi);  // never worse than staying put (0)
  EXPECT_LE(sd_risk, sd_plain * (1 + 1e-9));
  // The draw derivative the objective uses matches finite differences.
  for (int c = 0; c < 3; ++c) {
    double s = m.x_scale[c], h = 1e-4 * s, dv = 0;
    r->DrawValue(1, c, s, &dv);
    EXPECT_NEAR(dv, (r->DrawValue(1, c, s + h) - r->DrawValue(1, c, s - h)) / (2 * h), 1e-4 * std::fabs(dv) + 1e-12);
  }
  // KKT on the risk-adjusted marginal: equal across channels off their bounds.
  ASSERT_EQ(risk.risk_marginal.size(), 3u);
  double ref = NAN;
  for (int c = 0; c < 3; ++c) {
    if (risk.at_bound[c]) continue;
    if (std::isnan(ref)) ref = risk.risk_marginal[c];
    else EXPECT_NEAR(risk.risk_marginal[c], ref, 1e-3 * std::fabs(ref) + 1e-9) << c;
  }
  nlohmann::json j = risk;
  EXPECT_DOUBLE_EQ(j["risk_aversion"].get<double>(), 1.0);
  EXPECT_TRUE(j["channels"][0].contains("risk_adjusted_marginal"));
}

}  // namespace
}  // namespace adpilot::mmm
