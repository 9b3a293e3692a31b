// A CLI that helps: mistyped commands and flags get the closest names and exit
// 2, --json errors are JSON on stdout, --help shows types, bounds and
// examples, and bash completion comes from the same declarations.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "cli/cli_fixtures.h"

namespace adpilot::testing {
namespace {

std::string Err(const TempDir& t) { return ReadFile(t.File("err.txt")); }

TEST(CliHelp, UnknownCommandsAndFlagsGetTheClosestNamesAndExit2) {
  TempDir t;
  struct Case {
    std::string args, want;
  };
  for (const Case& c : std::vector<Case>{
           {"trian", "unknown command 'trian'; did you mean 'train'?"},
           {"trian --help", "unknown command 'trian'; did you mean 'train'?"},
           {"mmm alocate --budget 1", "unknown 'mmm' command 'alocate'; did you mean 'allocate'?"},
           {"train --modle ffm", "unknown option '--modle' for 'train'; did you mean '--model'?"},
           {"--thread 2 train --model lr", "unknown option '--thread' for adpilot; did you mean '--threads'?"},
           {"eval --model m.apm --dat x.tsv", "unknown option '--dat' for 'eval'; did you mean '--data'"},
       }) {
    SCOPED_TRACE(c.args);
    auto r = RunCli(c.args, t.File("err.txt"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(Err(t).find(c.want), std::string::npos) << Err(t);
  }
  // Globals after the command, short flags, values that look like flags: not errors.
  WriteCriteoRows(t.File("a.tsv"), 50);
  auto ok = RunCli("data stats " + t.File("a.tsv") + " -qv --format criteo --threads 1 --json", t.File("err.txt"));
  EXPECT_EQ(ok.exit_code, 0) << Err(t);
}

TEST(CliHelp, JsonErrorsAreOneJsonObjectOnStdout) {
  TempDir t;
  auto r = RunCli("train --modle ffm --json", t.File("err.txt"));
  EXPECT_EQ(r.exit_code, 2);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], "invalid_argument");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("--model"), std::string::npos);

  auto missing = RunCli("eval --json --model " + t.File("none.apm") + " --data " + t.File("none.tsv"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(nlohmann::json::parse(missing.out)["error"]["code"], "not_found");

  // `run --json` prints its summary, the error in it, and no second object.
  std::ofstream(t.File("p.toml")) << "[[step]]\nname = \"s\"\ncommand = \"mmm split\"\n[step.options]\n"
                                  << "campaigns = \"" << t.File("none.csv") << "\"\nbudget = 1.0\n";
  auto run = RunCli("run " + t.File("p.toml") + " --out " + t.File("run") + " --no-report --json");
  EXPECT_EQ(run.exit_code, 2);
  auto summary = nlohmann::json::parse(run.out);  // throws on a second object
  EXPECT_FALSE(summary["ok"].get<bool>());
  EXPECT_NE(summary["error"].get<std::string>().find("step 's'"), std::string::npos);

  // A bad row under --on-error fail: the error object names the file and line.
  std::ofstream(t.File("bad.tsv")) << "1\t2\n"
                                   << "x\tnot-a-row\n";
  auto bad = RunCli("data stats " + t.File("bad.tsv") + " --format criteo --on-error fail --json");
  EXPECT_EQ(bad.exit_code, 2);
  auto e = nlohmann::json::parse(bad.out)["error"];
  EXPECT_EQ(e["code"], "bad_input") << e;
  EXPECT_EQ(e["file"], t.File("bad.tsv")) << e;
  EXPECT_EQ(e["line"], 1) << e;
}

TEST(CliHelp, HelpShowsTypesBoundsAndExamples) {
  auto r = RunCli("train --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--bits INT"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 to 30"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--shuffle [BOOL]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("{true}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Examples:\n  adpilot train --model ffm"), std::string::npos) << r.out;
}

// Runs the completion function as bash would for the words typed so far.
std::string Complete(const TempDir& t, const std::string& words) {
  std::ofstream(t.File("c.sh")) << "source <(" << ADPILOT_CLI_PATH << " completion bash)\n"
                                << "COMP_WORDS=(" << words << ")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                                << "_adpilot\necho \"${COMPREPLY[*]}\"\n";
  return RunShell("bash " + t.File("c.sh")).out;
}

TEST(CliHelp, BashCompletionFromTheSameDeclarations) {
  TempDir t;
  EXPECT_EQ(Complete(t, "adpilot tra"), "train\n");
  EXPECT_EQ(Complete(t, "adpilot mmm al"), "allocate\n");
  EXPECT_NE(Complete(t, "adpilot train --mod").find("--model"), std::string::npos);
  EXPECT_NE(Complete(t, "adpilot train --learn").find("--learning-rate"), std::string::npos);
  // A global flag after the command.
  EXPECT_NE(Complete(t, "adpilot mmm allocate --thr").find("--threads"), std::string::npos);
  EXPECT_NE(Complete(t, "adpilot mmm allocate --bud").find("--budget"), std::string::npos);
}

}  // namespace
}  // namespace adpilot::testing
