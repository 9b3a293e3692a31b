// The statistics of an A/B readout. Each function mirrors one scipy or
// statsmodels routine (named in include/adpilot/abtest.h) so the tests can pin
// them to reference values computed there.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "adpilot/abtest.h"
#include "adpilot/error.h"

namespace adpilot::abtest {

double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double NormalQuantile(double p) {
  if (!(p > 0 && p < 1)) Throw(ErrorCode::kInvalidArgument, "normal quantile of {} (needs 0 < p < 1)", p);
  return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

double StudentTCdf(double t, double df) {
  if (!std::isfinite(df) || df > 1e7) return NormalCdf(t);
  return boost::math::cdf(boost::math::students_t_distribution<double>(df), t);
}

double StudentTQuantile(double p, double df) {
  if (!std::isfinite(df) || df > 1e7) return NormalQuantile(p);
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
}

double ChiSquareSf(double x, double df) {
  if (x <= 0) return 1;
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(df), x));
}

namespace {
double TwoSidedNormalP(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }
double Crit(double conf) { return NormalQuantile(0.5 + conf / 2); }
}  // namespace

TestResult TwoProportionZTest(double x_t, double n_t, double x_c, double n_c) {
  double p = (x_t + x_c) / (n_t + n_c);
  double var = p * (1 - p) * (1 / n_t + 1 / n_c);
  TestResult r;
  if (var <= 0) return r;  // both arms all 0 or all 1: no evidence of a difference
  r.stat = (x_t / n_t - x_c / n_c) / std::sqrt(var);
  r.p_value = TwoSidedNormalP(r.stat);
  return r;
}

Interval WilsonInterval(double x, double n, double conf) {
  double z = Crit(conf), z2 = z * z, q = x / n;
  double denom = 1 + z2 / n;
  double center = (q + z2 / (2 * n)) / denom;
  double dist = z * std::sqrt(q * (1 - q) / n + z2 / (4 * n * n)) / denom;
  // At 0 or n successes a bound is exactly 0 or 1; the subtraction leaves ~1e-18.
  return {x <= 0 ? 0.0 : center - dist, x >= n ? 1.0 : center + dist};
}

Interval NewcombeDiffInterval(double x_t, double n_t, double x_c, double n_c, double conf) {
  Interval a = WilsonInterval(x_t, n_t, conf), b = WilsonInterval(x_c, n_c, conf);
  double p1 = x_t / n_t, p2 = x_c / n_c, d = p1 - p2;
  return {d - std::sqrt((p1 - a.lo) * (p1 - a.lo) + (b.hi - p2) * (b.hi - p2)),
          d + std::sqrt((a.hi - p1) * (a.hi - p1) + (p2 - b.lo) * (p2 - b.lo))};
}

MeanStats Summarize(const std::vector<double>& v) {
  MeanStats s;
  s.n = double(v.size());
  if (v.empty()) return s;
  // Two passes: exact enough for spend-sized values without a Welford loop.
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / s.n;
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.var = v.size() > 1 ? ss / (s.n - 1) : 0;
  return s;
}

TestResult WelchTTest(const MeanStats& t, const MeanStats& c) {
  double vt = t.var / t.n, vc = c.var / c.n, se2 = vt + vc;
  TestResult r;
  if (se2 <= 0) return r;
  r.stat = (t.mean - c.mean) / std::sqrt(se2);
  r.df = se2 * se2 / (vt * vt / (t.n - 1) + vc * vc / (c.n - 1));
  r.p_value = 2 * StudentTCdf(-std::fabs(r.stat), r.df);
  return r;
}

Interval WelchDiffInterval(const MeanStats& t, const MeanStats& c, double conf) {
  TestResult r = WelchTTest(t, c);
  double d = t.mean - c.mean, se = std::sqrt(t.var / t.n + c.var / c.n);
  if (se <= 0) return {d, d};
  double q = StudentTQuantile(0.5 + conf / 2, r.df);
  return {d - q * se, d + q * se};
}

// Fieller's interval for rho = m_T / m_C, minus 1: the rho with
// (m_T - rho m_C)^2 <= z^2 (v_T + rho^2 v_C). It holds 0 exactly when the
// unpooled z-test of the difference does not reject, so the relative interval
// never contradicts the absolute one's verdict (the delta method's symmetric
// interval did: "+107%, CI -33% to +247%" beside a significant difference).
// Unbounded (NaN) when the control mean itself is not distinguishable from 0.
Interval RelativeLiftInterval(const MeanStats& t, const MeanStats& c, double conf) {
  const double z2 = Crit(conf) * Crit(conf), vt = t.var / t.n, vc = c.var / c.n;
  const double a = c.mean * c.mean - z2 * vc, b = t.mean * c.mean, k = t.mean * t.mean - z2 * vt;
  const double disc = b * b - a * k;
  if (!(a > 0) || disc < 0) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  const double root = std::sqrt(disc);
  return {(b - root) / a - 1, (b + root) / a - 1};
}

