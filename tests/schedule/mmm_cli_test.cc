// `adpilot mmm fit|allocate|split` end to end: the JSON interface the
// acceptance checks call, exit codes for bad usage.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"

namespace {

using adpilot::testing::RunCli;

#define REQUIRE_CLI() \
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) GTEST_SKIP() << ADPILOT_CLI_PATH << " not built (ninja adpilot_cli)"

TEST(MmmCli, FitAndAllocatePymcExample) {
  REQUIRE_CLI();
  ADPILOT_REQUIRE_SHARED_DATA("mmm/pymc_marketing/mmm_example.csv");
  adpilot::testing::TempDir dir;
  std::string model = dir.File("m.mmm");
  auto fit = RunCli("--quiet --threads 2 mmm fit --data " + shared_path +
                    " --date-col date_week --kpi-col y --channels x1,x2 --controls event_1,event_2"
                    " --saturation logistic --chains 2 --warmup 150 --draws 100 --seed 3 --out " +
                    model + " --csv-dir " + dir.File("csv") + " --json");
  ASSERT_EQ(fit.exit_code, 0) << fit.out;
  auto j = nlohmann::json::parse(fit.out);
  ASSERT_EQ(j["channels"].size(), 2u);
  double share = 0;
  for (const auto& c : j["channels"]) {
    EXPECT_LE(c["roas_low"].get<double>(), c["roas"].get<double>());
    EXPECT_LE(c["roas"].get<double>(), c["roas_high"].get<double>());
    EXPECT_GT(c["roas_low"].get<double>(), 0);
    share += c["contribution_share"].get<double>();
  }
  EXPECT_NEAR(share, 1.0, 1e-9);
  EXPECT_GT(j["r2"].get<double>(), 0.5);
  EXPECT_GE(j["rhat_max"].get<double>(), 1.0);
  EXPECT_GT(j["seconds"].get<double>(), 0);
  EXPECT_EQ(j["holdout"]["rows"].get<int>(), 8);
  EXPECT_TRUE(std::filesystem::exists(dir.File("csv/response_curves.csv")));

  auto al = RunCli("--quiet mmm allocate --model " + model + " --budget 1.0 --periods 12 --bounds x2=0.1:0.6 --json");
  ASSERT_EQ(al.exit_code, 0) << al.out;
  auto a = nlohmann::json::parse(al.out);
  double x1 = a["allocation"]["x1"], x2 = a["allocation"]["x2"];
  EXPECT_NEAR(x1 + x2, 1.0, 1e-6);
  EXPECT_GE(x2, 0.1 - 1e-9);
  EXPECT_LE(x2, 0.6 + 1e-9);
  EXPECT_GE(a["expected_kpi"].get<double>(), a["current_kpi"].get<double>() - 1e-9);
  EXPECT_LE(a["uplift_low"].get<double>(), a["uplift_high"].get<double>());
  // x2 has --bounds; x1 is kept by the extrapolation guard, which the JSON reports.
  EXPECT_TRUE(a["guard"]["enabled"].get<bool>());
  EXPECT_EQ(a["channels"][0]["bound"], "guard");
  EXPECT_EQ(a["channels"][1]["bound"], "bounds");
  EXPECT_TRUE(a["bounds_active"].is_array());
  auto ng = RunCli("--quiet mmm allocate --model " + model + " --budget 1.0 --periods 12 --no-guard --json");
  ASSERT_EQ(ng.exit_code, 0) << ng.out;
  auto n = nlohmann::json::parse(ng.out);
  EXPECT_FALSE(n["guard"]["enabled"].get<bool>());
  EXPECT_EQ(n["channels"][0]["bound"], "none");
  EXPECT_EQ(RunCli("--quiet mmm allocate --model " + model + " --budget 1 --guard-quantile 0.7").exit_code, 2);

  // Unknown channel in bounds and a corrupt model are clear errors.
  EXPECT_EQ(RunCli("--quiet mmm allocate --model " + model + " --budget 1 --bounds radio=0:1").exit_code, 2);
  std::ofstream(dir.File("bad.mmm")) << "not a model";
  EXPECT_EQ(RunCli("--quiet mmm allocate --model " + dir.File("bad.mmm") + " --budget 1").exit_code, 1);
}

TEST(MmmCli, BadConfigKeyIsUsageError) {
  REQUIRE_CLI();
  ADPILOT_REQUIRE_SHARED_DATA("mmm/pymc_marketing/mmm_example.csv");
  adpilot::testing::TempDir dir;
  std::ofstream(dir.File("c.toml")) << "[channel.x1]\nadstok = \"geometric\"\n";
  std::string err = dir.File("err.txt");
  auto r = RunCli("mmm fit --data " + shared_path + " --date-col date_week --kpi-col y --channels x1,x2 --config " +
                      dir.File("c.toml") + " --out " + dir.File("m.mmm") + " --json",
                  err);
  EXPECT_EQ(r.exit_code, 2);
  std::ifstream f(err);
  std::string msg((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(msg.find("adstok"), std::string::npos) << msg;
  EXPECT_TRUE(adpilot::testing::IsJsonErrorOnly(r.out)) << r.out;
}

TEST(MmmCli, CampaignSplit) {
  REQUIRE_CLI();
  adpilot::testing::TempDir dir;
  std::ofstream(dir.File("c.csv"))
      << "name,auctions,pctr,pcvr,value,win_c\na,100000,0.01,0.1,50,1\nb,50000,0.02,0.05,80,2\n";
  auto r = RunCli("--quiet mmm split --campaigns " + dir.File("c.csv") + " --budget 500 --json");
  ASSERT_EQ(r.exit_code, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["allocation"]["a"].get<double>() + j["allocation"]["b"].get<double>(), 500, 1e-6);
}

}  // namespace
