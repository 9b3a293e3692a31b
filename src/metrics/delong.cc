// DeLong's paired AUC comparison: each positive's placement is the share of
// negatives it outranks (ties 1/2), each negative's the share of positives
// that outrank it; the AUC is their mean, and its (co)variance is the
// (co)variance of the placements over each class.
#include <algorithm>
#include <cmath>
#include <vector>

#include "adpilot/error.h"
#include "adpilot/metrics.h"

namespace adpilot {
namespace {

// Placements of one scoring: v10 per positive row, v01 per negative row.
void Placements(const std::vector<float>& s, const std::vector<float>& label, std::vector<double>& v10,
                std::vector<double>& v01) {
  std::vector<float> pos, neg;
  for (size_t i = 0; i < s.size(); ++i) (label[i] > 0.5f ? pos : neg).push_back(s[i]);
  std::sort(pos.begin(), pos.end());
  std::sort(neg.begin(), neg.end());
  v10.clear(), v01.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    const float x = s[i];
    if (label[i] > 0.5f) {
      auto lo = std::lower_bound(neg.begin(), neg.end(), x), hi = std::upper_bound(neg.begin(), neg.end(), x);
      v10.push_back((double(lo - neg.begin()) + 0.5 * double(hi - lo)) / double(neg.size()));
    } else {
      auto lo = std::lower_bound(pos.begin(), pos.end(), x), hi = std::upper_bound(pos.begin(), pos.end(), x);
      v01.push_back((double(pos.end() - hi) + 0.5 * double(hi - lo)) / double(pos.size()));
    }
  }
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

double Cov(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = Mean(a), mb = Mean(b);
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - ma) * (b[i] - mb);
  return s / double(a.size() - 1);
}

}  // namespace

double AucComparison::diff_se() const { return std::sqrt(std::max(0.0, var_a + var_b - 2 * cov)); }

AucComparison DeLongAuc(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& label) {
  if (a.size() != label.size() || b.size() != label.size())
    Throw(ErrorCode::kInvalidArgument, "DeLong AUC: {} and {} scores for {} labels", a.size(), b.size(), label.size());
  for (size_t i = 0; i < a.size(); ++i)
    if (std::isnan(a[i]) || std::isnan(b[i])) Throw(ErrorCode::kInvalidArgument, "DeLong AUC: NaN score at row {}", i);
  std::vector<double> a10, a01, b10, b01;
  Placements(a, label, a10, a01);
  Placements(b, label, b10, b01);
  if (a10.size() < 2 || a01.size() < 2)
    Throw(ErrorCode::kInvalidArgument, "DeLong AUC: needs at least 2 rows of each class ({} positive, {} negative)",
          a10.size(), a01.size());
  const double m = double(a10.size()), n = double(a01.size());
  AucComparison c;
  c.auc_a = Mean(a10);
  c.auc_b = Mean(b10);
  c.var_a = Cov(a10, a10) / m + Cov(a01, a01) / n;
  c.var_b = Cov(b10, b10) / m + Cov(b01, b01) / n;
  c.cov = Cov(a10, b10) / m + Cov(a01, b01) / n;
  return c;
}

}  // namespace adpilot
