// Response curves with a closed-form optimum for the allocator tests:
// KPI_c(s) = a_c * (1 - exp(-s / b_c)), concave, marginal a/b exp(-s/b).
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "adpilot/allocator.h"

namespace adpilot::mmm::testing {

class ExpCurves : public ResponseModel {
 public:
  ExpCurves(std::vector<double> a, std::vector<double> b) : a_(std::move(a)), b_(std::move(b)) {}
  int channels() const override { return int(a_.size()); }
  std::string name(int c) const override { return "c" + std::to_string(c); }
  double Value(int c, double s, double* d) const override {
    if (d) *d = a_[c] / b_[c] * std::exp(-s / b_[c]);
    return a_[c] * (1 - std::exp(-s / b_[c]));
  }

 private:
  std::vector<double> a_, b_;
};

}  // namespace adpilot::mmm::testing
