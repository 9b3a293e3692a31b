// `adpilot run CONFIG`: a pipeline of adpilot commands described in TOML, run
// in order, in this process, into one run directory. A step names a library
// command (adpilot/command.h) and its options, as typed TOML values or as a
// command line; the command's JSON result is kept and later steps can read it.
// A step whose options and input files (by content hash) did not change is
// reused, so editing the allocator does not retrain the models.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"

namespace adpilot::run {

struct PipelineStep {
  std::string name;                                   // unique, e.g. "predict-ffm"
  std::string stage;                                  // data|gen|predict|schedule|deliver|evaluate|profile
  std::string command;                                // "train", "mmm allocate" (or the leading words of args)
  nlohmann::json options = nlohmann::json::object();  // typed values of [step.options]
  std::vector<std::string> args;                      // or: a command line, after placeholder expansion
  std::optional<int> threads;                         // the command line's --threads (default 1)
  std::optional<uint64_t> seed;                       // the command line's --seed (default: Context's)
  bool json = true;                                   // keep the command's JSON as the step's result
  bool optional = false;                              // a failure is reported but does not stop the run
  bool enabled = true;                                // `when` held: a step that does not run is "skipped"
};

struct Pipeline {
  std::string title = "adpilot run";
  std::string config_path;
  std::map<std::string, std::string> vars;  // {name} placeholders
  std::vector<PipelineStep> steps;
  // Options set on every step whose command declares them, below the step's own
  // (`adpilot run --pseudonymise KEYFILE --ip-truncate`).
  nlohmann::json step_defaults = nlohmann::json::object();
  // The run's privacy budget (`adpilot run --dp-budget E`): the epsilons of the
  // steps that release noisy aggregates (their dp_epsilon option) add up, and a
  // step that would exceed it fails before it runs. 0 = no limit (still counted).
  double dp_budget = 0;
};

// Parses the TOML file; {run} expands to the run directory, {config_dir} to the
// config's folder, {shared} to ../shared/data beside the checkout if present,
// and [vars] entries to their values. Unknown keys are errors naming the key.
// `overrides` (`adpilot run --var NAME=VALUE`) replace [vars] entries of those
// names (an unknown name is an error); their values may hold placeholders too.
// A step's `when = "A == B"` (or "A != B", "true", "false"), placeholders
// expanded, decides whether the step runs.
Pipeline LoadPipeline(const std::string& path, const std::string& run_dir,
                      const std::map<std::string, std::string>& overrides = {});

struct StepResult {
  std::string name, stage, status;  // status: ran | cached | failed | skipped
  double seconds = 0;
  nlohmann::json output;  // the command's JSON (null if none)
  std::string error;
};

// The epsilon a run's steps spent (their JSON's dp.epsilon_spent), ran or cached.
double DpEpsilonSpent(const std::vector<StepResult>& results);

// Runs the steps in process with `ctx`'s logger and progress (each step gets
// its own threads and seed). `exe` is this adpilot binary: part of every
// step's reuse key. Writes RUN_DIR/steps/NAME.json and NAME.key. Appends each
// step's result to `results` as it finishes, then throws when a required step
// fails (the results so far stay for the summary).
void RunPipeline(const Pipeline& p, const Context& ctx, const std::string& exe, const std::string& run_dir, bool force,
                 std::vector<StepResult>& results);

// The results a previous run saved in RUN_DIR/steps (NAME.json, and
// NAME.seconds for how long it ran), status "cached", without running anything:
// `adpilot run --report-only` redraws the report from them. A step the run
// skipped by its `when` is "skipped"; one with no saved result is a kNotFound
// error naming it.
std::vector<StepResult> LoadStepResults(const Pipeline& p, const std::string& run_dir);

struct RunReportSummary {
  size_t charts = 0;
  std::vector<std::pair<std::string, std::string>> key_figures;  // label, value (+ note)
};

// RUN_DIR/report.html: one section per stage, charts drawn from the steps'
// JSON outputs and the CSV files they wrote, each with a takeaway sentence.
RunReportSummary WriteRunReport(const Pipeline& p, const std::vector<StepResult>& results, const std::string& run_dir,
                                const std::string& path);

}  // namespace adpilot::run
