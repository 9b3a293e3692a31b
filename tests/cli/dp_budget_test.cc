// A run's privacy budget (adpilot run --dp-budget, docs/privacy.md): the steps'
// epsilons add up, the step that would exceed the budget fails before it runs,
// and the summary and the report say what was spent.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

TEST(DpBudget, StepsSpendTheRunsBudgetAndTheOneBeyondItIsRefused) {
  testing::TempDir tmp;
  std::string step = R"([[step]]
name = "NAME"
stage = "evaluate"
args = ["abtest", "--data", "{run}/world/experiment.csv", "--variant-col", "variant", "--control", "control",
        "--metric", "converted", "--dp-epsilon", "EPS"]
)";
  auto with = [&](const std::string& name, const std::string& eps) {
    std::string s = step;
    s.replace(s.find("NAME"), 4, name);
    s.replace(s.find("EPS"), 3, eps);
    return s;
  };
  WriteFileAtomic(tmp.File("p.toml"),
                  "title = \"dp\"\n[[step]]\nname = \"world\"\nstage = \"gen\"\n"
                  "args = [\"--seed\", \"3\", \"gen\", \"world\", \"--out\", \"{run}/world\", "
                  "\"--auctions\", \"2000\", \"--users\", \"100\", \"--experiment-units\", "
                  "\"4000\", \"--journeys\", \"100\"]\n" +
                      with("first", "0.6") + with("second", "0.3") + with("third", "0.3"));
  auto r = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --dp-budget 1 --json");
  EXPECT_NE(r.exit_code, 0);
  auto s = nlohmann::json::parse(ReadFile(tmp.File("run/summary.json")));
  std::map<std::string, nlohmann::json> steps;
  for (const auto& st : s["steps"]) steps[st["name"]] = st;
  EXPECT_EQ(steps["first"]["status"], "ran");
  EXPECT_EQ(steps["second"]["status"], "ran");
  EXPECT_EQ(steps["third"]["status"], "failed");
  EXPECT_NE(steps["third"]["error"].get<std::string>().find("privacy budget spent"), std::string::npos)
      << steps["third"].dump();
  EXPECT_DOUBLE_EQ(s["dp_epsilon_spent"].get<double>(), 0.9);
  // Within the budget, the same run completes, and its report says what was spent.
  auto ok = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --dp-budget 1.2");
  ASSERT_EQ(ok.exit_code, 0);
  s = nlohmann::json::parse(ReadFile(tmp.File("run/summary.json")));
  EXPECT_NEAR(s["dp_epsilon_spent"].get<double>(), 1.2, 1e-12);
  ASSERT_TRUE(s["key_figures"].contains("privacy: epsilon spent")) << s["key_figures"].dump();
  EXPECT_NE(s["key_figures"]["privacy: epsilon spent"].get<std::string>().find("of the run's budget 1.2"),
            std::string::npos);
}

}  // namespace
}  // namespace adpilot
