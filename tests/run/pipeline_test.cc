// `adpilot run` runs library commands in process: a typed step and the same
// step as a command line are one step (one key, one result), results feed
// later steps with their JSON types, and bad options fail the step by name.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/command.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/pipeline.h"
#include "common/test_util.h"

namespace adpilot::run {
namespace {

std::string Steps(const std::string& campaigns, const std::string& typed_budget) {
  return "title = \"t\"\n"
         "[[step]]\nname = \"as-args\"\nstage = \"schedule\"\n"
         "args = [\"--threads\", \"1\", \"mmm\", \"split\", \"--campaigns\", \"" +
         campaigns +
         "\", \"--budget\", \"500\"]\n"
         "[[step]]\nname = \"typed\"\nstage = \"schedule\"\ncommand = \"mmm split\"\n"
         "[step.options]\ncampaigns = \"" +
         campaigns + "\"\nbudget = " + typed_budget +
         "\n"
         "[[step]]\nname = \"from-step\"\nstage = \"schedule\"\ncommand = \"mmm split\"\n"
         "[step.options]\ncampaigns = \"" +
         campaigns + "\"\nbudget = \"{@step:typed:budget}\"\n";
}

std::map<std::string, std::string> Statuses(const std::vector<StepResult>& rs) {
  std::map<std::string, std::string> out;
  for (const auto& r : rs) out[r.name] = r.status;
  return out;
}

TEST(Pipeline, TypedAndCommandLineStepsRunInProcessAndShareAKey) {
  testing::TempDir t;
  std::ofstream(t.File("c.csv"))
      << "name,auctions,pctr,pcvr,value,win_c\na,100000,0.01,0.1,50,1\nb,50000,0.02,0.05,80,2\n";
  WriteFileAtomic(t.File("p.toml"), Steps(t.File("c.csv"), "500.0"));
  std::string run = t.File("run"), exe = t.File("c.csv");  // any file stands for the binary
  Pipeline p = LoadPipeline(t.File("p.toml"), run);
  std::vector<StepResult> rs;
  RunPipeline(p, Context::Default(), exe, run, false, rs);
  ASSERT_EQ(rs.size(), 3u);
  for (const auto& r : rs) EXPECT_EQ(r.status, "ran") << r.name << ": " << r.error;
  EXPECT_NEAR(rs[0].output["allocation"]["a"].get<double>() + rs[0].output["allocation"]["b"].get<double>(), 500, 1e-6);
  EXPECT_EQ(rs[0].output, rs[1].output);
  EXPECT_EQ(rs[1].output, rs[2].output);  // the budget came through as a number
  EXPECT_EQ(ReadFile(run + "/steps/as-args.key"), ReadFile(run + "/steps/typed.key"));
  EXPECT_EQ(ReadFile(run + "/steps/as-args.json"), rs[0].output.dump(2));
  // Nothing changed: every step is reused. A changed option reruns its step only.
  rs.clear();
  RunPipeline(p, Context::Default(), exe, run, false, rs);
  EXPECT_EQ(Statuses(rs),
            (std::map<std::string, std::string>{{"as-args", "cached"}, {"typed", "cached"}, {"from-step", "cached"}}));
  WriteFileAtomic(t.File("p.toml"), Steps(t.File("c.csv"), "400.0"));
  rs.clear();
  RunPipeline(LoadPipeline(t.File("p.toml"), run), Context::Default(), exe, run, false, rs);
  EXPECT_EQ(Statuses(rs),
            (std::map<std::string, std::string>{{"as-args", "cached"}, {"typed", "ran"}, {"from-step", "ran"}}));
  // An input's content is part of the key.
  std::ofstream(t.File("c.csv"), std::ios::app) << "c,1000,0.01,0.1,50,1\n";
  rs.clear();
  RunPipeline(LoadPipeline(t.File("p.toml"), run), Context::Default(), exe, run, false, rs);
  EXPECT_EQ(rs[0].status, "ran");
}

// --var replaces a [vars] entry (placeholders and all), and `when` decides
// which steps run: the demo's switch between USE-Lite and a pretrained BERT.
TEST(Pipeline, VarOverridesAndWhenPickTheSteps) {
  testing::TempDir t;
  std::ofstream(t.File("c.csv"))
      << "name,auctions,pctr,pcvr,value,win_c\na,100000,0.01,0.1,50,1\nb,50000,0.02,0.05,80,2\n";
  std::string toml =
      "[vars]\nmode = \"fast\"\nout = \"{run}/x\"\n"
      "[[step]]\nname = \"fast\"\ncommand = \"mmm split\"\nwhen = \"{mode} == fast\"\n"
      "[step.options]\ncampaigns = \"" +
      t.File("c.csv") +
      "\"\nbudget = 500.0\n"
      "[[step]]\nname = \"slow\"\ncommand = \"mmm split\"\nwhen = \" {mode} != fast \"\n"
      "[step.options]\ncampaigns = \"" +
      t.File("c.csv") + "\"\nbudget = 400.0\n";
  WriteFileAtomic(t.File("p.toml"), toml);
  std::string run = t.File("run");
  Pipeline p = LoadPipeline(t.File("p.toml"), run);
  EXPECT_TRUE(p.steps[0].enabled);
  EXPECT_FALSE(p.steps[1].enabled);
  std::vector<StepResult> rs;
  RunPipeline(p, Context::Default(), t.File("c.csv"), run, false, rs);
  EXPECT_EQ(Statuses(rs), (std::map<std::string, std::string>{{"fast", "ran"}, {"slow", "skipped"}}));
  EXPECT_FALSE(std::filesystem::exists(run + "/steps/slow.json"));

  p = LoadPipeline(t.File("p.toml"), run, {{"mode", "thorough"}, {"out", "{run}/y"}});
  EXPECT_FALSE(p.steps[0].enabled);
  EXPECT_TRUE(p.steps[1].enabled);
  EXPECT_EQ(p.vars["out"], std::filesystem::absolute(run).lexically_normal().string() + "/y");
  // A name the config has no [vars] entry for, a built-in, and a bad `when` are errors.
  EXPECT_THROW(LoadPipeline(t.File("p.toml"), run, {{"mood", "x"}}), Error);
  EXPECT_THROW(LoadPipeline(t.File("p.toml"), run, {{"run", "x"}}), Error);
  WriteFileAtomic(t.File("bad.toml"), "[[step]]\nname = \"a\"\ncommand = \"mmm split\"\nwhen = \"maybe\"\n");
  EXPECT_THROW(LoadPipeline(t.File("bad.toml"), run), Error);
}

// The example pipelines are typed steps whose every option is one the command
// declares, with a value of its type (placeholders resolve at run time).
TEST(Pipeline, ExampleConfigsAreTypedAndEveryOptionBinds) {
  for (const char* name : {"demo.toml", "own-data.toml"}) {
    SCOPED_TRACE(name);
    Pipeline p = LoadPipeline(std::string(ADPILOT_SOURCE_DIR) + "/examples/" + name, "run");
    ASSERT_FALSE(p.steps.empty());
    for (const auto& step : p.steps) {
      SCOPED_TRACE(step.name);
      EXPECT_TRUE(step.args.empty()) << "a command-line step";
      std::vector<std::string> words;
      for (size_t a = 0, b; a < step.command.size(); a = b + 1) {
        b = step.command.find(' ', a);
        if (b == std::string::npos) b = step.command.size();
        words.push_back(step.command.substr(a, b - a));
      }
      size_t used = 0;
      const CommandSpec* spec = FindCommand(words, &used);
      ASSERT_NE(spec, nullptr) << step.command;
      EXPECT_EQ(used, words.size()) << step.command;
      auto cmd = spec->make();
      OptionSet set(cmd->config_section());
      cmd->Describe(set);
      for (auto it = step.options.begin(); it != step.options.end(); ++it) {
        if (it.key() == "config") continue;  // the command's --config file, read by the run
        if (it->is_string() && it->get<std::string>().rfind("{@", 0) == 0) continue;
        EXPECT_NO_THROW(set.SetFromJson(it.key(), it.value(), step.name)) << it.key();
      }
    }
  }
}

TEST(Pipeline, BadOptionsFailTheStepNamingIt) {
  testing::TempDir t;
  std::ofstream(t.File("c.csv")) << "name,auctions,pctr,pcvr,value,win_c\na,100000,0.01,0.1,50,1\n";
  for (std::string options : {"budgit = 1.0", "budget = \"lots\"", "budget = -1.0", "budget = true"}) {
    SCOPED_TRACE(options);
    WriteFileAtomic(t.File("p.toml"),
                    "[[step]]\nname = \"s\"\ncommand = \"mmm split\"\n[step.options]\ncampaigns = \"" +
                        t.File("c.csv") + "\"\n" + options + "\n");
    std::vector<StepResult> rs;
    try {
      RunPipeline(LoadPipeline(t.File("p.toml"), t.File("run")), Context::Default(), t.File("c.csv"), t.File("run"),
                  false, rs);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("step 's'"), std::string::npos) << e.what();
    }
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].status, "failed");
  }
  // A required option missing, an unknown command, and a step with both forms.
  for (std::string step : {"command = \"mmm split\"\n", "command = \"mmm nope\"\n",
                           "command = \"mmm split\"\nargs = [\"mmm\", \"split\"]\n"}) {
    SCOPED_TRACE(step);
    WriteFileAtomic(t.File("p.toml"), "[[step]]\nname = \"s\"\n" + step);
    std::vector<StepResult> rs;
    EXPECT_THROW(RunPipeline(LoadPipeline(t.File("p.toml"), t.File("run")), Context::Default(), t.File("c.csv"),
                             t.File("run"), false, rs),
                 Error);
  }
}

}  // namespace
}  // namespace adpilot::run
