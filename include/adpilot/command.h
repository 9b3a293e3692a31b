// A command of adpilot ("train", "mmm allocate"): its options declared once by
// an OptionSet, and a library function from those options to one JSON result.
// The CLI binds its flags and --config from Describe() and prints the result;
// `adpilot run` sets the same options from a step's TOML and calls Run in
// process. A new command is one file in its stage plus one ADPILOT_COMMAND line.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/options.h"
#include "adpilot/registry.h"  // ADP_CONCAT

namespace adpilot {

class Command {
 public:
  virtual ~Command() = default;
  // Adds every option of this command to `set`, bound to this object's fields.
  virtual void Describe(OptionSet& set) = 0;
  // Does the work with the options as set; files it writes are written
  // atomically. Errors are thrown (adpilot::Error), never printed.
  virtual nlohmann::json Run(const Context& ctx) = 0;
  // The TOML table --config reads this command's options from ("" = the top
  // level), e.g. "encoder" for the profile commands (docs/profile.md).
  virtual std::string config_section() const { return ""; }
  // One or two command lines that use it (what follows "adpilot "), shown by
  // --help; tests/run/commands_test.cc parses each against Describe().
  virtual std::vector<std::string> Examples() const { return {}; }

  // The --config file the options were read from ("" if none): commands whose
  // config has tables beyond their options (mmm's [channel.NAME]) read it.
  void set_config_path(std::string path) { config_path_ = std::move(path); }
  const std::string& config_path() const { return config_path_; }

  // Whether option `key` was given (a flag, --config or a step's option)
  // rather than left at its default: for commands whose defaults come from
  // elsewhere unless given (gen world's --scale, train's --init model). The
  // binders record it from the OptionSet before Run.
  void set_given(const OptionSet& set);
  bool given(const std::string& key) const;

 private:
  std::string config_path_;
  std::vector<std::string> given_;
};

struct CommandSpec {
  std::string name;   // words separated by one space: "mmm allocate"
  std::string stage;  // the pipeline stage it belongs to: data, predict, ...
  std::string help;
  std::function<std::unique_ptr<Command>()> make;
};

bool RegisterCommand(CommandSpec spec);
// Every registered command, sorted by name.
std::vector<const CommandSpec*> Commands();
// The command named by the longest prefix of `words`, or null; `used` is how
// many words its name took.
const CommandSpec* FindCommand(const std::vector<std::string>& words, size_t* used = nullptr);

// Help text of a group of commands ("mmm", "profile"), shown above them.
bool RegisterCommandGroup(std::string name, std::string help);
std::string CommandGroupHelp(const std::string& name);

}  // namespace adpilot

// ADPILOT_COMMAND("mmm allocate", "schedule", "help", MyCommandClass)
#define ADPILOT_COMMAND(name, stage, help, Class)                         \
  [[maybe_unused]] static const bool ADP_CONCAT(adp_command_, __LINE__) = \
      ::adpilot::RegisterCommand({name, stage, help, [] { return std::unique_ptr<::adpilot::Command>(new Class()); }})
#define ADPILOT_COMMAND_GROUP(name, help)                                       \
  [[maybe_unused]] static const bool ADP_CONCAT(adp_command_group_, __LINE__) = \
      ::adpilot::RegisterCommandGroup(name, help)
