// Small synthetic auction streams for the deliver tests: market prices from a
// skewed distribution correlated with pCTR, clicks drawn from the pCTR.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>

#include "adpilot/auction_log.h"

namespace adpilot::testing {

inline AuctionLog SyntheticLog(size_t n, uint64_t seed, double ctr_scale = 1.0) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> ctr(std::log(0.002 * ctr_scale), 1.0);
  std::normal_distribution<double> noise(0, 0.4);
  std::uniform_real_distribution<double> u(0, 1);
  AuctionLog log;
  log.source = "synthetic";
  for (size_t i = 0; i < n; ++i) {
    double p = std::min(0.5, ctr(rng));
    // Pricier impressions tend to be the better ones, as in real exchanges.
    double price = std::clamp(std::round(60 * std::exp(noise(rng)) * std::pow(p / 0.002, 0.3)), 1.0, 300.0);
    log.Add(u(rng) < p ? 1 : 0, float(price), float(p));
  }
  return log;
}

}  // namespace adpilot::testing
