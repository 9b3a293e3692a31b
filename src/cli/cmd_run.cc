// adpilot run CONFIG --out RUN_DIR: the main job, end to end, with a report.
#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/pipeline.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

void InstallRun(CLI::App& app, Globals& g) {
  struct Args {
    std::string config, out = "run", pseudonymise;
    double dp_budget = 0;
    std::vector<std::string> vars;
    bool force = false, json = false, no_report = false, report_only = false, ip_truncate = false;
  };
  auto a = std::make_shared<Args>();
  auto* run = app.add_subcommand("run", "run a whole pipeline from a TOML config and write report.html");
  run->add_option("config", a->config, "pipeline config (see examples/demo.toml)")->required();
  run->add_option("--out", a->out, "run directory (created; steps whose inputs did not change are reused)");
  run->add_option("--var", a->vars, "NAME=VALUE: replace the config's [vars] entry NAME (repeatable)");
  run->add_flag("--force", a->force, "rerun every step even when its inputs did not change");
  run->add_flag("--no-report", a->no_report, "skip report.html");
  run->add_flag("--report-only", a->report_only,
                "run nothing: redraw report.html from the results RUN_DIR/steps holds (after upgrading adpilot)");
  run->add_flag("--json", a->json, "print the summary as one JSON object on stdout");
  run->add_option("--pseudonymise", a->pseudonymise,
                  "key file: every step that reads logs or users' texts pseudonymises user, device and IP columns "
                  "with it (HMAC-SHA256; created with mode 0600 when absent)");
  run->add_flag("--ip-truncate", a->ip_truncate, "every such step cuts IP columns to /24 or /48 instead");
  run->add_option("--dp-budget", a->dp_budget,
                  "privacy budget: the epsilons of the steps with --dp-epsilon add up to at most this; a step that "
                  "would exceed it fails before it runs (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  run->callback([a, &g] {
    namespace fs = std::filesystem;
    fs::create_directories(a->out);
    using namespace run;
    std::map<std::string, std::string> overrides;
    for (const auto& v : a->vars) {
      size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0) Throw(ErrorCode::kInvalidArgument, "--var '{}': expected NAME=VALUE", v);
      overrides[v.substr(0, eq)] = v.substr(eq + 1);
    }
    Pipeline p = LoadPipeline(a->config, a->out, overrides);
    if (!a->pseudonymise.empty()) p.step_defaults["pseudonymise"] = a->pseudonymise;
    if (a->ip_truncate) p.step_defaults["ip_truncate"] = true;
    p.dp_budget = a->dp_budget;
    std::string exe = fs::read_symlink("/proc/self/exe").string();
    auto t0 = std::chrono::steady_clock::now();
    std::vector<StepResult> results;
    std::string failure;
    ErrorCode failure_code = ErrorCode::kInternal;
    if (a->report_only && (a->force || a->no_report))
      Throw(ErrorCode::kInvalidArgument, "--report-only runs nothing: it cannot go with --force or --no-report");
    try {
      if (a->report_only) results = LoadStepResults(p, a->out);
      else RunPipeline(p, MakeContext(g), exe, a->out, a->force, results);
    } catch (const Error& e) {
      failure = e.what();
      failure_code = e.code();
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json summary{{"title", p.title},
                           {"config", a->config},
                           {"run_dir", fs::absolute(a->out).string()},
                           {"seconds", seconds},
                           {"ok", failure.empty()}};
    if (a->report_only) summary["report_only"] = true;
    auto steps = nlohmann::json::array();
    for (const auto& r : results)
      steps.push_back(
          {{"name", r.name}, {"stage", r.stage}, {"status", r.status}, {"seconds", r.seconds}, {"error", r.error}});
    summary["steps"] = steps;
    if (double spent = DpEpsilonSpent(results); spent > 0) summary["dp_epsilon_spent"] = spent;
    std::string report = (fs::path(a->out) / "report.html").string();
    std::vector<std::pair<std::string, std::string>> figures;
    if (failure.empty() && !a->no_report) {
      RunReportSummary rs = WriteRunReport(p, results, a->out, report);
      figures = rs.key_figures;
      summary["report"] = fs::absolute(report).string();
      summary["charts"] = rs.charts;
      nlohmann::json figures = nlohmann::json::object();
      for (const auto& [label, value] : rs.key_figures) figures[label] = value;
      summary["key_figures"] = figures;
    }
    if (!failure.empty()) summary["error"] = failure;
    WriteFileAtomic((fs::path(a->out) / "summary.json").string(), summary.dump(2));
    if (a->json) {
      PrintJson(summary);
    } else {
      fmt::print("\n{}\n", p.title);
      for (const auto& r : results)
        fmt::print("  {:<26} {:<9} {:>7.1f}s{}\n", r.name, r.status, r.seconds, r.error.empty() ? "" : "  " + r.error);
      fmt::print("  total {:.1f}s\n", seconds);
      // In the report's order (the pipeline's), aligned on the longest label.
      if (!figures.empty()) {
        size_t width = 0;
        for (const auto& [label, value] : figures) width = std::max(width, label.size());
        fmt::print("\n");
        for (const auto& [label, value] : figures) fmt::print("  {:<{}}  {}\n", label, width, value);
      }
      if (summary.contains("report")) fmt::print("\nreport:  {}\n", summary["report"].get<std::string>());
      fmt::print("summary: {}\n", fs::absolute(fs::path(a->out) / "summary.json").string());
    }
    if (!failure.empty()) throw Error(failure_code, failure);
  });
}

ADPILOT_CLI_COMMAND(90, InstallRun);

}  // namespace
}  // namespace adpilot::cli
