// gen world as a library command: --scale sets the sizes, and every size given
// (flag, --config or a step's option) overrides the scale's.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/command.h"
#include "adpilot/context.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

TEST(GenCommands, GivenSizesOverrideTheScale) {
  testing::TempDir d;
  WriteFileAtomic(d.File("w.toml"), "users = 150\n");
  const CommandSpec* spec = FindCommand({"gen", "world"});
  ASSERT_NE(spec, nullptr);
  auto cmd = spec->make();
  OptionSet set;
  cmd->Describe(set);
  set.LoadTomlFile(d.File("w.toml"));
  set.ParseArgs({"--out", d.File("w"), "--scale", "medium", "--auctions", "3000", "--experiment-units", "300",
                 "--journeys", "300", "--weeks", "8"},
                "test");
  set.Validate();
  cmd->set_config_path(d.File("w.toml"));
  cmd->set_given(set);
  nlohmann::json s = cmd->Run(Context());
  EXPECT_EQ(s["scale"], "medium");
  EXPECT_EQ(s["auctions"], 3000);
  EXPECT_EQ(s["users"], 150);  // from the config
  EXPECT_EQ(s["experiment_units"], 300);
  auto truth = nlohmann::json::parse(ReadFile(d.File("w/truth.json")));
  EXPECT_EQ(truth["config"]["days"], 30);  // not given: the medium scale's
  EXPECT_EQ(truth["config"]["users"], 150);
  EXPECT_EQ(truth["scale"], "medium");
}

}  // namespace
}  // namespace adpilot
