// Rank-based ROC AUC of the profile figures. The profile stage keeps its own
// (doubles, char labels, no weights) so it needs nothing from evaluate.
#include "profile/rank_auc.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace adpilot {

double RankAuc(const std::vector<double>& s, const std::vector<char>& y) {
  std::vector<size_t> o(s.size());
  for (size_t i = 0; i < o.size(); ++i) o[i] = i;
  std::sort(o.begin(), o.end(), [&](size_t a, size_t b) { return s[a] < s[b]; });
  double pos = 0, neg = 0, rank_sum = 0;
  for (size_t i = 0; i < o.size();) {
    size_t j = i;
    while (j < o.size() && s[o[j]] == s[o[i]]) ++j;
    double avg_rank = (double(i) + double(j - 1)) / 2.0 + 1.0;
    for (size_t t = i; t < j; ++t)
      if (y[o[t]]) rank_sum += avg_rank;
    i = j;
  }
  for (char v : y) (v ? pos : neg) += 1;
  if (pos == 0 || neg == 0) return std::nan("");
  return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg);
}

}  // namespace adpilot
