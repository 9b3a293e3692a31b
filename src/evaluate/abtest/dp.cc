// The A/B readout under differential privacy: only noisy per-variant counts,
// sums and sums of squares of the clipped metric leave this file, and every
// interval carries the noise's variance as well as the sampling variance.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "adpilot/context.h"
#include "adpilot/dp.h"
#include "adpilot/error.h"
#include "evaluate/abtest/internal.h"

namespace adpilot::abtest {

AbReport AnalyzeExperimentDp(const std::vector<std::string>& names, const std::vector<int>& arm,
                             const std::vector<double>& shares, const std::vector<std::string>& metric_names,
                             const std::vector<std::vector<double>>& metrics, const AbOptions& o, const Context& ctx) {
  const double lo = o.dp_clip_lo, hi = o.dp_clip_hi;
  if (!(hi > lo)) Throw(ErrorCode::kInvalidArgument, "--dp-clip: the upper end {} must be above the lower {}", hi, lo);
  // Each unit is one row in one variant, so the variants' queries compose in
  // parallel; the count and each metric's sum and sum of squares compose in sequence.
  const int queries = 1 + 2 * int(metrics.size());
  DpMechanism mech{o.dp_epsilon / queries, o.dp_delta / queries};
  PrivacyBudget budget(o.dp_epsilon, o.dp_delta);
  std::mt19937_64 rng = ctx.Rng("abtest/dp");
  const size_t V = names.size();
  const double s_sens = std::max(std::fabs(lo), std::fabs(hi));
  const double q_sens = std::max(lo * lo, hi * hi);

  std::vector<double> n(V, 0);
  for (int a : arm) n[size_t(a)] += 1;
  budget.Spend(mech.epsilon, mech.delta, "the variants' unit counts");
  const double var_n = mech.Variance(1);
  for (auto& x : n) x = std::max(2.0, x + mech.Noise(1, rng));  // released; a floor of 2 keeps variances defined

  AbReport rep;
  for (size_t i = 0; i < V; ++i) rep.variants.push_back({names[i], uint64_t(std::llround(n[i])), 0, {}});
  TestResult srm = SrmTest(n, shares);  // post-processing of released counts: free
  rep.srm_p_value = srm.p_value;
  rep.srm_chi2 = srm.stat;
  rep.srm_flag = srm.p_value < o.srm_alpha;

  for (size_t mi = 0; mi < metrics.size(); ++mi) {
    std::vector<double> sum(V, 0), sq(V, 0);
    for (size_t r = 0; r < arm.size(); ++r) {
      double y = std::clamp(metrics[mi][r], lo, hi);
      sum[size_t(arm[r])] += y;
      sq[size_t(arm[r])] += y * y;
    }
    budget.Spend(mech.epsilon, mech.delta, "the sums of '" + metric_names[mi] + "'");
    budget.Spend(mech.epsilon, mech.delta, "the sums of squares of '" + metric_names[mi] + "'");
    const double var_s = mech.Variance(s_sens);
    std::vector<MeanStats> st(V);
    for (size_t i = 0; i < V; ++i) {
      double s = sum[i] + mech.Noise(s_sens, rng), q = sq[i] + mech.Noise(q_sens, rng);
      MeanStats& m = st[i];
      m.n = n[i];
      m.mean = std::clamp(s / m.n, lo, hi);
      double sample_var = std::max(0.0, (q - m.n * m.mean * m.mean) / (m.n - 1));
      // Delta method on mean = S / n: the noise adds (Var S + mean^2 Var n) / n^2 to
      // the mean's variance; folded into `var` so that var / n is the whole of it.
      m.var = sample_var + (var_s + m.mean * m.mean * var_n) / m.n;
    }
    if (mi == 0)
      for (size_t i = 0; i < V; ++i) {
        rep.variants[i].mean = st[i].mean;
        double h = NormalQuantile(0.975) * std::sqrt(st[i].var / st[i].n);
        rep.variants[i].mean_ci = {st[i].mean - h, st[i].mean + h};
      }
    for (size_t ti = 1; ti < V; ++ti) {
      MetricResult res = CompareMeans(names[ti], st[ti], st[0], o.alpha, o.power);
      res.metric = metric_names[mi];
      res.kind = "mean";
      res.test = fmt::format("welch t on {} noise (differential privacy)", mech.name());
      rep.results.push_back(res);
    }
  }
  FinishReport(rep, o.alpha, false, o.mde);
  rep.dp_epsilon_spent = budget.epsilon_spent();
  rep.dp_delta_spent = budget.delta_spent();
  rep.dp_query_epsilon = mech.epsilon;
  rep.dp_queries = queries;
  rep.dp_mechanism = mech.name();
  ctx.log().info("abtest: differential privacy, epsilon {:g} spent over {} queries ({} noise)", rep.dp_epsilon_spent,
                 queries, mech.name());
  return rep;
}

}  // namespace adpilot::abtest
