// Rank-based ROC AUC shared by the profile figures (kNN labels, item ranking).
#pragma once

#include <vector>

namespace adpilot {
// Ties count 1/2; NaN when one class is absent.
double RankAuc(const std::vector<double>& s, const std::vector<char>& y);
}  // namespace adpilot
