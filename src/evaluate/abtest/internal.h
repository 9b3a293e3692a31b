// Pieces shared by the A/B analysis files (per-unit rows and aggregates).
#pragma once

#include <string>
#include <vector>

#include "adpilot/abtest.h"

namespace adpilot::abtest {

// One treatment against the control for one metric. For proportions and means
// only the first pair of vectors is used; ratio metrics also use the denominators.
struct ArmPair {
  std::string treatment;
  const std::vector<double>& t;
  const std::vector<double>& c;
  const std::vector<double>& t_den;
  const std::vector<double>& c_den;
  std::string kind;  // proportion | mean | ratio
  bool cuped = false;
};
MetricResult CompareArms(const ArmPair& p, double alpha, double power);

// Fills the comparison from summary statistics (shared with aggregates input).
MetricResult CompareProportions(const std::string& treatment, double x_t, double n_t, double x_c, double n_c,
                                double alpha, double power);
MetricResult CompareMeans(const std::string& treatment, const MeanStats& t, const MeanStats& c, double alpha,
                          double power);

// The readout from noisy counts and sums only (AbOptions::dp_epsilon > 0): one
// metric vector per metric, per unit in `arm`'s order.
AbReport AnalyzeExperimentDp(const std::vector<std::string>& names, const std::vector<int>& arm,
                             const std::vector<double>& shares, const std::vector<std::string>& metric_names,
                             const std::vector<std::vector<double>>& metrics, const AbOptions& o, const Context& ctx);

// BH across results, then the verdict from the primary (first) metric.
void FinishReport(AbReport& rep, double alpha, bool sequential, double mde);

}  // namespace adpilot::abtest
