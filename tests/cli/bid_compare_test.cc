// bid compare: every strategy's clicks against lin, paired over the same
// replayed episodes, with the interval the report's headline quotes.
#include <cmath>

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

}  // namespace
}  // namespace adpilot
