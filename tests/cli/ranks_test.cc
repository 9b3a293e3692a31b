// gen world and bid simulate under mpirun (docs/distributed.md): the work is
// split across ranks and the output is the one process's, byte for byte where
// it is deterministic. Skipped with a message where mpirun is absent or the
// build has no MPI.
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"

namespace adpilot {
namespace {

namespace fs = std::filesystem;

using testing::ReadText;

// `adpilot args` on np ranks; stderr to `err`.
testing::CliResult Mpirun(int np, const std::string& args, const std::string& err) {
  return testing::RunShell(testing::MpirunPrefix(np) + ADPILOT_CLI_PATH + " " + args + " 2>" + err);
}

void DropSeconds(nlohmann::json& j) {
  if (j.is_object()) j.erase("seconds");
  if (j.is_structured())
    for (auto& v : j) DropSeconds(v);
}

// Every file of the world, by name (the part files must be gone).
std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out[e.path().filename().string()] = ReadText(e.path().string());
  return out;
}

// Two small worlds, tmp/a and tmp/b: the campaigns of the sweeps below.
bool TwoCampaigns(const testing::TempDir& tmp) {
  for (const char* camp : {"a", "b"})
    if (testing::RunCli(std::string("--quiet --seed ") + (camp[0] == 'a' ? "3" : "5") + " gen world --out " +
                        tmp.File(camp) + " --auctions 30000 --users 300 --experiment-units 500 --journeys 500")
            .exit_code != 0)
      return false;
  return true;
}

TEST(Ranks, GenWorldSplitAcrossRanksWritesTheSameFiles) {
  testing::TempDir tmp;
  if (auto why = testing::MpiSkipReason(); !why.empty()) GTEST_SKIP() << why;
  // 4.6 blocks of auctions: 2 ranks get 3 and 2 blocks (the last one short),
  // 6 ranks leave one rank with none.
  const std::string knobs = " --auctions 300000 --users 400 --experiment-units 500 --journeys 500 --json";
  auto one = testing::RunCli("--quiet --seed 9 --threads 2 gen world --out " + tmp.File("np1") + knobs);
  ASSERT_EQ(one.exit_code, 0);
  const auto want = Files(tmp.File("np1"));
  ASSERT_EQ(want.size(), 9u);
  for (int np : {2, 6}) {
    SCOPED_TRACE(std::to_string(np) + " ranks");
    const std::string out = tmp.File("np" + std::to_string(np));
    auto r = Mpirun(np, "--quiet --seed 9 --threads 1 gen world --out " + out + knobs, tmp.File("err"));
    ASSERT_EQ(r.exit_code, 0) << ReadText(tmp.File("err"));
    const auto got = Files(out);
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [name, bytes] : want) {
      ASSERT_TRUE(got.count(name)) << name;
      EXPECT_TRUE(got.at(name) == bytes) << name << " differs";
    }
    auto a = nlohmann::json::parse(one.out), b = nlohmann::json::parse(r.out);
    a.erase("out"), b.erase("out");
    EXPECT_EQ(a, b);
  }
}

// A sweep over campaigns x budget ratios: each run is the single replay of
// that campaign at that ratio, in one process and split across ranks.
TEST(Ranks, SimulateSweepMatchesSingleRunsOnAnyRankCount) {
  testing::TempDir tmp;
  ASSERT_TRUE(TwoCampaigns(tmp));
  const std::string common =
      "--quiet --threads 1 bid simulate --format world --tune-split 0.5 --episode 1000 "
      "--strategy lin --json --log ";
  const std::string sweep = common + tmp.File("{camp}/auctions.rlb") + " --campaigns a,b --budget-ratios 1/16,1/4";
  auto one = testing::RunCli(sweep);
  ASSERT_EQ(one.exit_code, 0) << one.out;
  auto want = nlohmann::json::parse(one.out);
  ASSERT_EQ(want["runs"].size(), 4u);
  const char* ratios[] = {"1/16", "1/4"};
  for (size_t i = 0; i < 4; ++i) {
    const std::string camp = i < 2 ? "a" : "b";
    auto single = testing::RunCli(common + tmp.File(camp + "/auctions.rlb") + " --budget-ratio " + ratios[i % 2]);
    ASSERT_EQ(single.exit_code, 0);
    auto s = nlohmann::json::parse(single.out);
    auto w = want["runs"][i];
    EXPECT_EQ(w["campaign"], camp);
    w.erase("campaign");
    DropSeconds(s), DropSeconds(w);
    EXPECT_EQ(w, s) << "run " << i;
  }
  EXPECT_GT(want["runs"][1]["spend"].get<double>(), want["runs"][0]["spend"].get<double>());

  if (auto why = testing::MpiSkipReason(); !why.empty()) GTEST_SKIP() << why;
  DropSeconds(want);
  want.erase("ranks");
  for (int np : {2, 3}) {
    auto r = Mpirun(np, sweep, tmp.File("err"));
    ASSERT_EQ(r.exit_code, 0) << ReadText(tmp.File("err"));
    auto got = nlohmann::json::parse(r.out);
    EXPECT_EQ(got["ranks"], np);
    got.erase("ranks");
    DropSeconds(got);
    EXPECT_EQ(got, want) << np << " ranks";
  }
}

// bid compare over campaigns: the table is the campaigns' own tables, each
// row led by its campaign, in one process and split across ranks.
TEST(Ranks, CompareOverCampaignsIsEachCampaignsTable) {
  testing::TempDir tmp;
  ASSERT_TRUE(TwoCampaigns(tmp));
  const std::string common =
      "--quiet --threads 1 bid compare --format world --tune-split 0.5 --episode 1000 "
      "--strategies lin,const --budget-ratios 1/16,1/4 --log ";
  const std::string all = common + tmp.File("{camp}/auctions.rlb") + " --campaigns a,b --out ";
  ASSERT_EQ(testing::RunCli(all + tmp.File("ab.csv")).exit_code, 0);
  std::string want = "campaign,";
  for (const char* camp : {"a", "b"}) {
    ASSERT_EQ(testing::RunCli(common + tmp.File(std::string(camp) + "/auctions.rlb") + " --out " +
                              tmp.File(std::string(camp) + ".csv"))
                  .exit_code,
              0);
    std::istringstream lines(ReadText(tmp.File(std::string(camp) + ".csv")));
    std::string line;
    for (bool header = true; std::getline(lines, line); header = false) {
      if (header && camp[0] == 'a') want += line + "\n";
      if (!header) want += std::string(camp) + "," + line + "\n";
    }
  }
  EXPECT_EQ(ReadText(tmp.File("ab.csv")), want);
  if (auto why = testing::MpiSkipReason(); !why.empty()) GTEST_SKIP() << why;
  auto r = Mpirun(3, all + tmp.File("ab3.csv"), tmp.File("err"));
  ASSERT_EQ(r.exit_code, 0) << ReadText(tmp.File("err"));
  EXPECT_EQ(ReadText(tmp.File("ab3.csv")), want);
}

TEST(Ranks, SimulateCampaignsNeedAPlaceholder) {
  testing::TempDir tmp;
  for (const char* args : {"--log x.rlb --campaigns a,b", "--log '{camp}.rlb'"}) {
    auto r = testing::RunCli(std::string("--quiet bid simulate ") + args, tmp.File("err"));
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_NE(ReadText(tmp.File("err")).find("--campaigns and a {camp} in --log go together"), std::string::npos)
        << ReadText(tmp.File("err"));
  }
}

}  // namespace
}  // namespace adpilot
