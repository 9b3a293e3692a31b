// `adpilot run CONFIG`: a pipeline of adpilot commands described in TOML, run
// in order into one run directory. Each step's JSON output is kept; a step whose
// command line and input files (by content hash) did not change is reused, so
// editing the allocator does not retrain the models.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace adpilot::cli {

struct PipelineStep {
  std::string name;                 // unique, e.g. "predict-ffm"
  std::string stage;                // data|gen|predict|schedule|deliver|evaluate|profile
  std::vector<std::string> args;    // adpilot arguments after placeholder expansion
  bool json = true;                 // append --json and keep stdout as the step's result
  bool optional = false;            // a failure is reported but does not stop the run
};

struct Pipeline {
  std::string title = "adpilot run";
  std::string config_path;
  std::map<std::string, std::string> vars;  // {name} placeholders
  std::vector<PipelineStep> steps;
};

// Parses the TOML file; {run} expands to the run directory, {config_dir} to the
// config's folder, {shared} to ../shared/data beside the checkout if present,
// and [vars] entries to their values. Unknown keys are errors naming the key.
Pipeline LoadPipeline(const std::string& path, const std::string& run_dir);

struct StepResult {
  std::string name, stage, status;  // status: ran | cached | failed | skipped
  double seconds = 0;
  nlohmann::json output;            // the command's JSON (null if none)
  std::string error;
};

// Runs the steps with `exe` (this adpilot binary). Writes RUN_DIR/steps/NAME.json
// and NAME.key. Appends each step's result to `results` as it finishes, then
// throws when a required step fails (the results so far stay for the summary).
void RunPipeline(const Pipeline& p, const std::string& exe, const std::string& run_dir, bool force,
                 bool quiet, std::vector<StepResult>& results);

}  // namespace adpilot::cli
