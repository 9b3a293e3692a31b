// bid compare: every strategy's clicks against lin, paired over the same
// replayed episodes, with the interval the report's headline quotes.
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"

namespace adpilot {
namespace {

TEST(BidCompare, ClicksAgainstLinArePairedOverEpisodes) {
  testing::TempDir tmp;
  auto gen = testing::RunCli("--quiet --seed 4 gen world --out " + tmp.File("w") +
                             " --auctions 40000 --users 300 --experiment-units 500 --journeys 500");
  ASSERT_EQ(gen.exit_code, 0);
  auto run = testing::RunCli("--quiet bid compare --log " + tmp.File("w/auctions.rlb") +
                             " --format world --tune-split 0.5 --episode 1000 --strategies lin,pid,const"
                             " --budget-ratios 1/16 --traces --json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto j = nlohmann::json::parse(run.out);
  const nlohmann::json* lin = nullptr;
  for (const auto& r : j["rows"])
    if (r["strategy"] == "lin") lin = &r;
  ASSERT_NE(lin, nullptr);
  EXPECT_FALSE(lin->contains("vs_lin"));
  int checked = 0;
  for (const auto& r : j["rows"]) {
    if (r["strategy"] == "lin") continue;
    SCOPED_TRACE(r["strategy"].get<std::string>());
    ASSERT_TRUE(r.contains("vs_lin"));
    const auto& v = r["vs_lin"];
    // The difference is the episodes' differences summed, as the traces show them.
    ASSERT_EQ(r["episode_trace"].size(), (*lin)["episode_trace"].size());
    double sum = 0;
    for (size_t e = 0; e < r["episode_trace"].size(); ++e)
      sum += r["episode_trace"][e]["clicks"].get<double>() - (*lin)["episode_trace"][e]["clicks"].get<double>();
    EXPECT_DOUBLE_EQ(v["clicks_diff"].get<double>(), sum);
    EXPECT_DOUBLE_EQ(sum, r["clicks"].get<double>() - (*lin)["clicks"].get<double>());
    EXPECT_EQ(v["episodes"], r["episode_trace"].size());
    EXPECT_EQ(v["reference_clicks"], (*lin)["clicks"]);
    EXPECT_LE(v["low"].get<double>(), sum);
    EXPECT_GE(v["high"].get<double>(), sum);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

// Under mpirun the (strategy, budget ratio) replays are split across ranks
// (docs/distributed.md) and the results swapped: the CSV is byte-identical to
// one process's, the JSON identical but for the seconds each replay took.
TEST(BidCompare, SplitAcrossRanksGivesTheSameTable) {
  if (auto why = testing::MpiSkipReason(); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir tmp;
  ASSERT_EQ(testing::RunCli("--quiet --seed 4 gen world --out " + tmp.File("w") +
                            " --auctions 30000 --users 300 --experiment-units 500 --journeys 500")
                .exit_code,
            0);
  auto compare = [&](int np) {
    std::string args = "--quiet --threads 1 bid compare --log " + tmp.File("w/auctions.rlb") +
                       " --format world --tune-split 0.5 --episode 1000 --strategies lin,pid,const,best"
                       " --budget-ratios 1/16,1/4 --traces --json --out " +
                       tmp.File("c" + std::to_string(np) + ".csv");
    if (np == 1) return testing::RunCli(args);
    return testing::RunShell(testing::MpirunPrefix(np) + ADPILOT_CLI_PATH + " " + args + " 2>" + tmp.File("err"));
  };
  auto one = compare(1);
  ASSERT_EQ(one.exit_code, 0);
  const auto slurp = testing::ReadText;
  std::function<void(nlohmann::json&)> drop_seconds = [&](nlohmann::json& j) {
    if (j.is_object()) {
      j.erase("seconds");
      for (auto& v : j) drop_seconds(v);
    } else if (j.is_array()) {
      for (auto& v : j) drop_seconds(v);
    }
  };
  auto want = nlohmann::json::parse(one.out);
  drop_seconds(want);
  for (int np : {2, 3}) {
    auto r = compare(np);
    ASSERT_EQ(r.exit_code, 0) << slurp(tmp.File("err"));
    EXPECT_EQ(slurp(tmp.File("c" + std::to_string(np) + ".csv")), slurp(tmp.File("c1.csv"))) << np << " ranks";
    auto got = nlohmann::json::parse(r.out);
    drop_seconds(got);
    EXPECT_EQ(got, want) << np << " ranks";
  }
}

}  // namespace
}  // namespace adpilot
