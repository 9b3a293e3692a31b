// Hostile and mistyped configs through every command that reads TOML: each is
// a bad-input error (exit 2) naming the file and the key or line, never a
// crash, a wrapped number or a write outside the run directory.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "cli/cli_fixtures.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using testing::RunCli;
using testing::TempDir;
using testing::WriteCriteoRows;

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Runs `adpilot ARGS` and returns {exit code, stderr}. The timeout only keeps
// a config that is wrongly accepted (a server that starts) from hanging the test.
std::pair<int, std::string> RunAdpilot(const TempDir& tmp, const std::string& args) {
  std::string cmd =
      std::string("timeout 60 ") + ADPILOT_CLI_PATH + " --quiet " + args + " >/dev/null 2>" + tmp.File("err.txt");
  int st = std::system(cmd.c_str());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), ReadFile(tmp.File("err.txt"))};
}

TEST(ConfigHardening, DeepTomlIsExitTwoAtEveryReader) {
  TempDir tmp;
  WriteCriteoRows(tmp.File("d.tsv"), 50);
  std::ofstream(tmp.File("d.csv")) << "label,x\n1,2\n";
  std::ofstream(tmp.File("m.csv")) << "date,kpi,a\n2024-01-01,1,1\n";
  const std::vector<std::string> bodies = {Repeat("[", 20000), "a = " + Repeat("[", 20000),
                                           "a = " + Repeat("{a=", 20000)};
  for (size_t b = 0; b < bodies.size(); ++b) {
    std::string deep = tmp.File("deep" + std::to_string(b) + ".toml");
    std::ofstream(deep) << "# hostile\n" << bodies[b] << "\n";
    const std::vector<std::string> commands = {
        "run " + deep + " --out " + tmp.File("run"),
        "serve --config " + deep + " --port 0",
        "train --model lr --data " + tmp.File("d.tsv") + " --format criteo --config " + deep + " --out " +
            tmp.File("m.apm"),
        "data stats " + tmp.File("d.csv") + " --format csv --schema " + deep,
        "gen world --out " + tmp.File("w") + " --config " + deep,
        "mmm fit --data " + tmp.File("m.csv") + " --date-col date --kpi-col kpi --channels a --config " + deep +
            " --out " + tmp.File("mmm.bin"),
    };
    // Every reader with headers; the other shapes through one reader (the core test covers each shape).
    for (const auto& cmd : b == 0 ? commands : std::vector<std::string>{commands[0]}) {
      SCOPED_TRACE(cmd.substr(0, 60) + " / body " + std::to_string(b));
      auto [code, err] = RunAdpilot(tmp, cmd);
      EXPECT_EQ(code, 2) << err;  // before: 139 (SIGSEGV in toml11)
      EXPECT_NE(err.find(deep + ":2: TOML nested deeper than"), std::string::npos) << err;
    }
  }
}

// A serve config that would start if its numbers were not checked.
std::string ServeConfig(const std::string& budget, const std::string& w) {
  return "[server]\nhost = \"127.0.0.1\"\nport = 0\n"
         "[[campaign]]\nid = \"c1\"\ndaily_budget = " +
         budget +
         "\nmax_cpm = 3.0\nstrategy = \"lin\"\n"
         "params = { b0 = 1.5 }\navg_ctr = 0.1\navg_cpm = 1.0\n"
         "[[campaign.creative]]\nid = \"cr\"\nw = " +
         w + "\nh = 250\nadm = \"<a/>\"\n";
}

