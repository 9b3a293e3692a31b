#include "schedule/simulate.h"

#include <cmath>
#include <random>

#include <fmt/format.h>

namespace adpilot::mmm {

MmmData SimulateMmm(int weeks, int C, uint64_t seed, SimTruth* truth, double noise_frac) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> z(0, 1);
  SimTruth t;
  MmmData d;
  d.file = "simulated";
  d.spend.resize(weeks, C);
  d.control.resize(weeks, 0);
  for (int c = 0; c < C; ++c) {
    d.channels.push_back(fmt::format("ch{}", c));
    double scale = 100.0 * (1 + c);
    t.alpha.push_back(0.2 + 0.5 * u(rng));
    t.K.push_back(scale * (0.6 + 0.8 * u(rng)));
    t.gamma.push_back(0.8 + 0.8 * u(rng));
    t.beta.push_back(150 + 250 * u(rng));
    // Flighted spend: on in bursts, off otherwise, so carry-over is identifiable.
    for (int w = 0; w < weeks; ++w) {
      bool on = u(rng) < 0.7;
      d.spend(w, c) = on ? scale * std::exp(0.5 * z(rng)) : 0.0;
    }
  }
  for (int w = 0; w < weeks; ++w) {
    int64_t day = 16436 + 7 * int64_t(w);  // 2015-01-05 onwards
    // civil_from_days (Hinnant)
    int64_t zz = day + 719468, era = (zz >= 0 ? zz : zz - 146096) / 146097;
    unsigned doe = unsigned(zz - era * 146097), yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = int64_t(yoe) + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1,
             mm = mp < 10 ? mp + 3 : mp - 9;
    d.dates.push_back(fmt::format("{:04d}-{:02d}-{:02d}", y + (mm <= 2), mm, dd));
  }
  t.sigma = noise_frac * 1000;
  std::vector<double> media(weeks, 0.0);
  for (int c = 0; c < C; ++c) {
    auto contrib = TrueContribution(t, d, c);
    for (int w = 0; w < weeks; ++w) media[w] += contrib[w];
  }
  for (int w = 0; w < weeks; ++w) {
    double base = 1000 + 100.0 * w / weeks + 80 * std::sin(6.283185307179586 * w / 52.18);
    d.kpi.push_back(base + media[w] + t.sigma * z(rng));
  }
  if (truth) *truth = t;
  return d;
}

std::vector<double> TrueContribution(const SimTruth& t, const MmmData& d, int c) {
  std::vector<double> w;
  AdstockWeights(AdstockKind::kGeometric, &t.alpha[c], t.max_lag, true, w);
  const int n = d.rows();
  std::vector<double> x(n), a(n), out(n);
  for (int i = 0; i < n; ++i) x[i] = d.spend(i, c);
  Convolve(x.data(), n, w, a.data());
  double p[2] = {t.K[c], t.gamma[c]};
  for (int i = 0; i < n; ++i) out[i] = t.beta[c] * Saturate(SaturationKind::kHill, a[i], p);
  return out;
}

double TrueRoas(const SimTruth& t, const MmmData& d, int c, int rows) {
  auto contrib = TrueContribution(t, d, c);
  double s = 0, x = 0;
  for (int i = 0; i < rows; ++i) {
    s += contrib[i];
    x += d.spend(i, c);
  }
  return s / x;
}

}  // namespace adpilot::mmm
