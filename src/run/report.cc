#include "adpilot/pipeline.h"

#include <filesystem>

#include <fmt/format.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/report.h"
#include "adpilot/report_section.h"

namespace adpilot::run {

namespace {

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

RunReportSummary WriteRunReport(const Pipeline& p, const std::vector<StepResult>& results, const std::string& run_dir,
                                const std::string& path) {
  std::string assets = FindReportAssets();
  if (assets.empty())
    Throw(ErrorCode::kNotFound,
          "report chart libraries not found (vega.min.js): run scripts/install-deps.sh, or set ADPILOT_ASSETS");
  double total = 0;
  for (const auto& s : results) total += s.seconds;
  // The paths as the user gave them: the report names no more of the machine than that.
  Report report(p.title, fmt::format("{} steps from {}; run directory {}", results.size(), p.config_path, run_dir));
  // Each stage's own section (src/<stage>/<stage>_report.cc), in pipeline
  // order; a stage's steps that its section does not recognise get a table of
  // their scalars.
  ReportInputs in;
  in.run_dir = run_dir;
  // The calibration badges' source; a report without it just has no badge.
  const std::string calibration = assets + "/calibration.json";
  if (std::filesystem::exists(calibration)) {
    try {
      in.calibration = nlohmann::json::parse(ReadFile(calibration));
    } catch (const std::exception&) {
      in.calibration = nullptr;
    }
  }
  in.all.reserve(results.size());
  for (const auto& s : results) in.all.push_back({s.name, s.stage, s.output});
  for (const ReportSection& section : ReportSections()) {
    in.steps.clear();
    for (const auto& s : in.all)
      if (s.stage == section.stage && s.output.is_object()) in.steps.push_back(&s);
    if (in.steps.empty()) continue;
    report.AddSection(section.title);
    size_t before = report.item_count();
    section.add(report, in);
    if (report.item_count() == before)
      for (const auto& s : results)
        if (s.stage == section.stage && s.output.is_object()) AddScalarTable(report, s);
  }
  if (double spent = DpEpsilonSpent(results); spent > 0)
    report.AddKeyFigure("privacy: epsilon spent", fmt::format("{:g}", spent),
                        p.dp_budget > 0 ? fmt::format("of the run's budget {:g} (differential privacy)", p.dp_budget)
                                        : std::string("by the steps' noisy aggregates (differential privacy)"));
  std::vector<std::vector<std::string>> rows;
  rows.reserve(results.size());
  for (const auto& s : results) rows.push_back({s.name, s.stage, s.status, fmt::format("{:.1f}", s.seconds)});
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
