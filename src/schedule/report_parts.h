// The pieces of the schedule section of the run report (schedule_report.cc):
// the MMM pages (mmm_page.cc) and the allocation (schedule_report.cc).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "adpilot/report.h"
#include "adpilot/report_section.h"

namespace adpilot::schedule_report {

// The world's truth file (truth.json) when the run generated one, else null.
nlohmann::json WorldTruth(const ReportInputs& in);
// Rows of a CSV file as JSON objects (numbers where a cell parses as one); empty when absent.
nlohmann::json CsvRows(const std::string& dir, const std::string& file);

// Robyn's one-pager for an `mmm fit` result: diagnostics badge, fitted vs
// actual, decomposition over time, ROAS with truth, adstock decay, parameters.
void AddMmmPages(Report& r, const nlohmann::json& fit, const nlohmann::json& truth);

}  // namespace adpilot::schedule_report
