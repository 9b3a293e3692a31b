// The sections of the `adpilot run` report. Each stage contributes its own
// (src/<stage>/<stage>_report.cc), next to the commands whose JSON it draws,
// and registers it by stage name; the run's report (src/run) only orders them
// and adds what no section recognises. A section reads the steps' JSON
// results, never the commands' internals, so it draws a cached step exactly
// as a fresh one.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adpilot/report.h"

namespace adpilot {

// One step of the run, as a section sees it.
struct ReportStep {
  std::string name;
  std::string stage;
  nlohmann::json output;  // the command's JSON result (an object)
};

struct ReportInputs {
  std::string run_dir;                   // files the steps wrote are under it
  std::vector<ReportStep> all;           // every step, in run order (output null when it gave none)
  std::vector<const ReportStep*> steps;  // those of the section's stage
  // The last calibration harness runs (calibration.json beside the chart
  // libraries, written by bench/calibration/; docs/calibration.md), or null.
  nlohmann::json calibration;
  // The result of the first step with this name, or null.
  const nlohmann::json* Find(const std::string& step_name) const;
};

using ReportSectionFn = void (*)(Report& r, const ReportInputs& in);

struct ReportSection {
  std::string stage;  // the `stage` of the steps it draws
  int order;          // place in the report: the order the pipeline flows
  std::string title;
  ReportSectionFn add;  // adds nothing when it recognises none of the steps
};

bool RegisterReportSection(ReportSection section);
// Every registered section, by order.
std::vector<ReportSection> ReportSections();

}  // namespace adpilot

// ADPILOT_REPORT_SECTION(stage, order, title, fn) registers fn as the stage's section.
#define ADPILOT_REPORT_SECTION_CAT2(a, b) a##b
#define ADPILOT_REPORT_SECTION_CAT(a, b) ADPILOT_REPORT_SECTION_CAT2(a, b)
#define ADPILOT_REPORT_SECTION(stage, order, title, fn)                                              \
  static const bool ADPILOT_REPORT_SECTION_CAT(adpilot_report_section_, __LINE__) [[maybe_unused]] = \
      ::adpilot::RegisterReportSection({stage, order, title, fn})
