// Convergence diagnostics of Vehtari et al. (2021): rank-normalised split R-hat
// (max of bulk and folded) and bulk effective sample size.
#pragma once

#include <vector>

namespace adpilot::mmm {

// chains[c][i] = draw i of chain c (all chains the same length).
double SplitRhat(const std::vector<std::vector<double>>& chains);
double EssBulk(const std::vector<std::vector<double>>& chains);

// Quantile (type 7, linear interpolation) of unsorted values; q in [0, 1].
double Quantile(std::vector<double> v, double q);

}  // namespace adpilot::mmm
