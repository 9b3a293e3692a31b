// No-U-Turn sampler (Hoffman & Gelman 2014) in the multinomial form Stan uses:
// diagonal metric, dual-averaging step size and windowed metric adaptation.
// Generic over a log density with gradient; one call runs one chain.
#pragma once

#include <cstdint>
#include <functional>
#include <random>

#include <Eigen/Core>

namespace adpilot::mmm {

// Returns log p(q) (up to a constant) and fills grad; -inf/NaN marks an invalid point.
using LogDensityFn = std::function<double(const Eigen::VectorXd& q, Eigen::VectorXd& grad)>;

struct NutsOptions {
  int warmup = 1000;
  int draws = 1000;
  int max_depth = 10;
  double target_accept = 0.85;
  // Dense metric (full covariance from the warmup windows): fewer leapfrog steps
  // when parameters are correlated, as beta, K and gamma of a channel are.
  bool dense = true;
};

struct NutsChain {
  Eigen::MatrixXd draws;  // draws x dim
  int divergences = 0;    // after warmup
  double step_size = 0;
  double mean_accept = 0;
  double mean_depth = 0;
  int64_t gradients = 0;
};

// `progress` (may be empty) is called after every iteration with its index.
NutsChain RunNuts(const LogDensityFn& logp, Eigen::VectorXd init, const NutsOptions& opts, std::mt19937_64& rng,
                  const std::function<void(int)>& progress = {});

}  // namespace adpilot::mmm
