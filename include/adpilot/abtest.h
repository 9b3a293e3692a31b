// A/B test readouts: the statistics (checked against scipy/statsmodels in
// tests/evaluate) and the experiment analysis behind `adpilot abtest`.
// Formulas and their scipy/statsmodels counterparts: docs/abtest.md.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/table.h"

namespace adpilot {
struct Context;
}

namespace adpilot::abtest {

// ---- Distributions -------------------------------------------------------
double NormalCdf(double x);
double NormalQuantile(double p);
double StudentTCdf(double t, double df);
double StudentTQuantile(double p, double df);
double ChiSquareSf(double x, double df);

struct TestResult {
  double stat = 0;     // z, t or chi-square
  double p_value = 1;  // two-sided
  double df = 0;       // degrees of freedom where the test has them
};
struct Interval {
  double lo = 0, hi = 0;
};

// ---- Proportions ---------------------------------------------------------
// Two-proportion z-test with the pooled proportion (statsmodels proportions_ztest).
TestResult TwoProportionZTest(double x_t, double n_t, double x_c, double n_c);
// Wilson score interval of one proportion (statsmodels proportion_confint 'wilson').
Interval WilsonInterval(double x, double n, double conf = 0.95);
// Newcombe's hybrid score interval of p_t - p_c (statsmodels confint_proportions_2indep 'newcomb').
Interval NewcombeDiffInterval(double x_t, double n_t, double x_c, double n_c, double conf = 0.95);

// ---- Means ---------------------------------------------------------------
struct MeanStats {
  double n = 0, mean = 0, var = 0;  // var: sample variance (n - 1 denominator)
};
MeanStats Summarize(const std::vector<double>& v);
// Welch's unequal-variance t-test of t - c (scipy ttest_ind(equal_var=False)).
TestResult WelchTTest(const MeanStats& t, const MeanStats& c);
Interval WelchDiffInterval(const MeanStats& t, const MeanStats& c, double conf = 0.95);
// Delta-method interval of the relative lift mean_t / mean_c - 1 (arms independent).
Interval RelativeLiftInterval(const MeanStats& t, const MeanStats& c, double conf = 0.95);

// ---- Ratio metrics (delta method) ----------------------------------------
struct RatioStats {
  double n = 0, mean_num = 0, mean_den = 0, var_num = 0, var_den = 0, cov = 0;
  double ratio() const { return mean_num / mean_den; }
  // Var(mean_num / mean_den) by the delta method.
  double RatioVariance() const;
};
RatioStats SummarizeRatio(const std::vector<double>& num, const std::vector<double>& den);
// z-test of ratio_t - ratio_c with delta-method variances.
TestResult RatioZTest(const RatioStats& t, const RatioStats& c);

// ---- CUPED ---------------------------------------------------------------
struct CupedResult {
  double theta = 0;               // Cov(X, Y) / Var(X)
  double variance_reduction = 0;  // 1 - Var(Y') / Var(Y)
  std::vector<double> adjusted;   // Y' = Y - theta (X - mean X)
};
CupedResult Cuped(const std::vector<double>& y, const std::vector<double>& x);

// ---- Sequential testing (mSPRT, normal mixture) --------------------------
// 1 / Lambda for an observed difference `diff` whose variance is `v`
// (s_t^2/n_t + s_c^2/n_c) under mixing variance tau2, capped at 1.
double MsprtInversePValue(double diff, double v, double tau2);

// ---- Split and multiplicity ----------------------------------------------
// Chi-square goodness of fit of counts against planned shares (scipy chisquare).
TestResult SrmTest(const std::vector<double>& counts, const std::vector<double>& shares);
// Benjamini-Hochberg adjusted p-values, in input order (statsmodels fdr_bh).
std::vector<double> BenjaminiHochberg(const std::vector<double>& p);

// ---- Power and sample size -----------------------------------------------
// Cohen's h = 2 asin(sqrt p2) - 2 asin(sqrt p1) (statsmodels proportion_effectsize(p2, p1)).
double CohenH(double p1, double p2);
// Power of a two-sided two-sample z-test with standardised effect d, n1 units in
// arm 1 and ratio * n1 in arm 2 (statsmodels NormalIndPower.power).
double Power(double d, double n1, double alpha, double ratio = 1);
// Smallest (real) n1 reaching `power` (statsmodels NormalIndPower.solve_power).
double SampleSize(double d, double alpha, double power, double ratio = 1);

// ---- Experiment analysis -------------------------------------------------
struct AbOptions {
  std::string variant_col;
  std::string control;
  std::vector<std::string> metrics;  // column, or "num/den" for a ratio metric
  std::string covariate;             // CUPED pre-period covariate column ("" = none)
  std::string timestamp;             // order of looks for --sequential ("" = file order)
  bool sequential = false;
  double alpha = 0.05;
  double power = 0.8;
  std::vector<double> split;  // planned shares per variant in first-seen order (empty = equal)
  double msprt_tau = 0;       // mixing sd; 0 = 0.1 pooled standard deviations
  double srm_alpha = 0.001;
  // Smallest effect worth detecting, an absolute difference of the first
  // metric; 0 = 5% of the control's mean. "stop" for futility needs the
  // interval inside (-mde, +mde).
  double mde = 0;
  // Differential privacy (docs/privacy.md): > 0 releases only noisy counts and
  // sums, each unit's metric clipped to [dp_clip_lo, dp_clip_hi] (one row per
  // unit), epsilon split evenly over the queries; dp_delta > 0: Gaussian noise.
  double dp_epsilon = 0, dp_delta = 0;
  double dp_clip_lo = 0, dp_clip_hi = 1;
};

struct MetricResult {
  std::string metric, kind;  // kind: proportion | mean | ratio
  std::string variant;       // treatment compared with control
  std::string test;          // "two-proportion z", "welch t", "delta-method z"
  double control_mean = 0, treatment_mean = 0;
  double diff = 0, diff_ci_low = 0, diff_ci_high = 0;
  double lift = 0, ci_low = 0, ci_high = 0;                          // relative lift and its interval
  double p_value = 1;                                                // fixed-horizon
  double p_value_bh = 1;                                             // Benjamini-Hochberg across metrics and treatments
  double always_valid_p = std::numeric_limits<double>::quiet_NaN();  // mSPRT, set under --sequential
  // Under --sequential: the mSPRT's confidence sequence for the difference
  // (the intersection of the always-valid intervals of every look).
  double cs_low = std::numeric_limits<double>::quiet_NaN(), cs_high = std::numeric_limits<double>::quiet_NaN();
  double variance_reduction = 0;  // CUPED, when a covariate was given
  double mde = 0;                 // absolute difference detectable now at the chosen power
  double needed_per_arm = 0;      // units per arm to detect the observed difference (0 = n/a)
  // Under --sequential: (units seen, always-valid p) at up to ~60 evenly spaced looks, for plots.
  std::vector<std::pair<double, double>> sequential_path;
};

struct VariantSummary {
  std::string name;
  uint64_t n = 0;
  double mean = 0;   // of the primary metric (raw, before CUPED)
  Interval mean_ci;  // Wilson (proportions) or t interval
};

struct AbReport {
  std::vector<VariantSummary> variants;
  std::vector<MetricResult> results;  // per treatment x metric; the first metric is primary
  double srm_p_value = 1, srm_chi2 = 0;
  bool srm_flag = false;
  std::string verdict;    // ship | keep running | stop
  std::string rule;       // the rule that fired ("futility: the interval lies within +-MDE", ...)
  std::string reason;     // the why, in words
  double min_effect = 0;  // the MDE the rules used (given or the default)
  std::string min_effect_source;
  double remaining_units = 0;  // for "keep running": expected further units (all arms)
  // Under dp_epsilon > 0: what was spent, by which mechanism, per query.
  double dp_epsilon_spent = 0, dp_delta_spent = 0, dp_query_epsilon = 0;
  int dp_queries = 0;
  std::string dp_mechanism;
};

AbReport AnalyzeExperiment(const Table& t, const AbOptions& o, const Context& ctx);

// Per-variant aggregates: one row per variant with a unit count column and
// either a successes column (proportion) or sum and sum-of-squares columns (mean).
struct AggregateOptions {
  std::string variant_col, control, n_col = "n", metric_col, sum_sq_col;
  double alpha = 0.05, power = 0.8;
  std::vector<double> split;
  double srm_alpha = 0.001;
  double mde = 0;  // as AbOptions::mde
};
AbReport AnalyzeAggregates(const Table& t, const AggregateOptions& o);

// Non-finite numbers are null. `adpilot abtest` prints its text from this JSON.
nlohmann::json ToJson(const AbReport& r);

}  // namespace adpilot::abtest
