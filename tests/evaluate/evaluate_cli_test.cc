// The three evaluation commands end to end through the CLI binary: the JSON
// keys the interface promises, exit status 2 with a clear message on bad input.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"

namespace adpilot {
namespace {

using testing::RunCli;

#define REQUIRE_CLI() \
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) GTEST_SKIP() << "adpilot binary not built: " << ADPILOT_CLI_PATH

std::string WriteExperiment(const testing::TempDir& dir) {
  std::string p = dir.File("exp.csv");
  std::ofstream f(p);
  f << "unit,variant,pre,age,converted,revenue\n";
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u;
  for (int i = 0; i < 3000; ++i) {
    bool t = i % 2;
    double age = 20 + 50 * u(rng), pre = 5 + 10 * u(rng);
    bool conv = u(rng) < 0.1 + (t && age < 40 ? 0.15 : 0);
    f << fmt::format("u{},{},{:.3f},{:.1f},{},{:.2f}\n", i, t ? "\"new, blue\"" : "old", pre, age, conv ? 1 : 0,
                     conv ? pre * 2 + 3 * u(rng) : 0.0);
  }
  return p;
}

TEST(EvaluateCli, AbtestJson) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string data = WriteExperiment(dir);
  auto r =
      RunCli(fmt::format("abtest --data {} --variant-col variant --control old --metric converted "
                         "--covariate pre --sequential --json",
                         data));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["variants"].size(), 2u);
  EXPECT_EQ(j["variants"][0]["name"], "old");
  EXPECT_EQ(j["variants"][1]["name"], "new, blue");  // quoted field
  for (const char* k : {"lift", "p_value", "ci_low", "ci_high", "always_valid_p"})
    EXPECT_TRUE(j["variants"][1][k].is_number()) << k;
  EXPECT_TRUE(j["srm_p_value"].is_number());
  EXPECT_GT(j["results"][0]["variance_reduction"].get<double>(), -1);
  EXPECT_TRUE(j["verdict"].is_string());
  EXPECT_EQ(r.out.find("nan"), std::string::npos);

  auto plan = RunCli("abtest plan --baseline 0.1 --mde 0.1 --json");
  ASSERT_EQ(plan.exit_code, 0);
  EXPECT_GT(nlohmann::json::parse(plan.out)["n_control"].get<double>(), 1000);
}

TEST(EvaluateCli, UpliftJson) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string data = WriteExperiment(dir);
  auto r =
      RunCli(fmt::format("uplift --data {} --treatment-col variant --treatment 'new, blue' --control old "
                         "--outcome converted --learner t --base lr --folds 3 --id-col unit --curve {} --json",
                         data, dir.File("curve.csv")));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["qini"].is_number());
  EXPECT_TRUE(j["auuc"].is_number());
  EXPECT_GT(j["qini"].get<double>(), 0);                        // the effect is confined to age < 40
  for (const auto& f : j["features"]) EXPECT_NE(f, "revenue");  // another outcome: left out
  EXPECT_TRUE(std::filesystem::exists(dir.File("curve.csv")));
  auto bad = RunCli(fmt::format("uplift --data {} --treatment-col variant --treatment yes --control old "
                                "--outcome converted --json",
                                data),
                    dir.File("err.txt"));
  EXPECT_EQ(bad.exit_code, 2);
  std::ifstream e(dir.File("err.txt"));
  std::string msg((std::istreambuf_iterator<char>(e)), {});
  EXPECT_NE(msg.find("'yes'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'variant'"), std::string::npos) << msg;
}

