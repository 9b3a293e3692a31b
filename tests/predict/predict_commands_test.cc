// train and eval as library commands, set as `adpilot run` sets a step's typed
// options: a model option reaches the model with its own type and bounds, one
// that does not apply is an error, and a warm start rejects only the feature
// options that were given.
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

void WriteRows(const std::string& path, int rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::ofstream f(path);
  for (int r = 0; r < rows; ++r) {
    int a = int(rng() % 6);
    f << int(rng() % 10 < unsigned(a));
    for (int i = 0; i < 13; ++i) f << '\t' << int(rng() % 4);
    for (int i = 0; i < 26; ++i) f << '\t' << fmt::format("{:08x}", i == 0 ? a : int(rng() % 3));
    f << '\n';
  }
}

nlohmann::json RunStep(const std::string& name, const nlohmann::json& options) {
  const CommandSpec* spec = FindCommand({name});
  EXPECT_NE(spec, nullptr);
  auto cmd = spec->make();
  OptionSet set;
  cmd->Describe(set);
  for (auto it = options.begin(); it != options.end(); ++it) set.SetFromJson(it.key(), it.value(), "test");
  set.Validate();
  cmd->set_given(set);
  return cmd->Run(Context());
}

TEST(PredictCommands, TypedModelOptionsReachTheModel) {
  testing::TempDir d;
  WriteRows(d.File("a.tsv"), 600, 1);
  auto r = RunStep("train", {{"model", "lr"},
                             {"data", d.File("a.tsv")},
                             {"format", "criteo"},
                             {"bits", 12},
                             {"epochs", 1},
                             {"learning_rate", 0.05},
                             {"out", d.File("m.apm")}});
  EXPECT_EQ(r["config"]["params"]["learning_rate"], 0.05);
  EXPECT_EQ(r["config"]["features"]["config"]["bits"], 12);
  // Bounds are the model's: the learning rate must be positive.
  EXPECT_THROW(RunStep("train", {{"model", "lr"}, {"data", d.File("a.tsv")}, {"learning_rate", -1}}), Error);
  // k is fm's and ffm's, not lr's.
  EXPECT_THROW(RunStep("train", {{"model", "lr"}, {"data", d.File("a.tsv")}, {"k", 4}}), Error);

  // A warm start keeps the model's hashing: a feature option given with another
  // value is an error; left out (or given the model's value) it is not.
  EXPECT_THROW(RunStep("train", {{"init", d.File("m.apm")}, {"data", d.File("a.tsv")}, {"bits", 14}}), Error);
  auto w = RunStep("train", {{"init", d.File("m.apm")}, {"data", d.File("a.tsv")}, {"bits", 12}, {"epochs", 1}});
  EXPECT_TRUE(w["warm_start"].get<bool>());
  EXPECT_EQ(w["config"]["features"]["config"]["bits"], 12);

  auto e = RunStep("eval", {{"model", d.File("m.apm")}, {"data", d.File("a.tsv")}});
  EXPECT_EQ(e["rows"], 600);
  EXPECT_THROW(RunStep("eval", {{"model", d.File("none.apm")}, {"data", d.File("a.tsv")}}), Error);
}

// One name for the learning rate in every model; each model's older name
// (lr: alpha; fm, ffm, gbdt: eta; deep: lr) is still accepted as a flag, a
// config key and a key of the parameters stored in older model files.
TEST(PredictCommands, LearningRateHasOneNameAndTheOldNamesAreAliases) {
  testing::TempDir d;
  WriteRows(d.File("a.tsv"), 300, 2);
  std::vector<std::pair<std::string, std::string>> old = {
      {"lr", "alpha"}, {"fm", "eta"}, {"ffm", "eta"}, {"gbdt", "eta"}};
  if (ModelRegistry::Get().Has("deepfm")) old.push_back({"deepfm", "lr"});
  for (const auto& [model, old_key] : old) {
    SCOPED_TRACE(model);
    for (const std::string& key : {std::string("learning_rate"), old_key}) {
      nlohmann::json opts = {{"model", model},     {"data", d.File("a.tsv")},
                             {"format", "criteo"}, {"bits", 10},
                             {"epochs", 1},        {key, 0.0625}};
      if (model == "gbdt") opts["rounds"] = 2;
      auto r = RunStep("train", opts);
      EXPECT_EQ(r["config"]["params"]["learning_rate"], 0.0625) << key;
      EXPECT_FALSE(r["config"]["params"].contains(old_key)) << key;
    }
    auto m = CreateModel(model);
    OptionSet ms(model);
    m->Describe(ms);
    ms.FromJson({{old_key, 0.125}}, "an older model file");
    EXPECT_EQ(ms.ToJson()["learning_rate"], 0.125);
  }
}

}  // namespace
}  // namespace adpilot
