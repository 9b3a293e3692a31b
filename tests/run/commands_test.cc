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

}  // namespace
}  // namespace adpilot
