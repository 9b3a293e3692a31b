// adpilot completion bash: a bash completion script written from the same
// command tree and option declarations the parser uses, so it cannot drift.
//   source <(adpilot completion bash)
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

struct Node {
  std::string path;                                          // "" for the top level, "mmm allocate" below
  std::vector<std::string> subcommands, flags, value_flags;  // value_flags: those that take a value
};

void Walk(const CLI::App& app, const std::string& path, std::vector<Node>& out) {
  Node n{path, {}, {}, {}};
  for (const CLI::Option* o : app.get_options())
    for (const auto& l : o->get_lnames()) {
      n.flags.push_back("--" + l);
      if (o->get_expected_min() > 0) n.value_flags.push_back("--" + l);
    }
  auto subs = app.get_subcommands([](const CLI::App*) { return true; });
  for (const CLI::App* s : subs) n.subcommands.push_back(s->get_name());
  out.push_back(n);
  for (const CLI::App* s : subs) Walk(*s, path.empty() ? s->get_name() : path + " " + s->get_name(), out);
}

std::string Cases(const std::vector<Node>& nodes, std::vector<std::string> Node::*list) {
  std::string s;
  for (const auto& n : nodes) {
    const auto& words = n.*list;
    if (!words.empty()) s += fmt::format("    \"{}\") echo \"{}\" ;;\n", n.path, fmt::join(words, " "));
  }
  return s;
}

std::string BashScript(const CLI::App& app) {
  std::vector<Node> nodes;
  Walk(app, "", nodes);
  return fmt::format(R"SH(# bash completion for adpilot, from `adpilot completion bash`:
#   source <(adpilot completion bash)
_adpilot_subcommands() {{
  case "$1" in
{}  esac
}}
_adpilot_flags() {{
  case "$1" in
{}  esac
}}
_adpilot_value_flags() {{
  case "$1" in
{}  esac
}}
_adpilot() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" path="" w i
  # The command so far: the words that name a subcommand of the path before them.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${{COMP_WORDS[i]}}"
    case " $(_adpilot_subcommands "$path") " in
      *" $w "*) path="${{path:+$path }}$w" ;;
    esac
  done
  # A command's own flags, then those of the commands above it.
  local prev="${{COMP_WORDS[COMP_CWORD - 1]}}" p="$path" flags="" values=""
  while :; do
    flags="$flags $(_adpilot_flags "$p")"
    values="$values $(_adpilot_value_flags "$p")"
    [[ -z "$p" ]] && break
    [[ "$p" == *" "* ]] && p="${{p% *}}" || p=""
  done
  if [[ " $values " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))  # the value of a flag: most are files
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_adpilot_subcommands "$path")" -- "$cur"))
    [[ ${{#COMPREPLY[@]}} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -F _adpilot adpilot
)SH",
                     Cases(nodes, &Node::subcommands), Cases(nodes, &Node::flags), Cases(nodes, &Node::value_flags));
}

void InstallCompletion(CLI::App& app, Globals&) {
  auto shell = std::make_shared<std::string>();
  auto* c = app.add_subcommand("completion", "print a shell completion script (source <(adpilot completion bash))");
  c->add_option("shell", *shell, "the shell: bash")->required()->check(CLI::IsMember({"bash"}));
  c->callback([&app, shell] { std::cout << BashScript(app); });
}

}  // namespace

ADPILOT_CLI_COMMAND(95, InstallCompletion);

}  // namespace adpilot::cli
