// One treatment against the control: the test, intervals, relative lift, the
// effect detectable now and the sample needed for the observed one.
#include <cmath>
#include <limits>

#include "adpilot/error.h"
#include "evaluate/abtest/internal.h"

namespace adpilot::abtest {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void Planning(MetricResult& r, double se, double n_t, double n_c, double alpha, double power) {
  r.mde = (NormalQuantile(1 - alpha / 2) + NormalQuantile(power)) * se;
  // The standard error shrinks as 1/sqrt(n): scale today's n to the n at which
  // the observed difference would be the detectable one.
  r.needed_per_arm = (r.diff != 0 && se > 0) ? 0.5 * (n_t + n_c) * (r.mde / r.diff) * (r.mde / r.diff) : 0;
}

void CheckArmSizes(const std::string& treatment, double n_t, double n_c) {
  if (n_c < 2) Throw(ErrorCode::kBadInput, "the control has {} units; at least 2 are needed", n_c);
  if (n_t < 2) Throw(ErrorCode::kBadInput, "variant '{}' has {} units; at least 2 are needed", treatment, n_t);
}

}  // namespace

MetricResult CompareProportions(const std::string& treatment, double x_t, double n_t, double x_c, double n_c,
                                double alpha, double power) {
  CheckArmSizes(treatment, n_t, n_c);
  MetricResult r;
  r.kind = "proportion";
  r.variant = treatment;
  r.test = "two-proportion z";
  TestResult z = TwoProportionZTest(x_t, n_t, x_c, n_c);
  r.p_value = z.p_value;
  r.treatment_mean = x_t / n_t;
  r.control_mean = x_c / n_c;
  r.diff = r.treatment_mean - r.control_mean;
  Interval d = NewcombeDiffInterval(x_t, n_t, x_c, n_c, 1 - alpha);
  r.diff_ci_low = d.lo;
  r.diff_ci_high = d.hi;
  MeanStats t{n_t, r.treatment_mean, r.treatment_mean * (1 - r.treatment_mean) * n_t / (n_t - 1)};
  MeanStats c{n_c, r.control_mean, r.control_mean * (1 - r.control_mean) * n_c / (n_c - 1)};
  if (r.control_mean > 0) {
    r.lift = r.diff / r.control_mean;
    Interval l = RelativeLiftInterval(t, c, 1 - alpha);
    r.ci_low = l.lo;
    r.ci_high = l.hi;
  } else {
    r.lift = r.ci_low = r.ci_high = kNaN;
  }
  Planning(r, std::sqrt(t.var / n_t + c.var / n_c), n_t, n_c, alpha, power);
  return r;
}

MetricResult CompareMeans(const std::string& treatment, const MeanStats& t, const MeanStats& c, double alpha,
                          double power) {
  CheckArmSizes(treatment, t.n, c.n);
  MetricResult r;
  r.kind = "mean";
  r.variant = treatment;
  r.test = "welch t";
  r.p_value = WelchTTest(t, c).p_value;
  r.treatment_mean = t.mean;
  r.control_mean = c.mean;
  r.diff = t.mean - c.mean;
  Interval d = WelchDiffInterval(t, c, 1 - alpha);
  r.diff_ci_low = d.lo;
  r.diff_ci_high = d.hi;
  if (c.mean != 0) {
    r.lift = r.diff / c.mean;
    Interval l = RelativeLiftInterval(t, c, 1 - alpha);
    r.ci_low = l.lo;
    r.ci_high = l.hi;
  } else {
    r.lift = r.ci_low = r.ci_high = kNaN;
  }
  Planning(r, std::sqrt(t.var / t.n + c.var / c.n), t.n, c.n, alpha, power);
  return r;
}

MetricResult CompareArms(const ArmPair& p, double alpha, double power) {
  if (p.kind == "proportion" && !p.cuped) {
    double xt = 0, xc = 0;
    for (double v : p.t) xt += v;
    for (double v : p.c) xc += v;
    return CompareProportions(p.treatment, xt, double(p.t.size()), xc, double(p.c.size()), alpha, power);
  }
  if (p.kind != "ratio") {
    MetricResult r = CompareMeans(p.treatment, Summarize(p.t), Summarize(p.c), alpha, power);
    r.kind = p.kind;
    if (p.cuped) r.test = "welch t (CUPED)";
    return r;
  }
  CheckArmSizes(p.treatment, double(p.t.size()), double(p.c.size()));
  RatioStats t = SummarizeRatio(p.t, p.t_den), c = SummarizeRatio(p.c, p.c_den);
  if (t.mean_den == 0 || c.mean_den == 0)
    Throw(ErrorCode::kBadInput, "ratio metric: the denominator sums to 0 in variant '{}'",
          t.mean_den == 0 ? p.treatment : std::string("control"));
  MetricResult r;
  r.kind = "ratio";
  r.variant = p.treatment;
  r.test = "delta-method z";
  r.p_value = RatioZTest(t, c).p_value;
  r.treatment_mean = t.ratio();
  r.control_mean = c.ratio();
  r.diff = r.treatment_mean - r.control_mean;
  double vt = t.RatioVariance(), vc = c.RatioVariance(), se = std::sqrt(vt + vc);
  double z = NormalQuantile(1 - alpha / 2);
  r.diff_ci_low = r.diff - z * se;
  r.diff_ci_high = r.diff + z * se;
  if (r.control_mean != 0) {
    double q = r.treatment_mean / r.control_mean, rc2 = r.control_mean * r.control_mean;
    double h = z * std::sqrt(vt / rc2 + q * q * vc / rc2);
    r.lift = q - 1;
    r.ci_low = r.lift - h;
    r.ci_high = r.lift + h;
  } else {
    r.lift = r.ci_low = r.ci_high = kNaN;
  }
  Planning(r, se, t.n, c.n, alpha, power);
  return r;
}

}  // namespace adpilot::abtest
