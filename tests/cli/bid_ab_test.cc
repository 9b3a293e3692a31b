// bid ab -> abtest: a simulated A/B test of two bidding strategies, read out
// by the evaluate stage.
#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

TEST(BidAb, UnitsCsvFeedsTheAbReadout) {
  testing::TempDir tmp;
  auto gen = testing::RunCli("--quiet --seed 5 gen world --out " + tmp.File("w") +
                             " --auctions 40000 --users 500 --experiment-units 1000 --journeys 1000");
  ASSERT_EQ(gen.exit_code, 0);
  auto ab = testing::RunCli("--quiet --seed 5 bid ab --log " + tmp.File("w/auctions.rlb") +
                            " --format world --tune-split 0.5 --episode 1000 --strategies lin,pid"
                            " --budget-ratio 1/16 --out " +
                            tmp.File("units.csv") + " --json");
  ASSERT_EQ(ab.exit_code, 0) << ab.out;
  auto j = nlohmann::json::parse(ab.out);
  ASSERT_EQ(j["arms"].size(), 2u);
  uint64_t units = j["arms"][0]["episodes"].get<uint64_t>() + j["arms"][1]["episodes"].get<uint64_t>();
  EXPECT_EQ(units, j["episodes"].get<uint64_t>());
  EXPECT_EQ(units, 20u);  // the replayed half of 40,000 auctions in episodes of 1,000
  std::string csv = ReadFile(tmp.File("units.csv"));
  EXPECT_EQ(size_t(std::count(csv.begin(), csv.end(), '\n')), units + 1);

  auto rd = testing::RunCli("--quiet abtest --data " + tmp.File("units.csv") +
                            " --variant-col variant --control lin --metric clicks --json");
  ASSERT_EQ(rd.exit_code, 0) << rd.out;
  auto r = nlohmann::json::parse(rd.out);
  ASSERT_EQ(r["variants"].size(), 2u);
  EXPECT_EQ(r["variants"][0]["name"], "lin");
  EXPECT_TRUE(r["variants"][1].contains("p_value"));

  auto bad = testing::RunCli("--quiet bid ab --log " + tmp.File("w/auctions.rlb") +
                             " --format world --strategies lin --out " + tmp.File("x.csv"));
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace adpilot
