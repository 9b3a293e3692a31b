#include "adpilot/command.h"

#include <algorithm>
#include <map>

#include "adpilot/error.h"

namespace adpilot {

namespace {

std::map<std::string, CommandSpec>& Specs() {
  static std::map<std::string, CommandSpec> specs;
  return specs;
}

std::map<std::string, std::string>& Groups() {
  static std::map<std::string, std::string> groups;
  return groups;
}

}  // namespace

void Command::set_given(const OptionSet& set) {
  given_.clear();
  for (const auto& e : set.entries())
    if (set.IsSet(e.key)) given_.push_back(e.key);
}

bool Command::given(const std::string& key) const {
  return std::find(given_.begin(), given_.end(), key) != given_.end();
}

bool RegisterCommand(CommandSpec spec) {
  std::string name = spec.name;
  Specs()[name] = std::move(spec);
  return true;
}

std::vector<const CommandSpec*> Commands() {
  std::vector<const CommandSpec*> out;
  for (const auto& [name, spec] : Specs()) out.push_back(&spec);
  return out;
}

const CommandSpec* FindCommand(const std::vector<std::string>& words, size_t* used) {
  std::string name;
  const CommandSpec* found = nullptr;
  for (size_t i = 0; i < words.size(); ++i) {
    name += (i ? " " : "") + words[i];
    auto it = Specs().find(name);
    if (it != Specs().end()) {
      found = &it->second;
      if (used) *used = i + 1;
    }
  }
  return found;
}

bool RegisterCommandGroup(std::string name, std::string help) {
  Groups()[std::move(name)] = std::move(help);
  return true;
}

std::string CommandGroupHelp(const std::string& name) {
  auto it = Groups().find(name);
  return it == Groups().end() ? std::string() : it->second;
}

}  // namespace adpilot
