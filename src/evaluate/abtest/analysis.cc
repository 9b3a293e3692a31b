// Experiment analysis behind `adpilot abtest`: per-unit rows -> per-variant
// summaries, one comparison per treatment and metric, SRM, BH, mSPRT, verdict.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "adpilot/abtest.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "evaluate/abtest/internal.h"

namespace adpilot::abtest {
namespace {

struct MetricColumns {
  std::string name;
  size_t num = 0, den = 0;
  bool ratio = false;
};

MetricColumns ResolveMetric(const Table& t, const std::string& m) {
  MetricColumns mc;
  mc.name = m;
  if (!t.Has(m) && m.find('/') != std::string::npos) {
    auto slash = m.find('/');
    mc.ratio = true;
    mc.num = t.Col(m.substr(0, slash), "--metric (ratio numerator)");
    mc.den = t.Col(m.substr(slash + 1), "--metric (ratio denominator)");
  } else {
    mc.num = t.Col(m, "--metric");
  }
  return mc;
}

std::vector<double> ColumnValues(const Table& t, size_t col, const char* flag) {
  std::vector<double> v(t.num_rows());
  uint64_t missing = 0;
  size_t first_missing = 0;
  for (size_t r = 0; r < t.num_rows(); ++r) {
    auto x = t.Number(r, col);
    if (!x) {
      if (!missing++) first_missing = r;
      continue;
    }
    v[r] = *x;
  }
  if (missing)
    Throw(ErrorCode::kBadInput, "{} column '{}': {} of {} rows have no value (first at {}); fill or drop them", flag,
          t.columns[col], missing, t.num_rows(), t.Where(first_missing));
  return v;
}

bool AllBinary(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x == 0 || x == 1; });
}

// Running always-valid p-value: looks after every unit in `order`.
// Also the confidence sequence: at each look the differences theta the mSPRT
// of H0: diff = theta does not reject at alpha, |diff - theta| <= h with
// h^2 = 2 V (V + tau2) / tau2 * ln(sqrt((V + tau2) / V) / alpha), intersected
// over the looks into [cs->first, cs->second].
double SequentialP(const std::vector<double>& y, const std::vector<int>& arm, const std::vector<size_t>& order,
                   int t_arm, int c_arm, double tau2, double alpha, std::pair<double, double>* cs,
                   std::vector<std::pair<double, double>>* path = nullptr) {
  double n[2] = {0, 0}, s[2] = {0, 0}, ss[2] = {0, 0}, p = 1;
  *cs = {-HUGE_VAL, HUGE_VAL};
  size_t seen = 0, every = std::max<size_t>(1, order.size() / 60);
  for (size_t i : order) {
    if (path && ++seen % every == 0 && n[0] >= 10 && n[1] >= 10) path->push_back({n[0] + n[1], p});
    int a = arm[i] == t_arm ? 0 : arm[i] == c_arm ? 1 : -1;
    if (a < 0) continue;
    n[a] += 1;
    s[a] += y[i];
    ss[a] += y[i] * y[i];
    if (n[0] < 10 || n[1] < 10) continue;
    double v = 0;
    for (int k = 0; k < 2; ++k) v += std::max(0.0, (ss[k] - s[k] * s[k] / n[k]) / (n[k] - 1)) / n[k];
    const double diff = s[0] / n[0] - s[1] / n[1];
    p = std::min(p, MsprtInversePValue(diff, v, tau2));
    if (v > 0 && tau2 > 0) {
      const double h = std::sqrt(2 * v * (v + tau2) / tau2 * std::log(std::sqrt((v + tau2) / v) / alpha));
      cs->first = std::max(cs->first, diff - h);
      cs->second = std::min(cs->second, diff + h);
    }
  }
  if (path) path->push_back({n[0] + n[1], p});
  return p;
}

}  // namespace

