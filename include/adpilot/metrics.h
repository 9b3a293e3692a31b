// Offline metrics for probabilistic predictions. All take optional per-row
// weights (empty = all 1). Inputs with a NaN prediction are an error, never a NaN result.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "adpilot/registry.h"

namespace adpilot {

// Exact ROC AUC, tie-aware (tied scores count 1/2), O(n log n). Returns NaN
// only when one class is absent (AUC undefined); callers report that in words.
double Auc(const std::vector<float>& pred, const std::vector<float>& label, const std::vector<float>& weight = {});
// Mean binary cross-entropy, predictions clipped to [1e-15, 1 - 1e-15].
double LogLoss(const std::vector<float>& pred, const std::vector<float>& label, const std::vector<float>& weight = {});
// Logloss divided by the entropy of the base rate (He et al. 2014): < 1 beats the prior.
double NormalizedEntropy(const std::vector<float>& pred, const std::vector<float>& label,
                         const std::vector<float>& weight = {});
// Σ pred / Σ label (1 = calibrated on average).
double CalibrationRatio(const std::vector<float>& pred, const std::vector<float>& label,
                        const std::vector<float>& weight = {});
double Rmse(const std::vector<float>& pred, const std::vector<float>& label, const std::vector<float>& weight = {});

// DeLong, DeLong & Clarke-Pearson (1988): the AUCs of two scorings of the
// same rows, their variances and covariance from the placement values, so a
// difference of AUCs gets an interval that accounts for the pairing. For one
// model pass the same scores twice. Needs both classes (kInvalidArgument).
struct AucComparison {
  double auc_a = 0, auc_b = 0;
  double var_a = 0, var_b = 0, cov = 0;
  double diff() const { return auc_a - auc_b; }
  double diff_se() const;  // sqrt(var_a + var_b - 2 cov), 0 when negative by rounding
};
AucComparison DeLongAuc(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& label);

struct ReliabilityBin {
  double lo, hi;      // prediction range
  double weight;      // rows (weighted) in the bin
  double mean_pred;   // average prediction
  double mean_label;  // observed rate
};
// Equal-width bins over [0, 1]; empty bins are omitted.
std::vector<ReliabilityBin> ReliabilityBins(const std::vector<float>& pred, const std::vector<float>& label,
                                            int bins = 10, const std::vector<float>& weight = {});

struct RocPoint {
  double fpr, tpr, threshold;
};
// ROC curve thinned to at most `max_points` points (always keeping (0,0) and
// (1,1)), tie-aware: tied scores form one step. Empty when a class is absent.
std::vector<RocPoint> RocCurve(const std::vector<float>& pred, const std::vector<float>& label, size_t max_points = 101,
                               const std::vector<float>& weight = {});

// Metrics by name ("auc", "logloss", "ne", "calibration", "rmse"), for reports and early stopping.
class Metric {
 public:
  virtual ~Metric() = default;
  virtual double Eval(const std::vector<float>& pred, const std::vector<float>& label,
                      const std::vector<float>& weight) const = 0;
  virtual bool higher_is_better() const = 0;
};
using MetricRegistry = Registry<Metric>;

}  // namespace adpilot
