// Laplace and Gaussian mechanisms, and the sequential-composition budget.
#include "adpilot/dp.h"

#include <cmath>

#include "adpilot/error.h"

namespace adpilot {

double DpMechanism::Scale(double sensitivity) const {
  if (!(epsilon > 0) || !std::isfinite(epsilon))
    Throw(ErrorCode::kInvalidArgument, "differential privacy: epsilon must be positive, got {}", epsilon);
  if (delta < 0 || delta >= 1)
    Throw(ErrorCode::kInvalidArgument, "differential privacy: delta must be in [0, 1), got {}", delta);
  if (delta > 0 && epsilon >= 1)
    Throw(ErrorCode::kInvalidArgument,
          "differential privacy: the Gaussian mechanism (delta > 0) is calibrated for epsilon < 1 per query, got {}",
          epsilon);
  const double s = std::fabs(sensitivity);
  return delta > 0 ? s * std::sqrt(2 * std::log(1.25 / delta)) / epsilon : s / epsilon;
}

double DpMechanism::Variance(double sensitivity) const {
  const double b = Scale(sensitivity);
  return delta > 0 ? b * b : 2 * b * b;
}

double DpMechanism::Noise(double sensitivity, std::mt19937_64& rng) const {
  const double b = Scale(sensitivity);
  if (b == 0) return 0;
  if (delta > 0) return std::normal_distribution<double>(0, b)(rng);
  // Laplace as the difference of two exponentials of mean b.
  std::exponential_distribution<double> e(1 / b);
  return e(rng) - e(rng);
}

void PrivacyBudget::Spend(double epsilon, double delta, const std::string& what) {
  const double tol = 1e-12 * std::max(1.0, epsilon_);
  if (eps_spent_ + epsilon > epsilon_ + tol || delta_spent_ + delta > delta_ + 1e-15)
    Throw(ErrorCode::kInvalidArgument,
          "privacy budget spent: {} needs epsilon {:g} (delta {:g}), but only {:g} (delta {:g}) of {:g} is left", what,
          epsilon, delta, std::max(0.0, epsilon_ - eps_spent_), std::max(0.0, delta_ - delta_spent_), epsilon_);
  eps_spent_ += epsilon;
  delta_spent_ += delta;
}

}  // namespace adpilot
