// Differential privacy for released aggregates: calibrated Laplace (pure
// epsilon-DP) or Gaussian ((epsilon, delta)-DP) noise for counts and sums whose
// per-user contribution is bounded, and a budget that refuses a query once the
// epsilon it allows is spent (sequential composition). docs/privacy.md.
#pragma once

#include <random>
#include <string>

namespace adpilot {

struct DpMechanism {
  double epsilon = 0;  // of this one query; > 0
  double delta = 0;    // > 0: Gaussian (needs epsilon < 1), 0: Laplace
  // Laplace: b = sensitivity / epsilon with `sensitivity` the L1 sensitivity.
  // Gaussian: sigma = sensitivity * sqrt(2 ln(1.25 / delta)) / epsilon (Dwork &
  // Roth, Theorem A.1) with the L2 sensitivity; for one scalar query both are |max change|.
  double Scale(double sensitivity) const;
  double Variance(double sensitivity) const;  // of the noise: 2 b^2, or sigma^2
  double Noise(double sensitivity, std::mt19937_64& rng) const;
  const char* name() const { return delta > 0 ? "gaussian" : "laplace"; }
};

// Sequential composition: the epsilons (and deltas) of the queries add up.
class PrivacyBudget {
 public:
  PrivacyBudget(double epsilon, double delta) : epsilon_(epsilon), delta_(delta) {}
  // Throws kInvalidArgument naming `what` when the query would exceed the budget.
  void Spend(double epsilon, double delta, const std::string& what);
  double epsilon_spent() const { return eps_spent_; }
  double delta_spent() const { return delta_spent_; }
  double epsilon_left() const { return epsilon_ - eps_spent_; }

 private:
  double epsilon_, delta_, eps_spent_ = 0, delta_spent_ = 0;
};

}  // namespace adpilot
