// The exact, batch solver of `lr --solver lbfgs`: L-BFGS (NLopt) on the
// regularised log-likelihood, each gradient a sum over every rank's rows
// (one allreduce per evaluation, as Vowpal Wabbit's --bfgs), so N ranks reach
// the optimum one process reaches.
#pragma once

#include <cstddef>
#include <vector>

#include "adpilot/model.h"

namespace adpilot::predict {

struct LbfgsConfig {
  size_t dim = 0;           // weights 0..dim-1 plus the bias at dim
  double l2 = 1.0;          // l2/2 ||w||^2 (the bias is not regularised)
  int max_passes = 100;     // objective evaluations, one pass over the data each
  double tolerance = 1e-9;  // relative change of the objective that stops it
};

// Minimises Σ weight * logloss + l2/2 ||w||^2 over `train` (all ranks'
// rows), from `w` (size dim + 1). Fills r's rows, passes and per-pass losses.
void FitLogisticLbfgs(ExampleSource& train, const LbfgsConfig& cfg, const Context& ctx, std::vector<double>& w,
                      TrainReport& r);

}  // namespace adpilot::predict
