// The data commands as library commands (adpilot/command.h), run in process as
// `adpilot run` runs them: the positional input, the [features] table of
// --config under the flags, and the feature bounds declared once.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/features.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

// Runs a command from its words and arguments the way the binders do: config
// (top level) first, then the arguments, then Run.
nlohmann::json RunCommand(const std::vector<std::string>& words, const std::vector<std::string>& args,
                          const std::string& config = "") {
  const CommandSpec* spec = FindCommand(words);
  EXPECT_NE(spec, nullptr);
  auto cmd = spec->make();
  OptionSet set;
  cmd->Describe(set);
  if (!config.empty()) set.LoadTomlFile(config);
  set.ParseArgs(args, "test");
  set.Validate();
  cmd->set_config_path(config);
  cmd->set_given(set);
  return cmd->Run(Context());
}

// The largest feature index of a libffm file (field:index:value tokens).
uint64_t MaxFfmIndex(const std::string& path) {
  std::ifstream in(path);
  std::string tok;
  uint64_t max = 0;
  while (in >> tok) {
    size_t a = tok.find(':'), b = tok.rfind(':');
    if (a != std::string::npos && b != a) max = std::max<uint64_t>(max, std::stoull(tok.substr(a + 1, b - a - 1)));
  }
  return max;
}

TEST(DataCommands, ConvertReadsTheFeaturesTableUnderTheFlags) {
  testing::TempDir d;
  std::string text;
  for (int i = 0; i < 50; ++i) text += testing::CriteoFixture();
  testing::WriteText(d.File("a.tsv"), text);
  testing::WriteText(d.File("c.toml"), "[features]\nbits = 6\n");
  // The table's bits apply...
  auto r =
      RunCommand({"data", "convert"},
                 {d.File("a.tsv"), "--format", "criteo", "--to", "libffm", "--out", d.File("a.ffm")}, d.File("c.toml"));
  EXPECT_EQ(r["rows"], 150);
  EXPECT_LT(MaxFfmIndex(d.File("a.ffm")), 1u << 6);
  EXPECT_GE(MaxFfmIndex(d.File("a.ffm")), 1u << 4);  // 26+ distinct tokens over 64 buckets reach the top quarter
  // ... and a flag wins over the table.
  RunCommand({"data", "convert"},
             {d.File("a.tsv"), "--format", "criteo", "--to", "libffm", "--out", d.File("b.ffm"), "--bits", "3"},
             d.File("c.toml"));
  EXPECT_LT(MaxFfmIndex(d.File("b.ffm")), 1u << 3);
}

TEST(DataCommands, SplitTakesItsInputByPosition) {
  testing::TempDir d;
  testing::WriteText(d.File("l.txt"), "h\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
  auto r = RunCommand({"data", "split"},
                      {d.File("l.txt"), "--train", "0.5", "--valid", "0.2", "--out-prefix", d.File("p"), "--header"});
  EXPECT_EQ(r["lines"], 10);
  EXPECT_EQ(r["train"]["lines"], 5);
  EXPECT_EQ(r["valid"]["lines"], 2);
  EXPECT_EQ(testing::ReadAll(d.File("p.test")), "h\n8\n9\n10\n");
  EXPECT_THROW(RunCommand({"data", "split"}, {d.File("l.txt"), "--train", "0.9", "--out-prefix", d.File("p")}), Error);
}

// The bits bound is declared once (FeatureConfig::Describe) and the hasher
// checks configs built in code against that same declaration.
TEST(DataCommands, HasherChecksTheDeclaredBounds) {
  Schema schema;
  schema.fields = {"a"};
  schema.kinds = {FieldKind::kCategorical};
  for (int bits : {0, 31}) {
    FeatureConfig c;
    c.bits = bits;
    EXPECT_THROW(FeatureHasher(c, schema), Error) << bits;
  }
  FeatureConfig ok;
  ok.bits = 30;
  EXPECT_NO_THROW(FeatureHasher(ok, schema));
  FeatureConfig bad_numeric;
  bad_numeric.numeric = "sqrt";
  EXPECT_THROW(FeatureHasher(bad_numeric, schema), Error);
}

}  // namespace
}  // namespace adpilot