AbReport AnalyzeExperiment(const Table& t, const AbOptions& o, const Context& ctx) {
  if (o.metrics.empty()) Throw(ErrorCode::kInvalidArgument, "--metric: at least one metric column is needed");
  size_t vcol = t.Col(o.variant_col, "--variant-col");
  if (t.num_rows() == 0) Throw(ErrorCode::kBadInput, "{}: no data rows", t.path);
  std::vector<std::string> names = t.Distinct(vcol);
  for (size_t r = 0; r < t.num_rows(); ++r)
    if (t.Cell(r, vcol).empty())
      Throw(ErrorCode::kBadInput, "{}: column '{}': empty variant value", t.Where(r), o.variant_col);
  auto cit = std::find(names.begin(), names.end(), o.control);
  if (cit == names.end())
    Throw(ErrorCode::kInvalidArgument, "--control: value '{}' not found in column '{}'; values are: {}", o.control,
          o.variant_col, fmt::join(names, ", "));
  if (names.size() < 2)
    Throw(ErrorCode::kBadInput, "column '{}' holds a single variant '{}': an A/B test needs a control and a treatment",
          o.variant_col, names[0]);
  // Control first, treatments in first-seen order.
  std::rotate(names.begin(), cit, cit + 1);
  std::map<std::string, int> index;
  for (size_t i = 0; i < names.size(); ++i) index[names[i]] = int(i);
  std::vector<int> arm(t.num_rows());
  std::vector<double> counts(names.size(), 0);
  for (size_t r = 0; r < t.num_rows(); ++r) counts[arm[r] = index[t.Cell(r, vcol)]] += 1;

  std::vector<double> shares = o.split;
  if (shares.empty()) shares.assign(names.size(), 1.0);
  if (shares.size() != names.size())
    Throw(ErrorCode::kInvalidArgument, "--split: {} shares given for {} variants ({})", shares.size(), names.size(),
          fmt::join(names, ", "));
  for (double s : shares)
    if (!(s > 0)) Throw(ErrorCode::kInvalidArgument, "--split: shares must be positive, got {}", s);

  if (o.dp_epsilon > 0) {
    if (!o.covariate.empty() || o.sequential)
      Throw(ErrorCode::kInvalidArgument,
            "--dp-epsilon: CUPED (--covariate) and --sequential are not available under differential privacy yet");
    std::vector<std::string> metric_names;
    std::vector<std::vector<double>> values;
    for (const auto& m : o.metrics) {
      MetricColumns mc = ResolveMetric(t, m);
      if (mc.ratio) Throw(ErrorCode::kInvalidArgument, "--dp-epsilon: ratio metric '{}' is not available yet", m);
      metric_names.push_back(mc.name);
      values.push_back(ColumnValues(t, mc.num, "--metric"));
    }
    return AnalyzeExperimentDp(names, arm, shares, metric_names, values, o, ctx);
  }
  std::vector<double> cov;
  if (!o.covariate.empty()) cov = ColumnValues(t, t.Col(o.covariate, "--covariate"), "--covariate");
  std::vector<size_t> order(t.num_rows());
  std::iota(order.begin(), order.end(), 0);
  if (!o.timestamp.empty()) {
    size_t tc = t.Col(o.timestamp, "--timestamp-col");
    bool numeric = std::all_of(order.begin(), order.end(), [&](size_t r) {
      try {
        return t.Number(r, tc).has_value();
      } catch (const Error&) {
        return false;
      }
    });
    if (numeric) {
      auto ts = ColumnValues(t, tc, "--timestamp-col");
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ts[a] < ts[b]; });
    } else {  // ISO-8601 text sorts in time order
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return t.Cell(a, tc) < t.Cell(b, tc); });
    }
  }

  AbReport rep;
  for (size_t i = 0; i < names.size(); ++i) rep.variants.push_back({names[i], uint64_t(counts[i]), 0, {}});
  TestResult srm = SrmTest(counts, shares);
  rep.srm_p_value = srm.p_value;
  rep.srm_chi2 = srm.stat;
  rep.srm_flag = srm.p_value < o.srm_alpha;

  for (size_t mi = 0; mi < o.metrics.size(); ++mi) {
    MetricColumns mc = ResolveMetric(t, o.metrics[mi]);
    std::vector<double> y = ColumnValues(t, mc.num, "--metric");
    std::vector<double> den;
    if (mc.ratio) den = ColumnValues(t, mc.den, "--metric");
    // A constant metric has no variance: every test would divide 0 by 0.
    if (!y.empty() && std::all_of(y.begin(), y.end(), [&](double x) { return x == y[0]; }))
      Throw(ErrorCode::kBadInput, "--metric '{}' is {} in every row: there is nothing to compare", mc.name, y[0]);
    std::string kind = mc.ratio ? "ratio" : AllBinary(y) ? "proportion" : "mean";
    CupedResult cuped;
    bool use_cuped = !cov.empty() && !mc.ratio;
    if (!cov.empty() && mc.ratio) ctx.log().warn("--covariate is not applied to the ratio metric '{}'", mc.name);
    if (use_cuped) cuped = Cuped(y, cov);
    const std::vector<double>& yy = use_cuped ? cuped.adjusted : y;
    std::vector<std::vector<double>> by(names.size()), by_raw(names.size()), by_den(names.size());
    for (size_t r = 0; r < y.size(); ++r) {
      by[arm[r]].push_back(yy[r]);
      by_raw[arm[r]].push_back(y[r]);
      if (mc.ratio) by_den[arm[r]].push_back(den[r]);
    }
    if (mi == 0) {
      for (size_t i = 0; i < names.size(); ++i) {
        MeanStats s = Summarize(by_raw[i]);
        if (mc.ratio) s.mean = SummarizeRatio(by_raw[i], by_den[i]).ratio();
        rep.variants[i].mean = s.mean;
        if (kind == "proportion") {
          rep.variants[i].mean_ci = WilsonInterval(s.mean * s.n, s.n);
        } else if (s.n > 1) {
          double h = StudentTQuantile(0.975, s.n - 1) * std::sqrt(s.var / s.n);
          rep.variants[i].mean_ci = {s.mean - h, s.mean + h};
        } else {
          rep.variants[i].mean_ci = {s.mean, s.mean};
        }
      }
    }
    double pooled_sd = std::sqrt(std::max(0.0, Summarize(yy).var));
    double tau = o.msprt_tau > 0 ? o.msprt_tau : 0.1 * pooled_sd;
    for (size_t ti = 1; ti < names.size(); ++ti) {
      ArmPair pair{names[ti], by[ti], by[0], by_den[ti], by_den[0], kind, use_cuped};
      MetricResult res = CompareArms(pair, o.alpha, o.power);
      res.metric = mc.name;
      if (use_cuped) res.variance_reduction = cuped.variance_reduction;
      if (o.sequential) {
        if (mc.ratio) {
          ctx.log().warn("--sequential: mSPRT is applied to means and proportions; ratio '{}' keeps fixed p", mc.name);
          res.always_valid_p = res.p_value;
        } else {
          std::pair<double, double> cs;
          res.always_valid_p = SequentialP(yy, arm, order, int(ti), 0, tau * tau, o.alpha, &cs, &res.sequential_path);
          if (std::isfinite(cs.first) && std::isfinite(cs.second)) res.cs_low = cs.first, res.cs_high = cs.second;
        }
      }
      rep.results.push_back(res);
    }
  }
  FinishReport(rep, o.alpha, o.sequential, o.mde);
  return rep;
}

}  // namespace adpilot::abtest
