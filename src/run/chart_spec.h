// Vega-Lite building blocks and the per-stage chart builders of the run
// report (private to src/cli; run_charts.h is the entry point).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/charts.h"

namespace adpilot::run::charts {

using nlohmann::json;

json Enc(const std::string& field, const std::string& type, const std::string& title);
json Bar(const json& values, const std::string& x, const std::string& y, const std::string& xtitle,
         const std::string& ytitle);
json Lines(const json& values, const std::string& x, const std::string& y, const std::string& color,
           const std::string& xtitle, const std::string& ytitle);
// o[key] when it is a number, else dflt.
double Num(const json& o, const char* key, double dflt = std::nan(""));
// A step's CSV output as JSON rows (numbers where a cell parses as one), read
// with the evaluate stage's quoted-CSV reader. A file that does not parse gives
// no rows, so its chart is left out rather than the report failing.
json ReadCsv(const std::string& path, size_t max_rows = 5000);

using Steps = std::vector<const StepResult*>;
void GenCharts(Report& r, const Steps& steps);
void DataCharts(Report& r, const Steps& steps);
void PredictCharts(Report& r, const Steps& steps, const ChartContext& cc);
void ScheduleCharts(Report& r, const Steps& steps, const ChartContext& cc);
void DeliverCharts(Report& r, const Steps& steps);
void EvaluateCharts(Report& r, const Steps& steps, const ChartContext& cc);
void ProfileCharts(Report& r, const Steps& steps);

}  // namespace adpilot::run::charts
