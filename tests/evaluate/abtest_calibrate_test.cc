// `abtest calibrate` (the quick version of bench/calibration/abtest.sh): over
// 20 simulated experiments per effect, the readout's promises hold as far as
// 20 can show them. The 200-experiment figures are in docs/calibration.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"

namespace adpilot {
namespace {

TEST(AbtestCalibrate, PromisesHoldOnTwentyExperiments) {
  for (const char* seq : {"true", "false"}) {
    SCOPED_TRACE(std::string("sequential ") + seq);
    auto r = testing::RunCli(std::string("--quiet --threads 2 abtest calibrate --replicates 20 --units 8000 --days 7 "
                                         "--mde 0.015 --json --sequential=") +
                             seq);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["scenarios"].size(), 2u);
    const auto& null = j["scenarios"][0];
    const auto& mde = j["scenarios"][1];
    EXPECT_EQ(null["effect"], 0.0);
    // At 20 experiments: a 95% interval misses more than 5 times with
    // probability 3e-4; a 5% false-ship rule ships 4+ times with probability 0.016.
    EXPECT_GE(null["coverage"]["count"].get<int>(), 15);
    EXPECT_GE(mde["coverage"]["count"].get<int>(), 15);
    EXPECT_LE(null["ship"]["count"].get<int>(), 3);
    EXPECT_LE(mde["futility_stop"]["count"].get<int>(), 4);
    // The Clopper-Pearson interval holds the rate.
    for (const auto* s : {&null, &mde})
      for (const char* k : {"ship", "futility_stop", "coverage"}) {
        const auto& x = (*s)[k];
        EXPECT_LE(x["low"].get<double>(), x["rate"].get<double>());
        EXPECT_GE(x["high"].get<double>(), x["rate"].get<double>());
      }
  }
}

}  // namespace
}  // namespace adpilot
