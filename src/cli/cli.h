// Shared plumbing of the adpilot CLI: global flags, Context construction,
// option binding (config file + flags over one OptionSet), JSON output and
// command registration. Each command lives in its own cmd_<name>.cc and adds
// itself with ADPILOT_CLI_COMMAND; the CLI is the only layer that prints.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/options.h"
#include "adpilot/registry.h"  // for ADP_CONCAT

namespace adpilot::cli {

struct Globals {
  int threads = 1;
  uint64_t seed = 42;
  bool quiet = false;
  bool verbose = false;
};

// Context for a command run: stderr logger, progress bar on a terminal or log
// lines otherwise, nothing under --quiet.
Context MakeContext(const Globals& g);

// Binds every option of `set` as a --flag of `cmd`, plus --config FILE.
// Call Resolve() inside the command's callback: defaults < config file < flags.
class BoundOptions {
 public:
  BoundOptions(CLI::App* cmd, OptionSet& set, bool with_config_flag = true);
  void Resolve();
  const std::string& config_path() const { return config_; }

 private:
  OptionSet& set_;
  std::map<std::string, std::string> values_;
  std::map<std::string, CLI::Option*> flags_;
  std::string config_;
};

// Prints exactly one JSON object on stdout.
void PrintJson(const nlohmann::json& j);

using Installer = std::function<void(CLI::App& app, Globals& g)>;
bool RegisterCommand(int order, Installer installer);
const std::vector<std::pair<int, Installer>>& Commands();

}  // namespace adpilot::cli

#define ADPILOT_CLI_COMMAND(order, installer)                                  \
  [[maybe_unused]] static const bool ADP_CONCAT(adp_cli_cmd_, __LINE__) =      \
      ::adpilot::cli::RegisterCommand(order, installer)
