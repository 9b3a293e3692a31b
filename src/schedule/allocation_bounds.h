// Assembles an allocation's per-channel bounds: extrapolation guard, --bounds, --lock.
#pragma once

#include <string>
#include <vector>

#include "adpilot/allocator.h"

namespace adpilot::mmm {

struct SplitBounds {
  std::vector<double> lo, hi;
  std::vector<std::string> source;    // "guard", "bounds", "lock", "none"
  double widen_lo = 1, widen_hi = 1;  // factors applied to the guard's ends to fit the budget
};

// `current` is the current split scaled to `budget` (what relative bounds and
// locks refer to); observed_lo/hi come from ObservedSpendRange.
SplitBounds BuildBounds(const MmmModel& m, const AllocateOptions& o, const std::vector<double>& current, double budget,
                        const std::vector<double>& observed_lo, const std::vector<double>& observed_hi);

}  // namespace adpilot::mmm
