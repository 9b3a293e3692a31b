// Verdict in words and the JSON of an A/B report (its text: src/cli/print_abtest.cc),
// and the per-variant aggregates input.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "evaluate/abtest/internal.h"

namespace adpilot::abtest {
namespace {

// The p-value the decision uses: always-valid under sequential testing.
double DecisionP(const MetricResult& r, bool sequential) { return sequential ? r.always_valid_p : r.p_value; }

std::string Pct(double x) { return std::isfinite(x) ? fmt::format("{:+.2f}%", 100 * x) : "n/a"; }

std::string Effect(const MetricResult& r) {
  if (std::isfinite(r.lift))
    return fmt::format("{} {} (95% CI {} to {})", r.metric, Pct(r.lift), Pct(r.ci_low), Pct(r.ci_high));
  return fmt::format("{} {:+.6g} (control is 0, so no relative lift)", r.metric, r.diff);
}

nlohmann::json Num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

}  // namespace

void FinishReport(AbReport& rep, double alpha, bool sequential, double mde) {
  std::vector<double> p;
  for (const auto& r : rep.results) p.push_back(DecisionP(r, sequential));
  std::vector<double> adj = BenjaminiHochberg(p);
  for (size_t i = 0; i < rep.results.size(); ++i) rep.results[i].p_value_bh = adj[i];
  // The smallest effect worth detecting, in the primary metric's units: given,
  // or 5% of the control's mean (none when that mean is 0).
  const double control_mean = rep.variants.front().mean;
  rep.min_effect = mde > 0 ? mde : 0.05 * std::fabs(control_mean);
  rep.min_effect_source = mde > 0 ? "--mde" : "default: 5% of the control mean";
  // The first metric is the decision metric; the others are guardrails.
  const std::string primary = rep.results.front().metric;
  auto decision_p = [&](const MetricResult& r) {
    return rep.results.size() > 1 ? r.p_value_bh : DecisionP(r, sequential);
  };
  // The interval each rule reads: the confidence sequence under --sequential
  // (valid at every look), else the fixed-horizon 95% interval.
  auto lo = [&](const MetricResult& r) { return sequential && std::isfinite(r.cs_low) ? r.cs_low : r.diff_ci_low; };
  auto hi = [&](const MetricResult& r) { return sequential && std::isfinite(r.cs_high) ? r.cs_high : r.diff_ci_high; };
  const std::string iname = sequential ? "always-valid 95% interval" : "95% interval";
  auto interval = [&](const MetricResult& r) { return fmt::format("{} {:+.4g} to {:+.4g}", iname, lo(r), hi(r)); };
  std::vector<const MetricResult*> prim, harms;
  for (const auto& r : rep.results) {
    if (r.metric == primary) prim.push_back(&r);
    else if (decision_p(r) < alpha && hi(r) < 0) harms.push_back(&r);
  }
  std::string pname = sequential ? "always-valid p" : (rep.results.size() > 1 ? "BH-adjusted p" : "p");
  if (rep.srm_flag) {
    std::string split;
    for (const auto& v : rep.variants) split += fmt::format("{}{}={}", split.empty() ? "" : ", ", v.name, v.n);
    rep.verdict = "stop";
    rep.rule = "sample ratio mismatch";
    rep.reason = fmt::format(
        "sample ratio mismatch: the split ({}) is far from the planned one (chi-square p = {:.3g}); assignment or "
        "logging is broken, so the comparison cannot be trusted. Fix the split and restart the test.",
        split, rep.srm_p_value);
    return;
  }
  const MetricResult* best = nullptr;
  const MetricResult* worst = nullptr;
  for (const auto* r : prim) {
    if (decision_p(*r) >= alpha) continue;
    if (lo(*r) > 0 && (!best || r->diff > best->diff)) best = r;
    if (hi(*r) < 0 && (!worst || r->diff < worst->diff)) worst = r;
  }
  std::string guard;
  for (const auto* h : harms)
    guard += fmt::format(" Warning: {} is significantly worse for {}: {}.", h->metric, h->variant, Effect(*h));
  if (best) {
    rep.verdict = harms.empty() ? "ship" : "keep running";
    rep.rule = harms.empty() ? "ship: the interval lies above 0" : "guardrail: a guardrail metric is worse";
    rep.reason = fmt::format("{} beats the control on {}: the {} of the difference lies above 0 ({} = {:.3g}).{}",
                             best->variant, Effect(*best), interval(*best), pname, decision_p(*best), guard);
    if (!harms.empty()) rep.reason += " Resolve the guardrail regression before shipping.";
    return;
  }
  if (worst) {
    rep.verdict = "stop";
    rep.rule = "harm: the interval lies below 0";
    rep.reason = fmt::format("{} is worse than the control on {}: the {} lies below 0 ({} = {:.3g}); do not ship it.{}",
                             worst->variant, Effect(*worst), interval(*worst), pname, decision_p(*worst), guard);
    return;
  }
  // Nothing significant. Futility only where the effect cannot matter: every
  // treatment's interval inside (-MDE, +MDE).
  std::string detail;
  bool all_within = rep.min_effect > 0;
  double remaining = 0;
  uint64_t total = 0;
  for (const auto& v : rep.variants) total += v.n;
  for (const auto* r : prim) {
    all_within = all_within && lo(*r) > -rep.min_effect && hi(*r) < rep.min_effect;
    detail += fmt::format(" {}: {}, {} ({} = {:.3g}).", r->variant, Effect(*r), interval(*r), pname, decision_p(*r));
    // Units until the interval would either clear 0 or fit inside +-MDE at the
    // current estimate (its half-width shrinks as 1 / sqrt(n)).
    const double half = 0.5 * (hi(*r) - lo(*r)), d = std::fabs(r->diff);
    double scale = HUGE_VAL;
    if (d > 0) scale = std::min(scale, (half / d) * (half / d));
    if (rep.min_effect > d) scale = std::min(scale, (half / (rep.min_effect - d)) * (half / (rep.min_effect - d)));
    if (std::isfinite(scale)) remaining = std::max(remaining, (scale - 1) * double(total));
  }
  if (all_within) {
    rep.verdict = "stop";
    rep.rule = "futility: the interval lies within +-MDE";
    rep.reason = fmt::format(
        "no effect worth having: the {} lies within +-{:.4g} (the smallest effect worth detecting, {}), so whatever "
        "the effect is, it is smaller than that.{}{}",
        iname, rep.min_effect, rep.min_effect_source, detail, guard);
    return;
  }
  rep.verdict = "keep running";
  rep.rule = "undecided: the interval contains 0 and reaches beyond +-MDE";
  rep.remaining_units = std::isfinite(remaining) ? std::ceil(std::max(0.0, remaining)) : 0;
  rep.reason = fmt::format(
      "no verdict yet: the interval contains 0 and reaches beyond +-{:.4g} (the smallest effect worth detecting, {}); "
      "at the current estimate about {:.0f} more units (all arms) would settle it.{}{}{}",
      rep.min_effect, rep.min_effect_source, rep.remaining_units, detail, guard,
      sequential ? " Always-valid intervals: you may look again at any time."
                 : " Fixed-horizon test: read it again only once the planned sample is in, or use --sequential to "
                   "peek.");
}

nlohmann::json ToJson(const AbReport& r) {
  nlohmann::json j;
  j["variants"] = nlohmann::json::array();
  for (size_t i = 0; i < r.variants.size(); ++i) {
    const auto& v = r.variants[i];
    nlohmann::json e{{"name", v.name},
                     {"n", v.n},
                     {"mean", Num(v.mean)},
                     {"mean_ci_low", Num(v.mean_ci.lo)},
                     {"mean_ci_high", Num(v.mean_ci.hi)},
                     {"control", i == 0}};
    // The first metric's comparison for each treatment sits on the variant itself.
    for (const auto& m : r.results) {
      if (m.variant != v.name || m.metric != r.results.front().metric) continue;
      e["lift"] = Num(m.lift);
      e["ci_low"] = Num(m.ci_low);
      e["ci_high"] = Num(m.ci_high);
      e["p_value"] = Num(m.p_value);
      e["diff"] = Num(m.diff);
      if (!std::isnan(m.always_valid_p)) e["always_valid_p"] = Num(m.always_valid_p);
      break;
    }
    j["variants"].push_back(e);
  }
  j["results"] = nlohmann::json::array();
  for (const auto& m : r.results) {
    j["results"].push_back({{"metric", m.metric},
                            {"kind", m.kind},
                            {"variant", m.variant},
                            {"test", m.test},
                            {"control_mean", Num(m.control_mean)},
                            {"treatment_mean", Num(m.treatment_mean)},
                            {"diff", Num(m.diff)},
                            {"diff_ci_low", Num(m.diff_ci_low)},
                            {"diff_ci_high", Num(m.diff_ci_high)},
                            {"lift", Num(m.lift)},
                            {"ci_low", Num(m.ci_low)},
                            {"ci_high", Num(m.ci_high)},
                            {"p_value", Num(m.p_value)},
                            {"p_value_bh", Num(m.p_value_bh)},
                            {"always_valid_p", Num(m.always_valid_p)},
                            {"variance_reduction", Num(m.variance_reduction)},
                            {"mde", Num(m.mde)},
                            {"cs_low", Num(m.cs_low)},
                            {"cs_high", Num(m.cs_high)},
                            {"needed_per_arm", Num(m.needed_per_arm)}});
    if (!m.sequential_path.empty()) {
      auto path = nlohmann::json::array();
      for (const auto& [n, p] : m.sequential_path) path.push_back({{"n", n}, {"p", Num(p)}});
      j["results"].back()["sequential_path"] = path;
    }
  }
  j["srm_p_value"] = Num(r.srm_p_value);
  j["srm_chi2"] = Num(r.srm_chi2);
  j["srm_flag"] = r.srm_flag;
  j["verdict"] = r.verdict;
  j["rule"] = r.rule;
  j["min_effect"] = Num(r.min_effect);
  j["min_effect_source"] = r.min_effect_source;
  j["reason"] = r.reason;
  j["remaining_units"] = Num(r.remaining_units);
  if (r.dp_queries > 0)
    j["dp"] = {{"epsilon_spent", r.dp_epsilon_spent},
               {"delta_spent", r.dp_delta_spent},
               {"mechanism", r.dp_mechanism},
               {"queries", r.dp_queries},
               {"query_epsilon", r.dp_query_epsilon}};
  return j;
}

AbReport AnalyzeAggregates(const Table& t, const AggregateOptions& o) {
  size_t vcol = t.Col(o.variant_col, "--variant-col"), ncol = t.Col(o.n_col, "--n-col");
  size_t mcol = t.Col(o.metric_col, "--metric");
  bool means = !o.sum_sq_col.empty();
  size_t sqcol = means ? t.Col(o.sum_sq_col, "--sum-sq-col") : 0;
  std::vector<size_t> order;
  for (size_t r = 0; r < t.num_rows(); ++r)
    if (t.Cell(r, vcol) == o.control) order.insert(order.begin(), r);
    else order.push_back(r);
  if (order.empty() || t.Cell(order[0], vcol) != o.control) {
    std::vector<std::string> names = t.Distinct(vcol);
    Throw(ErrorCode::kInvalidArgument, "--control: value '{}' not found in column '{}'; values are: {}", o.control,
          o.variant_col, fmt::join(names, ", "));
  }
  if (order.size() < 2)
    Throw(ErrorCode::kBadInput, "{}: a single variant '{}': an A/B test needs a control and a treatment", t.path,
          o.control);
  AbReport rep;
  std::vector<double> counts;
  std::vector<MeanStats> stats;
  bool all_zero = true;
  for (size_t r : order) {
    auto n = t.Number(r, ncol), x = t.Number(r, mcol);
    if (!n || !x) Throw(ErrorCode::kBadInput, "{}: empty '{}' or '{}'", t.Where(r), o.n_col, o.metric_col);
    if (*n <= 0)
      Throw(ErrorCode::kBadInput, "{}: variant '{}' has no units ({} = {})", t.Where(r), t.Cell(r, vcol), o.n_col, *n);
    MeanStats s{*n, *x / *n, 0};
    if (means) {
      auto sq = t.Number(r, sqcol);
      if (!sq) Throw(ErrorCode::kBadInput, "{}: empty '{}'", t.Where(r), o.sum_sq_col);
      s.var = *n > 1 ? std::max(0.0, (*sq - *x * *x / *n) / (*n - 1)) : 0;
    } else if (*x < 0 || *x > *n) {
      Throw(ErrorCode::kBadInput, "{}: column '{}': {} successes out of {} units", t.Where(r), o.metric_col, *x, *n);
    }
    if (*x != 0) all_zero = false;
    counts.push_back(*n);
    stats.push_back(s);
    VariantSummary v{t.Cell(r, vcol), uint64_t(*n), s.mean, {}};
    v.mean_ci = means ? Interval{s.mean - 1.96 * std::sqrt(s.var / s.n), s.mean + 1.96 * std::sqrt(s.var / s.n)}
                      : WilsonInterval(*x, *n);
    rep.variants.push_back(v);
  }
  if (all_zero) Throw(ErrorCode::kBadInput, "--metric '{}' is 0 for every variant: nothing to compare", o.metric_col);
  std::vector<double> shares = o.split.empty() ? std::vector<double>(counts.size(), 1.0) : o.split;
  if (shares.size() != counts.size())
    Throw(ErrorCode::kInvalidArgument, "--split: {} shares given for {} variants", shares.size(), counts.size());
  TestResult srm = SrmTest(counts, shares);
  rep.srm_p_value = srm.p_value;
  rep.srm_chi2 = srm.stat;
  rep.srm_flag = srm.p_value < o.srm_alpha;
  for (size_t i = 1; i < stats.size(); ++i) {
    MetricResult m = means ? CompareMeans(rep.variants[i].name, stats[i], stats[0], o.alpha, o.power)
                           : CompareProportions(rep.variants[i].name, stats[i].mean * stats[i].n, stats[i].n,
                                                stats[0].mean * stats[0].n, stats[0].n, o.alpha, o.power);
    m.metric = o.metric_col;
    rep.results.push_back(m);
  }
  FinishReport(rep, o.alpha, false, o.mde);
  return rep;
}

}  // namespace adpilot::abtest