TEST(ConfigHardening, ServeNumbersAreFiniteAndFitTheirType) {
  TempDir tmp;
  struct Case {
    std::string budget, w, key;
  } cases[] = {{"inf", "300", "daily_budget"},
               {"nan", "300", "daily_budget"},
               {"1.0", "4294967596", "w"},  // wrapped to 300 before
               {"1.0", "-4294967000", "w"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.budget + " " + c.w);
    WriteFileAtomic(tmp.File("s.toml"), ServeConfig(c.budget, c.w));
    // Before the fix these were accepted and the server started.
    auto [code, err] = RunAdpilot(tmp, "serve --config " + tmp.File("s.toml"));
    EXPECT_EQ(code, 2) << err;
    EXPECT_NE(err.find(tmp.File("s.toml")), std::string::npos) << err;
    EXPECT_NE(err.find(c.key), std::string::npos) << err;
  }
  // [server] options: declared bounds and integer width.
  for (const char* bad : {"port = 70000", "threads = 4294967297", "redis_timeout_ms = inf", "port = 8e1"}) {
    SCOPED_TRACE(bad);
    std::string cfg = ServeConfig("1.0", "300");
    cfg.replace(cfg.find("port = 0"), 8, bad);
    WriteFileAtomic(tmp.File("s.toml"), cfg);
    auto [code, err] = RunAdpilot(tmp, "serve --config " + tmp.File("s.toml"));
    EXPECT_EQ(code, 2) << err;
    EXPECT_NE(err.find(std::string(bad).substr(0, std::string(bad).find(' '))), std::string::npos) << err;
  }
}

TEST(ConfigHardening, WrongTypedRunKeysAreExitTwoNamingTheKey) {
  TempDir tmp;
  const std::string step = "[[step]]\nname = \"s\"\nargs = [\"--help\"]\n";
  struct Case {
    std::string toml, key;
  } cases[] = {
      {"title = 1\n" + step, "title"},
      {"vars = 1\n" + step, "vars"},
      {"[vars]\nseed = [1]\n" + step, "seed"},
      {"[[step]]\nname = 1\nargs = [\"--help\"]\n", "name"},
      {"[[step]]\nname = \"s\"\nstage = 2\nargs = [\"--help\"]\n", "stage"},
      {"[[step]]\nname = \"s\"\nargs = \"--help\"\n", "args"},
      {"[[step]]\nname = \"s\"\nargs = [7]\n", "args"},
      {"[[step]]\nname = \"s\"\njson = \"yes\"\nargs = [\"--help\"]\n", "json"},
      {"[[step]]\nname = \"s\"\noptional = 1\nargs = [\"--help\"]\n", "optional"},
      {"step = [1]\n", "step"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.toml);
    WriteFileAtomic(tmp.File("p.toml"), c.toml);
    auto [code, err] = RunAdpilot(tmp, "run " + tmp.File("p.toml") + " --out " + tmp.File("run"));
    EXPECT_EQ(code, 2) << err;  // before: 1 (toml11's type_error)
    EXPECT_NE(err.find("'" + c.key + "'"), std::string::npos) << err;
  }
}

// A step that needs no input and runs in milliseconds.
constexpr const char* kCheapStep = "args = [\"abtest\", \"plan\", \"--baseline\", \"0.1\", \"--mde\", \"0.05\"]\n";

TEST(ConfigHardening, StepNamesCannotLeaveTheRunDirectory) {
  TempDir tmp;
  for (const char* name : {"../../escaped", "a/b", "..", ".hidden", "", "a b", "x\\\\y"}) {
    SCOPED_TRACE(name);
    WriteFileAtomic(tmp.File("p.toml"),
                    std::string("[[step]]\nname = \"") + name + "\"\nstage = \"data\"\njson = false\n" + kCheapStep);
    auto [code, err] = RunAdpilot(tmp, "run " + tmp.File("p.toml") + " --out " + tmp.File("a/b/run"));
    EXPECT_EQ(code, 2) << err;
    EXPECT_NE(err.find("step"), std::string::npos) << err;
  }
  EXPECT_FALSE(std::filesystem::exists(tmp.File("a/escaped.json")));
  EXPECT_FALSE(std::filesystem::exists(tmp.File("a/escaped.key")));
  // Names the demo uses stay valid.
  WriteFileAtomic(tmp.File("p.toml"), std::string("[[step]]\nname = \"train-ffm_v2.1\"\njson = false\n") + kCheapStep);
  auto [code, err] = RunAdpilot(tmp, "run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --no-report");
  EXPECT_EQ(code, 0) << err;
  EXPECT_TRUE(std::filesystem::exists(tmp.File("run/steps/train-ffm_v2.1.key")));
}

}  // namespace
}  // namespace adpilot
