#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/world.h"
#include "common/test_util.h"
#include "world_fixture.h"

namespace adpilot {
namespace {

// Loads `toml` into a fresh config; returns the error message ("" if none).
std::string LoadError(const std::string& toml) {
  testing::TempDir tmp;
  std::ofstream(tmp.File("w.toml")) << toml;
  WorldConfig cfg;
  OptionSet o;
  cfg.Describe(o);
  try {
    o.LoadTomlFile(tmp.File("w.toml"));
    o.Validate();
    cfg.Check();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  return "";
}

TEST(GenConfig, BadConfigIsAnErrorNamingTheKey) {
  EXPECT_EQ(LoadError("auctions = 1000\nctr = 0.02\ntopics = 5\n"), "");
  EXPECT_NE(LoadError("auctions = -5\n").find("auctions"), std::string::npos);
  EXPECT_NE(LoadError("users = 0\n").find("users"), std::string::npos);
  EXPECT_NE(LoadError("ctr = 1.5\n").find("ctr"), std::string::npos);
  EXPECT_NE(LoadError("treatment_share = -0.1\n").find("treatment_share"), std::string::npos);
  EXPECT_NE(LoadError("journey_base_rate = 2\n").find("journey_base_rate"), std::string::npos);
  EXPECT_NE(LoadError("topics = 40\n").find("topics"), std::string::npos);
  std::string unknown = LoadError("auctionz = 5\n");
  EXPECT_NE(unknown.find("auctionz"), std::string::npos);
  EXPECT_NE(unknown.find("w.toml"), std::string::npos);
  EXPECT_NE(LoadError("texts_min = 9\ntexts_max = 4\n").find("texts_min"), std::string::npos);
  EXPECT_NE(LoadError("auctions = \"many\"\n").find("auctions"), std::string::npos);
}

TEST(GenConfig, ScalesSetTheSizes) {
  WorldConfig c;
  c.ApplyScale("medium");
  EXPECT_GE(c.auctions, 2000000);
  c.ApplyScale("large");
  EXPECT_EQ(c.auctions, 100000000);
  c.ApplyScale("small");
  EXPECT_EQ(c.auctions, WorldConfig().auctions);
  EXPECT_THROW(c.ApplyScale("huge"), Error);
}

TEST(GenConfig, ExampleConfigLoads) {
  WorldConfig cfg;
  OptionSet o;
  cfg.Describe(o);
  o.LoadTomlFile(std::string(ADPILOT_SOURCE_DIR) + "/examples/world.toml");
  o.Validate();
  cfg.Check();
  EXPECT_EQ(cfg.channels, 6);
}

TEST(GenCli, WorldCommandWritesTheFilesAndRejectsBadConfig) {
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) GTEST_SKIP() << "adpilot CLI not built";
  testing::TempDir tmp;
  std::string out = tmp.File("w");
  auto r = testing::RunCli("--seed 7 gen world --out " + out +
                           " --auctions 20000 --users 300 --experiment-units 500 --journeys 500 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["auctions"], 20000);
  for (const char* f : {"users.jsonl", "auctions.tsv", "auctions.rlb", "auctions.meta.tsv", "channels.csv",
                        "experiment.csv", "uplift_truth.csv", "journeys.csv", "truth.json"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  std::ofstream(tmp.File("bad.toml")) << "ctr = 7\n";
  r = testing::RunCli("gen world --out " + out + " --config " + tmp.File("bad.toml"), tmp.File("err.txt"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(testing::Slurp(tmp.File("err.txt")).find("ctr"), std::string::npos);
  r = testing::RunCli("gen world --out " + out + " --users -3", tmp.File("err.txt"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(testing::Slurp(tmp.File("err.txt")).find("users"), std::string::npos);
}

}  // namespace
}  // namespace adpilot
