#include "adpilot/pipeline.h"

#include <filesystem>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/report.h"
#include "run/charts.h"

namespace adpilot::run {

namespace {

const char* kStageOrder[] = {"gen", "data", "profile", "predict", "schedule", "deliver", "evaluate"};

const char* StageTitle(const std::string& s) {
  if (s == "gen") return "The world";
  if (s == "data") return "What the data says";
  if (s == "profile") return "Who the users are";
  if (s == "predict") return "Which model predicts best";
  if (s == "schedule") return "Where the budget should go";
  if (s == "deliver") return "How to bid";
  if (s == "evaluate") return "What the experiment shows";
  return "Other steps";
}

std::string Scalar(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return fmt::format("{}", v.get<int64_t>());
  if (v.is_number_float()) return fmt::format("{:.4g}", v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string()) return v.get<std::string>();
  return "";
}

// Top-level scalars of a step's JSON, for steps no chart builder knows.
void AddScalarTable(Report& r, const StepResult& s) {
  std::vector<std::vector<std::string>> rows;
  for (auto it = s.output.begin(); it != s.output.end(); ++it) {
    std::string v = Scalar(it.value());
    if (!v.empty() && v.size() < 80) rows.push_back({it.key(), v});
  }
  if (!rows.empty())
    r.AddTable(s.name, {"field", "value"}, rows,
               fmt::format("Step {} ({}) finished in {:.1f} s.", s.name, s.status, s.seconds));
}

}  // namespace

RunReportSummary WriteRunReport(const Pipeline& p, const std::vector<StepResult>& results,
                      const std::string& run_dir, const std::string& path) {
  std::string assets = FindReportAssets();
  if (assets.empty())
    Throw(ErrorCode::kNotFound,
          "report chart libraries not found (vega.min.js): run scripts/install-deps.sh, or set ADPILOT_ASSETS");
  double total = 0;
  for (const auto& s : results) total += s.seconds;
  Report report(p.title, fmt::format("{} steps from {}; run directory {}", results.size(), p.config_path,
                                     std::filesystem::absolute(run_dir).string()));
  ChartContext cc{run_dir, results};
  for (const char* stage : kStageOrder) {
    std::vector<const StepResult*> steps;
    for (const auto& s : results)
      if (s.stage == stage && s.output.is_object()) steps.push_back(&s);
    if (steps.empty()) continue;
    report.AddSection(StageTitle(stage));
    size_t before = report.item_count();
    AddStageCharts(report, stage, steps, cc);
    if (report.item_count() == before)
      for (const auto* s : steps) AddScalarTable(report, *s);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : results)
    rows.push_back({s.name, s.stage, s.status, fmt::format("{:.1f}", s.seconds)});
  report.AddSection("How this report was made",
                    "Every number above was computed by the steps below; cached steps reused earlier outputs "
                    "because their inputs and options did not change.");
  report.AddTable("Steps", {"step", "stage", "status", "seconds"}, rows,
                  fmt::format("{} steps, {:.1f} s of work in this run.", results.size(), total));
  report.Write(path, assets);
  RunReportSummary out;
  out.charts = report.chart_count();
  for (const auto& k : report.key_figures())
    out.key_figures.push_back({k.label, k.note.empty() ? k.value : k.value + "  (" + k.note + ")"});
  return out;
}

}  // namespace adpilot::run
