// adpilot run: a small pipeline end to end, its step cache, and its report
// rendered in a real browser.
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "common/browser.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

std::string Config(const std::string& attribution_model) {
  return R"(title = "test run"
[vars]
world = "{run}/world"
[[step]]
name = "world"
stage = "gen"
args = ["--seed", "3", "gen", "world", "--out", "{world}", "--auctions", "5000", "--users", "300",
        "--experiment-units", "2000", "--journeys", "2000"]
[[step]]
name = "stats"
stage = "data"
args = ["data", "stats", "{world}/auctions.tsv", "--format", "criteo"]
[[step]]
name = "abtest"
stage = "evaluate"
args = ["abtest", "--data", "{world}/experiment.csv", "--variant-col", "variant", "--control", "control",
        "--metric", "converted"]
[[step]]
name = "attribution"
stage = "evaluate"
args = ["attribute", "--journeys", "{world}/journeys.csv", "--model", ")" +
         attribution_model + R"(",
        "--truth", "{world}/truth.json"]
)";
}

nlohmann::json Summary(const testing::TempDir& tmp) {
  return nlohmann::json::parse(ReadFile(tmp.File("run/summary.json")));
}

std::map<std::string, std::string> Statuses(const nlohmann::json& s) {
  std::map<std::string, std::string> out;
  for (const auto& st : s["steps"]) out[st["name"]] = st["status"];
  return out;
}

TEST(Run, RerunReusesUnchangedStepsOnly) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp.File("p.toml"), Config("linear"));
  auto r1 = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --json");
  ASSERT_EQ(r1.exit_code, 0) << r1.out;
  auto s1 = Summary(tmp);
  EXPECT_TRUE(s1["ok"].get<bool>());
  for (const auto& [name, status] : Statuses(s1)) EXPECT_EQ(status, "ran") << name;
  EXPECT_TRUE(std::filesystem::exists(tmp.File("run/report.html")));
  EXPECT_GE(s1["charts"].get<int>(), 4);

  auto r2 = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --json");
  ASSERT_EQ(r2.exit_code, 0);
  for (const auto& [name, status] : Statuses(Summary(tmp))) EXPECT_EQ(status, "cached") << name;

  // Only the changed step runs again.
  WriteFileAtomic(tmp.File("p.toml"), Config("shapley"));
  auto r3 = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --json");
  ASSERT_EQ(r3.exit_code, 0);
  auto st = Statuses(Summary(tmp));
  EXPECT_EQ(st["world"], "cached");
  EXPECT_EQ(st["stats"], "cached");
  EXPECT_EQ(st["abtest"], "cached");
  EXPECT_EQ(st["attribution"], "ran");
}

TEST(Run, ReportOnlyRedrawsFromSavedResultsAndRunsNothing) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp.File("p.toml"), Config("linear"));
  auto r1 = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --json");
  ASSERT_EQ(r1.exit_code, 0) << r1.out;
  auto figures = Summary(tmp)["key_figures"];
  std::filesystem::remove(tmp.File("run/report.html"));
  // A changed option would rerun the step; --report-only must not.
  WriteFileAtomic(tmp.File("p.toml"), Config("shapley"));
  auto r2 =
      testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --report-only --json");
  ASSERT_EQ(r2.exit_code, 0) << r2.out;
  auto s = Summary(tmp);
  for (const auto& [name, status] : Statuses(s)) EXPECT_EQ(status, "cached") << name;
  EXPECT_TRUE(s["report_only"].get<bool>());
  EXPECT_TRUE(std::filesystem::exists(tmp.File("run/report.html")));
  EXPECT_EQ(s["key_figures"], figures);
  // Each step's run time was kept for the next run's ETA.
  EXPECT_TRUE(std::filesystem::exists(tmp.File("run/steps/world.seconds")));

  std::filesystem::remove(tmp.File("run/steps/abtest.json"));
  auto r3 = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --report-only",
                            tmp.File("err.txt"));
  EXPECT_NE(r3.exit_code, 0);
  std::string err = ReadFile(tmp.File("err.txt"));
  EXPECT_NE(err.find("step 'abtest' has no saved result"), std::string::npos) << err;
}

TEST(Run, ReportRendersInHeadlessChromium) {
  if (testing::ChromiumPath().empty()) GTEST_SKIP() << "chromium not installed (Debian package chromium)";
  testing::TempDir tmp;
  WriteFileAtomic(tmp.File("p.toml"), Config("position"));
  auto r = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  int charts = Summary(tmp)["charts"].get<int>();
  std::string html = tmp.File("run/report.html");
  std::string dom = testing::DumpDom(html, tmp.File("profile"), tmp.File("chromium.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("id=\"status\"[^>]*"))) << dom.substr(0, 1000);
  EXPECT_NE(m.str().find("data-errors=\"0\""), std::string::npos) << m.str();
  EXPECT_NE(m.str().find("data-rendered=\"" + std::to_string(charts) + "\""), std::string::npos) << m.str();
  // Keep a screenshot beside the test output for people to look at.
  std::string png = std::string(ADPILOT_BINARY_DIR) + "/test-report.png";
  EXPECT_TRUE(testing::Screenshot(html, png, tmp.File("profile2")));
}

TEST(Run, BadConfigNamesTheKey) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp.File("p.toml"), "title = \"x\"\n[[step]]\nname = \"a\"\nargz = [\"data\"]\n");
  auto r = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run"), tmp.File("err.txt"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(ReadFile(tmp.File("err.txt")).find("argz"), std::string::npos);
}

TEST(Run, FailingStepStopsTheRunWithExitOne) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp.File("bad.apm"), "not a model");  // kCorruption in the step: exit 1
  std::ofstream(tmp.File("d.tsv")) << "1\t1\n";
  WriteFileAtomic(tmp.File("p.toml"),
                  "[[step]]\nname = \"bad\"\nstage = \"predict\"\nargs = [\"eval\", \"--model\", \"" +
                      tmp.File("bad.apm") + "\", \"--data\", \"" + tmp.File("d.tsv") + "\"]\n");
  auto r = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run"));
  EXPECT_EQ(r.exit_code, 1);
  auto s = Summary(tmp);
  EXPECT_FALSE(s["ok"].get<bool>());
  EXPECT_EQ(s["steps"][0]["status"], "failed");
}

// A [vars] value of the wrong type reaches a step's flag: the step exits 2 and
// so does the run (it exited 1 before), naming the step and the flag's value.
TEST(Run, StepGivenBadArgumentsMakesTheRunExitTwo) {
  testing::TempDir tmp;
  WriteFileAtomic(tmp.File("p.toml"),
                  "[vars]\nseed = \"x\"\n[[step]]\nname = \"w\"\nstage = \"gen\"\n"
                  "args = [\"--seed\", \"{seed}\", \"data\", \"stats\", \"/nonexistent.tsv\"]\n");
  auto r = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run"), tmp.File("err.txt"));
  EXPECT_EQ(r.exit_code, 2);
  std::string err = ReadFile(tmp.File("err.txt"));
  EXPECT_NE(err.find("step 'w' failed"), std::string::npos) << err;
  EXPECT_NE(err.find("seed"), std::string::npos) << err;
  EXPECT_FALSE(Summary(tmp)["ok"].get<bool>());
}

}  // namespace
}  // namespace adpilot
