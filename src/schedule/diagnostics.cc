#include "schedule/diagnostics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <boost/math/special_functions/erf.hpp>

namespace adpilot::mmm {
namespace {

using Chains = std::vector<std::vector<double>>;

Chains Split(const Chains& chains) {
  Chains out;
  for (const auto& c : chains) {
    size_t h = c.size() / 2;
    out.emplace_back(c.begin(), c.begin() + h);
    out.emplace_back(c.end() - h, c.end());
  }
  return out;
}

// Replaces every draw by the normal quantile of its fractional rank (ties averaged).
Chains RankNormalize(const Chains& chains) {
  std::vector<std::pair<double, size_t>> all;
  for (size_t c = 0; c < chains.size(); ++c)
    for (size_t i = 0; i < chains[c].size(); ++i) all.push_back({chains[c][i], c * chains[0].size() + i});
  std::sort(all.begin(), all.end());
  const double S = double(all.size());
  std::vector<double> z(all.size());
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    double rank = 0.5 * double(i + 1 + j);  // average 1-based rank of the tie group
    double p = (rank - 0.375) / (S + 0.25);
    double v = std::sqrt(2.0) * boost::math::erf_inv(2 * p - 1);
    for (size_t k = i; k < j; ++k) z[all[k].second] = v;
    i = j;
  }
  Chains out = chains;
  for (size_t c = 0; c < chains.size(); ++c)
    for (size_t i = 0; i < chains[c].size(); ++i) out[c][i] = z[c * chains[0].size() + i];
  return out;
}

double Mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

double Var(const std::vector<double>& v) {
  double m = Mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / double(v.size() - 1);
}

double RhatBasic(const Chains& ch) {
  const double n = double(ch[0].size());
  std::vector<double> means;
  double W = 0;
  for (const auto& c : ch) {
    means.push_back(Mean(c));
    W += Var(c);
  }
  W /= double(ch.size());
  double B = n * Var(means);
  if (!(W > 0)) return B > 0 ? std::numeric_limits<double>::infinity() : 1.0;
  return std::sqrt(((n - 1) / n * W + B / n) / W);
}

// Autocovariance of one chain at lags 0..n-1 (direct sums; chains here are short).
std::vector<double> Autocov(const std::vector<double>& x, size_t max_lag) {
  const size_t n = x.size();
  double m = Mean(x);
  std::vector<double> d(n);
  for (size_t i = 0; i < n; ++i) d[i] = x[i] - m;
  std::vector<double> ac(max_lag, 0.0);
  for (size_t l = 0; l < max_lag; ++l) {
    double s = 0;
    for (size_t i = 0; i + l < n; ++i) s += d[i] * d[i + l];
    ac[l] = s / double(n);
  }
  return ac;
}

// ESS with Geyer's initial monotone sequence over chains (Stan's formulation).
double Ess(const Chains& ch) {
  const size_t M = ch.size(), n = ch[0].size();
  if (n < 4) return double(M * n);
  std::vector<double> means(M), vars(M);
  for (size_t c = 0; c < M; ++c) {
    means[c] = Mean(ch[c]);
    vars[c] = Var(ch[c]);
  }
  double W = Mean(vars);
  double var_plus = W * (double(n) - 1) / double(n);
  if (M > 1) var_plus += Var(means);
  if (!(var_plus > 0)) return double(M * n);
  std::vector<double> mean_ac(n, 0.0);
  // Lags beyond the point where the pair sums go negative are never used; compute lazily in blocks.
  size_t computed = 0;
  std::vector<std::vector<double>> acs(M);
  auto ensure = [&](size_t lag) {
    if (lag < computed) return;
    size_t upto = std::min(n, std::max<size_t>(2 * computed, 64));
    while (upto <= lag) upto = std::min(n, upto * 2);
    for (size_t c = 0; c < M; ++c) acs[c] = Autocov(ch[c], upto);
    for (size_t l = 0; l < upto; ++l) {
      double s = 0;
      for (size_t c = 0; c < M; ++c) s += acs[c][l];
      mean_ac[l] = s / double(M);
    }
    computed = upto;
  };
  auto rho = [&](size_t t) {
    ensure(t);
    return 1.0 - (W - mean_ac[t] * double(n) / (double(n) - 1)) / var_plus;
  };
  // rho_0 = 1 by construction; pair sums P_k = rho_{2k} + rho_{2k+1}.
  double prev_pair = std::numeric_limits<double>::infinity(), tau_sum = 0;
  for (size_t t = 0; t + 1 < n; t += 2) {
    double pair = (t == 0 ? 1.0 : rho(t)) + rho(t + 1);
    if (pair < 0) break;
    pair = std::min(pair, prev_pair);  // initial monotone sequence
    prev_pair = pair;
    tau_sum += pair;
  }
  double tau = -1.0 + 2.0 * tau_sum;
  tau = std::max(tau, 1.0 / std::log10(double(M * n)));
  return double(M * n) / tau;
}

}  // namespace

double SplitRhat(const Chains& chains) {
  if (chains.empty() || chains[0].size() < 4) return std::numeric_limits<double>::quiet_NaN();
  Chains s = Split(chains);
  double bulk = RhatBasic(RankNormalize(s));
  // Folded draws catch chains that agree in location but not in scale.
  std::vector<double> all;
  for (const auto& c : s) all.insert(all.end(), c.begin(), c.end());
  double med = Quantile(all, 0.5);
  Chains folded = s;
  for (auto& c : folded)
    for (double& x : c) x = std::fabs(x - med);
  double tail = RhatBasic(RankNormalize(folded));
  return std::max(bulk, tail);
}

double EssBulk(const Chains& chains) {
  if (chains.empty() || chains[0].size() < 4) return std::numeric_limits<double>::quiet_NaN();
  return Ess(RankNormalize(Split(chains)));
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  double pos = q * double(v.size() - 1);
  size_t lo = size_t(std::floor(pos));
  size_t hi = std::min(v.size() - 1, lo + 1);
  std::nth_element(v.begin(), v.begin() + lo, v.end());
  double a = v[lo];
  double b = a;
  if (hi != lo) b = *std::min_element(v.begin() + lo + 1, v.end());
  return a + (pos - double(lo)) * (b - a);
}

}  // namespace adpilot::mmm
