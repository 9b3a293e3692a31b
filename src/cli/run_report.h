// Turns the results of `adpilot run` into RUN_DIR/report.html: one section per
// stage, charts drawn from the steps' JSON outputs and the CSV files they wrote,
// each with a takeaway sentence computed from the numbers.
#pragma once

#include <string>
#include <vector>

#include "cli/run_pipeline.h"

namespace adpilot::cli {

struct RunReportSummary {
  size_t charts = 0;
  std::vector<std::pair<std::string, std::string>> key_figures;  // label, value (+ note)
};

RunReportSummary WriteRunReport(const Pipeline& p, const std::vector<StepResult>& results,
                                const std::string& run_dir, const std::string& path);

}  // namespace adpilot::cli
