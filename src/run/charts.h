// Chart builders of the run report, one per stage, reading the steps' JSON.
#pragma once

#include <string>
#include <vector>

#include "adpilot/report.h"
#include "adpilot/pipeline.h"

namespace adpilot::run {

struct ChartContext {
  std::string run_dir;
  const std::vector<StepResult>& all;
  // The output of the first step with this name, or null.
  const nlohmann::json* Find(const std::string& name) const {
    for (const auto& s : all)
      if (s.name == name && s.output.is_object()) return &s.output;
    return nullptr;
  }
};

// Adds the charts of one stage; adds nothing when the outputs are not recognised.
void AddStageCharts(Report& r, const std::string& stage, const std::vector<const StepResult*>& steps,
                    const ChartContext& cc);

}  // namespace adpilot::run
