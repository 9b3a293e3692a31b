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

#include "adpilot/collective.h"
#include "adpilot/context.h"
#include "adpilot/options.h"
#include "adpilot/registry.h"  // for ADP_CONCAT

namespace adpilot::cli {

struct Globals {
  int threads = 1;
  uint64_t seed = 42;
  bool quiet = false;
  bool verbose = false;
  // The MPI job main() joined, or one process.
  std::shared_ptr<const Collective> comm;
};

// Context for a command run: stderr logger, progress bar on a terminal or log
// lines otherwise, nothing under --quiet. Under MPI every line names its rank;
// ranks other than 0 log warnings and errors only and show no progress.
Context MakeContext(const Globals& g);

// Binds every option of `set` as a --flag of `cmd` (positionals by position,
// aliases as more names), plus --config FILE.
// Call Resolve() inside the command's callback: defaults < config file < flags.
class BoundOptions {
 public:
  BoundOptions(CLI::App* cmd, OptionSet& set, bool with_config_flag = true);
  void Resolve();
  const std::string& config_path() const { return config_; }

 private:
  OptionSet& set_;
  std::map<std::string, std::vector<std::string>> values_;
  std::map<std::string, CLI::Option*> flags_;
  std::string config_;
};

// Every library command (adpilot/command.h) as a subcommand: flags and
// --config from its OptionSet, --json, and its text printer when it has one.
void InstallLibraryCommands(CLI::App& app, Globals& g);

// Prints a library command's result as text (without --json). `options` holds
// the command's option values; a command with no printer prints its JSON.
using Printer = std::function<void(const nlohmann::json& result, const nlohmann::json& options)>;
bool RegisterPrinter(const std::string& command, Printer printer);

// Prints exactly one JSON object on stdout.
void PrintJson(const nlohmann::json& j);
// Whether a JSON object went to stdout already (`run --json` prints its summary,
// error included, before failing): the error is then not printed as a second one.
bool JsonPrinted();

// A number of a command's result for a text printer; null (how JSON holds a
// non-finite value) is NaN, which prints as nan as the value did before.
double Num(const nlohmann::json& v);
double Num(const nlohmann::json& j, const char* key);

using Installer = std::function<void(CLI::App& app, Globals& g)>;
bool RegisterCommand(int order, Installer installer);
const std::vector<std::pair<int, Installer>>& Commands();

}  // namespace adpilot::cli

#define ADPILOT_CLI_PRINTER(command, printer)                                 \
  [[maybe_unused]] static const bool ADP_CONCAT(adp_cli_printer_, __LINE__) = \
      ::adpilot::cli::RegisterPrinter(command, printer)

#define ADPILOT_CLI_COMMAND(order, installer)                             \
  [[maybe_unused]] static const bool ADP_CONCAT(adp_cli_cmd_, __LINE__) = \
      ::adpilot::cli::RegisterCommand(order, installer)
