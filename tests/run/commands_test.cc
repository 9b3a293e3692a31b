// Every library command declares each option once, completely: help, a
// default, bounds for numbers, and a key that --config (TOML) accepts.
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/command.h"
#include "adpilot/error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

// TOML text of a value as its option would be written in a config file.
std::string TomlValue(const nlohmann::json& v) {
  if (v.is_array()) {
    std::string s = "[";
    for (const auto& item : v) s += (s.size() > 1 ? ", " : "") + item.dump();
    return s + "]";
  }
  if (v.is_number_float()) {
    std::string s = v.dump();
    return s.find_first_of(".eE") == std::string::npos ? s + ".0" : s;
  }
  return v.dump();
}

TEST(Commands, EveryOptionHasHelpADefaultBoundsAndAConfigKey) {
  auto specs = Commands();
  ASSERT_FALSE(specs.empty());
  testing::TempDir tmp;
  for (const CommandSpec* spec : specs) {
    SCOPED_TRACE(spec->name);
    EXPECT_FALSE(spec->help.empty());
    EXPECT_FALSE(spec->stage.empty());
    auto cmd = spec->make();
    OptionSet set;
    cmd->Describe(set);
    std::set<std::string> keys;
    for (const auto& e : set.entries()) {
      SCOPED_TRACE(e.key);
      EXPECT_TRUE(keys.insert(e.key).second) << "declared twice";
      EXPECT_FALSE(e.help.empty());
      bool number = !std::holds_alternative<bool*>(e.target) && !std::holds_alternative<std::string*>(e.target) &&
                    !std::holds_alternative<std::vector<std::string>*>(e.target);
      if (number) {
        EXPECT_TRUE(e.lo || e.hi) << "a number needs bounds";
      }
      EXPECT_EQ(OptionSet::FlagName(e.key).find('_'), std::string::npos);
    }
    // Each option's default, written as TOML, is accepted by --config and
    // reads back as the same value.
    nlohmann::json defaults = set.ToJson();
    // Under the command's own table when it has one (Command::config_section).
    std::string section = cmd->config_section();
    std::string toml = section.empty() ? "" : "[" + section + "]\n";
    for (auto it = defaults.begin(); it != defaults.end(); ++it) toml += it.key() + " = " + TomlValue(*it) + "\n";
    std::ofstream(tmp.File("c.toml")) << toml;
    auto again = spec->make();
    OptionSet loaded(again->config_section());
    again->Describe(loaded);
    EXPECT_NO_THROW(loaded.LoadTomlFile(tmp.File("c.toml"))) << toml;
    EXPECT_EQ(loaded.ToJson(), defaults);
    for (const auto& e : loaded.entries()) EXPECT_TRUE(loaded.IsSet(e.key)) << e.key << " was not read from " << toml;
  }
}

TEST(Commands, FoundByTheLongestNamePrefix) {
  size_t used = 0;
  const CommandSpec* s = FindCommand({"mmm", "allocate", "--model", "x"}, &used);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "mmm allocate");
  EXPECT_EQ(used, 2u);
  EXPECT_EQ(FindCommand({"mmm"}), nullptr);
  EXPECT_EQ(FindCommand({"no-such-command"}), nullptr);
}

// Words of a command line, with "double quoted" words kept whole.
std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> out;
  std::string w;
  bool quoted = false, any = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) out.push_back(w);
      w.clear();
      any = false;
    } else {
      w += c;
      any = true;
    }
  }
  if (any) out.push_back(w);
  return out;
}

// Every command shows examples in --help, and each one is a valid command
// line for it: its name, then options the command declares with values of
// their types and bounds, required ones included.
TEST(Commands, EveryCommandHasExamplesThatParse) {
  for (const CommandSpec* spec : Commands()) {
    SCOPED_TRACE(spec->name);
    auto cmd = spec->make();
    ASSERT_FALSE(cmd->Examples().empty());
    for (const std::string& example : cmd->Examples()) {
      SCOPED_TRACE(example);
      std::vector<std::string> w = Words(example);
      size_t i = 0;
      while (i + 1 < w.size() && (w[i] == "--threads" || w[i] == "--seed")) i += 2;
      std::vector<std::string> words(w.begin() + long(i), w.end());
      size_t used = 0;
      EXPECT_EQ(FindCommand(words, &used), spec);
      OptionSet set(cmd->config_section());
      cmd->Describe(set);
      std::vector<std::string> rest;
      for (size_t k = used; k < words.size(); ++k)
        if (words[k] != "--json") rest.push_back(words[k]);  // the CLI's, on every command
      EXPECT_NO_THROW({
        set.ParseArgs(rest, "example");
        set.Validate();
      });
    }
  }
}

}  // namespace
}  // namespace adpilot