double RatioStats::RatioVariance() const {
  double my = mean_den, mx = mean_num;
  return (var_num / n) / (my * my) + (mx * mx) / (my * my * my * my) * (var_den / n) -
         2 * mx / (my * my * my) * (cov / n);
}

RatioStats SummarizeRatio(const std::vector<double>& num, const std::vector<double>& den) {
  ADP_CHECK(num.size() == den.size());
  MeanStats a = Summarize(num), b = Summarize(den);
  RatioStats s;
  s.n = a.n;
  s.mean_num = a.mean;
  s.mean_den = b.mean;
  s.var_num = a.var;
  s.var_den = b.var;
  double c = 0;
  for (size_t i = 0; i < num.size(); ++i) c += (num[i] - a.mean) * (den[i] - b.mean);
  s.cov = num.size() > 1 ? c / (s.n - 1) : 0;
  return s;
}

TestResult RatioZTest(const RatioStats& t, const RatioStats& c) {
  double v = t.RatioVariance() + c.RatioVariance();
  TestResult r;
  if (v <= 0) return r;
  r.stat = (t.ratio() - c.ratio()) / std::sqrt(v);
  r.p_value = TwoSidedNormalP(r.stat);
  return r;
}

CupedResult Cuped(const std::vector<double>& y, const std::vector<double>& x) {
  ADP_CHECK(y.size() == x.size());
  MeanStats sy = Summarize(y), sx = Summarize(x);
  CupedResult r;
  double cov = 0;
  for (size_t i = 0; i < y.size(); ++i) cov += (y[i] - sy.mean) * (x[i] - sx.mean);
  cov /= std::max<double>(1, sy.n - 1);
  r.theta = sx.var > 0 ? cov / sx.var : 0;
  r.adjusted.resize(y.size());
  for (size_t i = 0; i < y.size(); ++i) r.adjusted[i] = y[i] - r.theta * (x[i] - sx.mean);
  double va = Summarize(r.adjusted).var;
  r.variance_reduction = sy.var > 0 ? 1 - va / sy.var : 0;
  return r;
}

double MsprtInversePValue(double diff, double v, double tau2) {
  if (!(v > 0) || !(tau2 > 0)) return 1;
  double log_lambda = 0.5 * std::log(v / (v + tau2)) + tau2 * diff * diff / (2 * v * (v + tau2));
  return std::min(1.0, std::exp(-log_lambda));
}

TestResult SrmTest(const std::vector<double>& counts, const std::vector<double>& shares) {
  ADP_CHECK(counts.size() == shares.size() && counts.size() >= 2);
  double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  double share_sum = std::accumulate(shares.begin(), shares.end(), 0.0);
  TestResult r;
  for (size_t i = 0; i < counts.size(); ++i) {
    double e = total * shares[i] / share_sum;
    r.stat += (counts[i] - e) * (counts[i] - e) / e;
  }
  r.df = double(counts.size() - 1);
  r.p_value = ChiSquareSf(r.stat, r.df);
  return r;
}

std::vector<double> BenjaminiHochberg(const std::vector<double>& p) {
  size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> adj(m);
  double running = 1;
  for (size_t k = m; k-- > 0;) {
    running = std::min(running, p[order[k]] * double(m) / double(k + 1));
    adj[order[k]] = std::min(1.0, running);
  }
  return adj;
}

double CohenH(double p1, double p2) { return 2 * std::asin(std::sqrt(p2)) - 2 * std::asin(std::sqrt(p1)); }

double Power(double d, double n1, double alpha, double ratio) {
  double nobs = 1 / (1 / n1 + 1 / (n1 * ratio));
  double crit = NormalQuantile(1 - alpha / 2), s = d * std::sqrt(nobs);
  return (1 - NormalCdf(crit - s)) + NormalCdf(-crit - s);
}

double SampleSize(double d, double alpha, double power, double ratio) {
  if (d == 0) Throw(ErrorCode::kInvalidArgument, "sample size for a zero effect is unbounded");
  if (!(power > alpha && power < 1)) Throw(ErrorCode::kInvalidArgument, "power must be in (alpha, 1), got {}", power);
  // Power rises monotonically in n: bisect on a bracket that is doubled until it holds.
  double lo = 1e-9, hi = 2;
  while (Power(d, hi, alpha, ratio) < power) {
    lo = hi;
    hi *= 2;
    if (hi > 1e15) Throw(ErrorCode::kInvalidArgument, "effect {} is too small to reach power {}", d, power);
  }
  for (int i = 0; i < 200 && hi - lo > 1e-10 * hi; ++i) {
    double mid = 0.5 * (lo + hi);
    (Power(d, mid, alpha, ratio) < power ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace adpilot::abtest
