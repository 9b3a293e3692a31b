#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "adpilot/options.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

struct Demo {
  int bits = 20;
  double lr = 0.1;
  std::string model = "lr";
  bool verbose = false;
  std::vector<std::string> cross;
  void Describe(OptionSet& o) {
    o.Add("bits", &bits, "hash bits").Range(1, 30);
    o.Add("lr", &lr, "learning rate").Min(0);
    o.Add("model", &model, "model").Choices({"lr", "ffm"});
    o.Add("verbose", &verbose, "talk");
    o.Add("cross", &cross, "crosses");
  }
};

TEST(Options, TomlThenFlagsOverride) {
  testing::TempDir tmp;
  std::ofstream(tmp.File("c.toml")) << "[train]\nbits = 18\nlr = 0.05\nmodel = \"ffm\"\ncross = [\"C1xC2\"]\n";
  Demo d;
  OptionSet o("train");
  d.Describe(o);
  o.LoadTomlFile(tmp.File("c.toml"));
  EXPECT_EQ(d.bits, 18);
  EXPECT_DOUBLE_EQ(d.lr, 0.05);
  EXPECT_EQ(d.model, "ffm");
  ASSERT_EQ(d.cross.size(), 1u);
  o.SetFromString("bits", "22", "--bits");
  EXPECT_EQ(d.bits, 22);
  o.SetFromString("lr", "1/32", "--lr");
  EXPECT_DOUBLE_EQ(d.lr, 1.0 / 32);
}

TEST(Options, UnknownKeyNamesKeyAndFile) {
  testing::TempDir tmp;
  std::ofstream(tmp.File("c.toml")) << "[train]\nbitz = 18\n";
  Demo d;
  OptionSet o("train");
  d.Describe(o);
  try {
    o.LoadTomlFile(tmp.File("c.toml"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("bitz"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("c.toml"), std::string::npos);
  }
}

TEST(Options, BoundsAndChoicesChecked) {
  Demo d;
  OptionSet o;
  d.Describe(o);
  EXPECT_THROW(o.SetFromString("bits", "40", "--bits"), Error);
  EXPECT_THROW(o.SetFromString("model", "svm", "--model"), Error);
  EXPECT_THROW(o.SetFromString("lr", "abc", "--lr"), Error);
  EXPECT_THROW(o.SetFromString("lr", "nan", "--lr"), Error);
}

// Config numbers: finite, within the declared bounds, integers that fit their
// type, and no float standing in for an integer (8e1 used to be read as 80).
TEST(Options, TomlNumbersAreRangeChecked) {
  testing::TempDir tmp;
  for (const char* bad :
       {"bits = 8e1", "bits = 20.0", "bits = 4294967316", "bits = 99", "lr = inf", "lr = nan", "lr = -1.0"}) {
    SCOPED_TRACE(bad);
    std::ofstream(tmp.File("c.toml")) << "[train]\n" << bad << "\n";
    Demo d;
    OptionSet o("train");
    d.Describe(o);
    try {
      o.LoadTomlFile(tmp.File("c.toml"));
      FAIL() << "accepted; bits = " << d.bits << ", lr = " << d.lr;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      std::string key = std::string(bad).substr(0, std::string(bad).find(' '));
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("c.toml"), std::string::npos) << e.what();
    }
  }
  // Fractions whose parts are finite but whose quotient is not.
  Demo d;
  OptionSet o;
  d.Describe(o);
  EXPECT_THROW(o.SetFromString("lr", "1e308/1e-308", "--lr"), Error);
}

TEST(Options, JsonRoundTrip) {
  Demo a;
  a.bits = 12;
  a.model = "ffm";
  OptionSet oa;
  a.Describe(oa);
  Demo b;
  OptionSet ob;
  b.Describe(ob);
  ob.FromJson(oa.ToJson(), "test");
  EXPECT_EQ(b.bits, 12);
  EXPECT_EQ(b.model, "ffm");
}

// The command-line form `adpilot run` parses in process: flags, =values,
// bare bools, repeated lists, positionals, aliases; and what it refuses.
TEST(Options, ParseArgsLikeTheCommandLine) {
  struct Cmd {
    std::string file, out;
    int bits = 20;
    double rate = 0.1;
    bool dry = false;
    std::vector<std::string> metric;
  } c;
  OptionSet o;
  o.Add("file", &c.file, "input").Positional().Required();
  o.Add("bits", &c.bits, "hash bits").Range(1, 30);
  o.Add("learning_rate", &c.rate, "step size").Min(0).Alias("eta");
  o.Add("dry_run", &c.dry, "do nothing");
  o.Add("metric", &c.metric, "metrics");
  o.Add("out", &c.out, "output").Output();
  o.ParseArgs({"in.tsv", "--bits", "18", "--eta=0.5", "--dry-run", "--metric", "a", "--metric", "b,c", "--out", "o"},
              "step 'x'");
  o.Validate();
  EXPECT_EQ(c.file, "in.tsv");
  EXPECT_EQ(c.bits, 18);
  EXPECT_DOUBLE_EQ(c.rate, 0.5);
  EXPECT_TRUE(c.dry);
  EXPECT_EQ(c.metric, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(OptionSet::FlagName("learning_rate"), "--learning-rate");
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"in", "--nope", "1"}, {"in", "--bits"}, {"in", "--bits", "31"}, {"in", "extra", "--bits", "2"}}) {
    Cmd d;
    OptionSet p;
    p.Add("file", &d.file, "input").Positional();
    p.Add("bits", &d.bits, "hash bits").Range(1, 30);
    try {
      p.ParseArgs(bad, "step 'x'");
      FAIL() << bad[1];
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("step 'x'"), std::string::npos) << e.what();
    }
  }
  // A required option not given is an error naming its flag.
  Cmd r;
  OptionSet q;
  q.Add("out", &r.out, "output").Required();
  try {
    q.Validate();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--out is required"), std::string::npos) << e.what();
  }
}

// Typed values of a run step: numbers must fit the type; strings parse as flags do.
TEST(Options, SetFromJsonKeepsTypes) {
  Demo d;
  OptionSet o;
  d.Describe(o);
  o.SetFromJson("bits", 18, "s");
  o.SetFromJson("lr", 0.25, "s");
  o.SetFromJson("verbose", true, "s");
  o.SetFromJson("cross", nlohmann::json::array({"C1xC2", "C3xC4"}), "s");
  o.SetFromJson("lr", "1/4", "s");
  EXPECT_EQ(d.bits, 18);
  EXPECT_DOUBLE_EQ(d.lr, 0.25);
  EXPECT_TRUE(d.verbose);
  EXPECT_EQ(d.cross.size(), 2u);
  EXPECT_THROW(o.SetFromJson("bits", 18.5, "s"), Error);
  EXPECT_THROW(o.SetFromJson("bits", 99, "s"), Error);
  EXPECT_THROW(o.SetFromJson("verbose", 1, "s"), Error);
  EXPECT_THROW(o.SetFromJson("lr", true, "s"), Error);
  EXPECT_THROW(o.SetFromJson("nope", 1, "s"), Error);
}

}  // namespace
}  // namespace adpilot
