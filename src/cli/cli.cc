#include "cli/cli.h"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <type_traits>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "adpilot/progress.h"
#include "adpilot/registry.h"

namespace adpilot::cli {

Context MakeContext(const Globals& g) {
  Context ctx;
  ctx.threads = std::max(1, g.threads);
  ctx.seed = g.seed;
  if (g.comm) ctx.collective = g.comm;
  const Collective& comm = ctx.comm();
  if (g.quiet) {
    ctx.logger = std::make_shared<spdlog::logger>("adpilot", std::make_shared<spdlog::sinks::null_sink_mt>());
    ctx.logger->set_level(spdlog::level::off);
  } else {
    ctx.logger = std::make_shared<spdlog::logger>("adpilot", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    ctx.logger->set_pattern(comm.distributed() ? "[%H:%M:%S] " + comm.who() + " %^%l%$ %v" : "[%H:%M:%S] %^%l%$ %v");
    auto level = g.verbose ? spdlog::level::debug : spdlog::level::info;
    ctx.logger->set_level(comm.rank() > 0 && !g.verbose ? spdlog::level::warn : level);
    if (comm.rank() == 0)
      ctx.progress = ::isatty(STDERR_FILENO) ? MakeTerminalProgressSink() : MakeLogProgressSink(ctx);
  }
  return ctx;
}

namespace {

// The value's type as help shows it ("--bits INT"), from the declaration.
std::string TypeName(const OptionSet::Entry& e) {
  if (!e.choices.empty()) return "{" + fmt::format("{}", fmt::join(e.choices, ",")) + "}";
  return std::visit(
      [&](auto* p) -> std::string {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, bool>) return "[BOOL]";
        else if constexpr (std::is_same_v<T, uint64_t>) return "UINT";
        else if constexpr (std::is_integral_v<T>) return "INT";
        else if constexpr (std::is_same_v<T, double>) return "FLOAT";
        else if constexpr (std::is_same_v<T, std::string>) return e.io == OptionSet::Entry::Io::kNone ? "TEXT" : "PATH";
        else return "LIST";
      },
      e.target);
}

std::string Bounds(const OptionSet::Entry& e) {
  if (e.lo && e.hi) return fmt::format("; {} to {}", *e.lo, *e.hi);
  if (e.lo) return fmt::format("; at least {}", *e.lo);
  if (e.hi) return fmt::format("; at most {}", *e.hi);
  return "";
}

}  // namespace

BoundOptions::BoundOptions(CLI::App* cmd, OptionSet& set, bool with_config_flag) : set_(set) {
  if (with_config_flag)
    cmd->add_option("--config", config_,
                    "TOML config file (" +
                        (set.section().empty() ? std::string("top level") : "table [" + set.section() + "]") +
                        "); flags override it")
        ->check(CLI::ExistingFile);
  for (auto& e : set.entries()) {
    std::string names = e.positional ? e.key : OptionSet::FlagName(e.key);
    // A one-letter alias is a short flag: Alias("n") is -n.
    for (const auto& a : e.aliases) names += "," + (a.size() == 1 ? "-" + a : OptionSet::FlagName(a));
    std::string help = e.help + " (default: " + (e.default_text.empty() ? "\"\"" : e.default_text) + Bounds(e) + ")";
    CLI::Option* opt;
    if (std::holds_alternative<bool*>(e.target)) {
      // A bare --flag gives "true"; --flag false / --flag=no set it off.
      opt = cmd->add_flag(names, values_[e.key], help);
      opt->expected(0, 1)->multi_option_policy(CLI::MultiOptionPolicy::Throw);
    } else if (std::holds_alternative<std::vector<std::string>*>(e.target)) {
      opt = cmd->add_option(names, values_[e.key], help);  // repeatable: --metric a --metric b
    } else {
      opt =
          cmd->add_option(names, values_[e.key], help)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::Throw);
    }
    opt->type_name(TypeName(e));
    flags_[e.key] = opt;
  }
}

void BoundOptions::Resolve() {
  // A bool flag takes an optional value (--shuffle false), so CLI11 gives it
  // the positional that follows it (`data split --header FILE`): a value that
  // is no bool is the first positional still missing.
  for (auto& e : set_.entries()) {
    auto& v = values_[e.key];
    if (!std::holds_alternative<bool*>(e.target) || v.size() != 1) continue;
    if (v[0] == "true" || v[0] == "false" || v[0] == "1" || v[0] == "0") continue;
    for (auto& p : set_.entries())
      if (p.positional && values_[p.key].empty()) {
        values_[p.key].push_back(v[0]);
        v[0] = "true";
        break;
      }
  }
  if (!config_.empty()) set_.LoadTomlFile(config_);
  for (auto& [key, opt] : flags_) {
    if (opt->count() == 0 && values_[key].empty()) continue;
    const auto& v = values_[key];
    std::string text;
    for (const auto& item : v) text += (text.empty() ? "" : ",") + item;
    set_.SetFromString(key, text, OptionSet::FlagName(key));
  }
  set_.Validate();
}

namespace {
bool json_printed = false;
}  // namespace

void PrintJson(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  json_printed = true;
}

bool JsonPrinted() { return json_printed; }

double Num(const nlohmann::json& v) { return v.is_null() ? std::nan("") : v.get<double>(); }
double Num(const nlohmann::json& j, const char* key) { return Num(j.at(key)); }

namespace {
std::vector<std::pair<int, Installer>>& MutableCommands() {
  static std::vector<std::pair<int, Installer>> cmds;
  return cmds;
}
}  // namespace

bool RegisterCommand(int order, Installer installer) {
  MutableCommands().emplace_back(order, std::move(installer));
  return true;
}

const std::vector<std::pair<int, Installer>>& Commands() {
  auto& c = MutableCommands();
  std::stable_sort(c.begin(), c.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return c;
}

}  // namespace adpilot::cli
