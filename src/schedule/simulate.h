// Synthetic weekly MMM data with known parameters (geometric adstock, Hill
// saturation), for tests and benchmarks that check recovery and speed.
#pragma once

#include <cstdint>
#include <vector>

#include "adpilot/mmm.h"

namespace adpilot::mmm {

struct SimTruth {
  std::vector<double> alpha, K, gamma, beta;  // K in spend units, beta in KPI units
  int max_lag = 8;
  double sigma = 0;  // noise sd, KPI units
};

// Columns: date, kpi, ch0..ch{C-1}; baseline 1000 with trend and season.
MmmData SimulateMmm(int weeks, int channels, uint64_t seed, SimTruth* truth, double noise_frac = 0.03);
// True per-row contribution of channel c.
std::vector<double> TrueContribution(const SimTruth& t, const MmmData& d, int c);
// True ROAS over rows [0, rows).
double TrueRoas(const SimTruth& t, const MmmData& d, int c, int rows);

}  // namespace adpilot::mmm
