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
  for (const char* bad : {"bits = 8e1", "bits = 20.0", "bits = 4294967316", "bits = 99", "lr = inf", "lr = nan",
                          "lr = -1.0"}) {
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

}  // namespace
}  // namespace adpilot
