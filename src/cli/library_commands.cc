// Binds the library's commands (adpilot/command.h) to the CLI: the CLI parses
// and prints; the work and every option's declaration live in the stages.
#include <map>

#include "adpilot/command.h"
#include "cli/cli.h"

namespace adpilot::cli {

namespace {

std::map<std::string, Printer>& Printers() {
  static std::map<std::string, Printer> p;
  return p;
}

// The subcommand for the words of a command's name, creating the groups on the way.
CLI::App* SubcommandFor(CLI::App& app, const std::string& name, const std::string& help) {
  CLI::App* at = &app;
  std::string words;
  for (size_t p = 0, q; p <= name.size(); p = q + 1) {
    q = name.find(' ', p);
    if (q == std::string::npos) q = name.size();
    std::string word = name.substr(p, q - p);
    words += (words.empty() ? "" : " ") + word;
    bool last = q == name.size();
    auto found = at->get_subcommands([&](CLI::App* sub) { return sub->get_name() == word; });
    CLI::App* next = found.empty() ? nullptr : found.front();
    if (!next) {
      next = at->add_subcommand(word, last ? help : CommandGroupHelp(words));
      if (!last) next->require_subcommand(1);
    }
    at = next;
  }
  return at;
}

}  // namespace

bool RegisterPrinter(const std::string& command, Printer printer) {
  Printers()[command] = std::move(printer);
  return true;
}

void InstallLibraryCommands(CLI::App& app, Globals& g) {
  for (const CommandSpec* spec : adpilot::Commands()) {
    struct Bound {
      std::unique_ptr<Command> command;
      OptionSet set;
      std::unique_ptr<BoundOptions> bound;
      bool json = false;
    };
    auto b = std::make_shared<Bound>();
    b->command = spec->make();
    b->set = OptionSet(b->command->config_section());
    b->command->Describe(b->set);
    CLI::App* cmd = SubcommandFor(app, spec->name, spec->help);
    b->bound = std::make_unique<BoundOptions>(cmd, b->set);
    cmd->add_flag("--json", b->json, "print one JSON object on stdout (errors too: {\"error\": {...}})");
    std::string examples;
    for (const auto& e : b->command->Examples()) examples += "\n  adpilot " + e;
    if (!examples.empty()) cmd->footer("Examples:" + examples);
    std::string name = spec->name;
    cmd->callback([b, &g, name, cmd] {
      // A command that is also a group ("abtest", "abtest plan"): CLI11 runs
      // the parent's callback after the subcommand's; only the one named runs.
      if (!cmd->get_subcommands().empty()) return;
      b->bound->Resolve();
      b->command->set_config_path(b->bound->config_path());
      b->command->set_given(b->set);
      Context ctx = MakeContext(g);
      nlohmann::json result = b->command->Run(ctx);
      auto it = Printers().find(name);
      if (b->json || it == Printers().end()) PrintJson(result);
      else it->second(result, b->set.ToJson());
    });
  }
}

}  // namespace adpilot::cli