// The bad inputs through the CLI: exit 2 and a message naming the
// column and the value, never a result with NaN in it.
TEST(EvaluateCli, BadInputNamesColumnAndValue) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string data = WriteExperiment(dir);
  auto expect = [&](const std::string& args, std::vector<std::string> words) {
    auto r = RunCli(args + " --json", dir.File("err.txt"));
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_TRUE(testing::IsJsonErrorOnly(r.out)) << args << "\n" << r.out;
    std::ifstream e(dir.File("err.txt"));
    std::string msg((std::istreambuf_iterator<char>(e)), {});
    for (const auto& w : words) EXPECT_NE(msg.find(w), std::string::npos) << args << "\n" << msg;
  };
  std::string up = fmt::format("uplift --data {} --treatment-col variant --control old --learner t --folds 3 ", data);
  // Treatment coded differently from the flags: the values the column holds are listed.
  expect(up + "--treatment 1 --outcome converted", {"'variant'", "'1'", "new, blue"});
  expect(up + "--treatment 'new, blue' --outcome Converted", {"'Converted'", "converted"});
  expect(up + "--treatment 'new, blue' --outcome converted --features pre,agee", {"'agee'", "age"});
  expect(up + "--treatment 'new, blue' --outcome converted --base gbdt --base-param depth=2", {"'depth'", "max_depth"});
  expect(up + "--treatment 'new, blue' --outcome converted --base svm", {"'svm'", "lr"});
  expect(fmt::format("abtest --data {} --variant-col arm --control old --metric converted", data),
         {"'arm'", "variant"});
  expect(fmt::format("abtest --data {} --variant-col variant --control new --metric converted", data),
         {"'new'", "'variant'", "new, blue"});

  // A single variant, a constant metric, missing covariates in some rows.
  std::string odd = dir.File("odd.csv");
  {
    std::ofstream f(odd);
    f << "variant,one,flat,pre,m\n";
    for (int i = 0; i < 200; ++i)
      f << fmt::format("{},A,3,{},{}\n", i % 2 ? "B" : "A", i % 10 == 0 ? "" : std::to_string(i % 7), i % 3);
  }
  expect(fmt::format("abtest --data {} --variant-col one --control A --metric m", odd), {"single variant", "'A'"});
  expect(fmt::format("abtest --data {} --variant-col variant --control A --metric flat", odd),
         {"'flat'", "3 in every row"});
  expect(fmt::format("abtest --data {} --variant-col variant --control A --metric m --covariate pre", odd),
         {"'pre'", "20 of 200 rows"});

  // Missing covariates are not an error for uplift: they become a "missing" feature.
  std::string holes = dir.File("holes.csv");
  {
    std::ofstream f(holes);
    f << "variant,pre,age,converted\n";
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<double> u;
    for (int i = 0; i < 2000; ++i) {
      bool t = i % 2;
      double age = 20 + 50 * u(rng);
      bool conv = u(rng) < 0.1 + (t && age < 40 ? 0.15 : 0);
      std::string cell = i % 9 == 0 ? "" : fmt::format("{:.1f}", age);
      f << fmt::format("{},{:.2f},{},{}\n", t ? "new" : "old", 5 + 10 * u(rng), cell, conv ? 1 : 0);
    }
  }
  auto r =
      RunCli(fmt::format("uplift --data {} --treatment-col variant --treatment new --control old "
                         "--outcome converted --folds 3 --json",
                         holes));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("nan"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("null"), std::string::npos) << r.out;
}

TEST(EvaluateCli, AttributeJson) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string p = dir.File("j.csv");
  {
    std::ofstream f(p);
    f << "journey_id,user_id,touch,channel,timestamp,converted\n"
         "j1,u,0,search,1,1\nj1,u,1,email,2,1\nj2,u,0,email,5,0\nj3,u,0,social,9,1\n";
  }
  auto r = RunCli(fmt::format("attribute --journeys {} --model all --json", p));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto all = nlohmann::json::parse(r.out)["models"];
  for (const char* m : {"last", "first", "linear", "position", "decay", "markov", "shapley"}) {
    ASSERT_TRUE(all.contains(m)) << m;
    double sum = 0;
    for (auto& [k, v] : all[m]["channels"].items()) sum += v.get<double>();
    if (std::string(m) != "shapley") {
      EXPECT_NEAR(sum, 2.0, 1e-9) << m;
    }
  }
  EXPECT_DOUBLE_EQ(all["last"]["channels"]["email"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(all["last"]["channels"]["social"].get<double>(), 1.0);
  EXPECT_EQ(RunCli(fmt::format("attribute --journeys {} --model nope --json", p)).exit_code, 2);
}

// `abtest` is a command and the group of `abtest plan`: the plan runs alone
// (the readout's required --data is not asked for) and prints one line.
TEST(EvaluateCli, AbtestPlanRunsWithoutTheReadoutsOptions) {
  REQUIRE_CLI();
  auto plan = RunCli("abtest plan --baseline 0.1 --mde 0.1");
  ASSERT_EQ(plan.exit_code, 0) << plan.out;
  EXPECT_EQ(plan.out.rfind("to detect 0.1 -> 0.11 with power 0.8 at alpha 0.05: ", 0), 0u) << plan.out;
  EXPECT_EQ(std::count(plan.out.begin(), plan.out.end(), '\n'), 1) << plan.out;
  EXPECT_EQ(RunCli("abtest --variant-col variant --control old --metric converted").exit_code, 2);  // no --data
}

// uplift's hash space is the data stage's --bits (its bound too), with
// uplift's own default of 16; a --base-param value may hold commas.
TEST(EvaluateCli, UpliftBitsAndListValuedBaseParams) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string data = WriteExperiment(dir);
  std::string args = fmt::format(
      "uplift --data {} --treatment-col variant --treatment 'new, blue' --control old "
      "--outcome converted --folds 2 --epochs 1",
      data);
  auto narrow = RunCli(args + " --bits 2 --json");
  ASSERT_EQ(narrow.exit_code, 0) << narrow.out;
  auto wide = RunCli(args + " --json");
  ASSERT_EQ(wide.exit_code, 0);
  EXPECT_NE(nlohmann::json::parse(narrow.out)["qini"], nlohmann::json::parse(wide.out)["qini"]);
  EXPECT_EQ(wide.out, RunCli(args + " --bits 16 --json").out);
  EXPECT_EQ(RunCli(args + " --bits 31 --json").exit_code, 2);
  // One option whose value is "1,2" (not a number: lr's l2 rejects it), not "l2=1" and a stray "2".
  auto list = RunCli(args + " --base-param l2=1,2 --json", dir.File("err.txt"));
  EXPECT_EQ(list.exit_code, 2);
  std::ifstream e(dir.File("err.txt"));
  std::string msg((std::istreambuf_iterator<char>(e)), {});
  EXPECT_NE(msg.find("'1,2'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace adpilot
