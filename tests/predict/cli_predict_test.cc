// train -> eval -> predict -> explain -> warm start through the CLI binary,
// with the JSON keys the interface promises; CVR (--target conversion) on a
// CSV with a conversion column; bad input gives a clear message and the exit
// status of architecture.md (2 usage/input, 1 corrupt file).
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "predict/predict_test_util.h"

namespace adpilot {
namespace {

using testing::RunCli;
using testing::WriteCriteo;

#define REQUIRE_CLI() \
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) GTEST_SKIP() << "adpilot binary not built: " << ADPILOT_CLI_PATH

// CSV with a click and a conversion column (conversions only after clicks,
// at a rate that depends on `adv`): the CVR path of the CSV reader.
void WriteCvrCsv(const std::string& path, const std::string& schema, int rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u;
  std::ofstream f(path);
  f << "click,conv,site,adv,depth\n";
  for (int r = 0; r < rows; ++r) {
    int site = int(rng() % 8), adv = int(rng() % 6), depth = 1 + int(rng() % 5);
    int click = u(rng) < 0.15 + 0.05 * (site % 3);
    int conv = click && u(rng) < 0.05 + 0.12 * adv;
    f << click << ',' << conv << ",s" << site << ",a" << adv << ',' << depth << '\n';
  }
  std::ofstream s(schema);
  s << "label = \"click\"\nconversion = \"conv\"\ncategorical = [\"site\", \"adv\"]\nnumeric = [\"depth\"]\n";
}

nlohmann::json Json(const testing::CliResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return nlohmann::json::parse(r.out);
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(PredictCli, TrainEvalPredictExplainWarmStart) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string tr = dir.File("train.tsv"), va = dir.File("valid.tsv"), te = dir.File("test.tsv");
  WriteCriteo(tr, 4000, 1);
  WriteCriteo(va, 1000, 2);
  WriteCriteo(te, 1000, 3);
  for (const char* model : {"lr", "ffm"}) {
    SCOPED_TRACE(model);
    std::string m = dir.File(std::string(model) + ".apm");
    auto t =
        Json(RunCli(fmt::format("--quiet train --model {} --data {} --format criteo --valid {} --bits 14 "
                                "--epochs 3 --out {} --json",
                                model, tr, va, m)));
    EXPECT_EQ(t["model"], model);
    EXPECT_EQ(t["train_rows"], 4000);
    EXPECT_GT(t["valid_auc"].get<double>(), 0.6);
    EXPECT_GT(t["valid_logloss"].get<double>(), 0);
    EXPECT_GE(t["seconds"].get<double>(), 0);

    auto e = Json(RunCli(fmt::format("--quiet eval --model {} --data {} --format criteo --json", m, te)));
    EXPECT_EQ(e["rows"], 1000);
    EXPECT_GT(e["auc"].get<double>(), 0.6);
    EXPECT_GT(e["logloss"].get<double>(), 0);

    std::string preds = dir.File("preds.txt");
    auto p = RunCli(fmt::format("--quiet predict --model {} --data {} --format criteo --out {}", m, te, preds));
    ASSERT_EQ(p.exit_code, 0);
    std::ifstream pf(preds);
    int lines = 0;
    for (std::string line; std::getline(pf, line); ++lines) {
      double v = std::stod(line);
      EXPECT_TRUE(v > 0 && v < 1) << line;
    }
    EXPECT_EQ(lines, 1000);

    auto x = Json(RunCli(fmt::format("--quiet explain --model {} --data {} --rows 3 --json", m, te)));
    ASSERT_EQ(x["rows"].size(), 3u);
    double sum = x["rows"][0]["bias"].get<double>();
    for (const auto& c : x["rows"][0]["fields"]) sum += c["contribution"].get<double>();
    EXPECT_NEAR(sum, x["rows"][0]["margin"].get<double>(), 1e-6);

    // Warm start: one more epoch from the saved model continues (not restarts):
    // its first-epoch valid logloss is no worse than the saved model's.
    std::string m2 = dir.File(std::string(model) + "2.apm");
    auto w = Json(
        RunCli(fmt::format("--quiet train --init {} --data {} --valid {} --epochs 1 --out {} --json", m, tr, va, m2)));
    EXPECT_EQ(w["warm_start"], true);
    EXPECT_EQ(w["model"], model);
    EXPECT_LT(w["valid_logloss"].get<double>(), t["valid_logloss"].get<double>() + 0.01);
  }
  // ffm against lr on the same rows: the paired difference and its interval.
  auto e = Json(RunCli(fmt::format("--quiet eval --model {} --against {} --data {} --format criteo --json",
                                   dir.File("ffm.apm"), dir.File("lr.apm"), te)));
  auto lr =
      Json(RunCli(fmt::format("--quiet eval --model {} --data {} --format criteo --json", dir.File("lr.apm"), te)));
  const auto& a = e["against"];
  EXPECT_EQ(a["model"], "lr");
  EXPECT_NEAR(a["auc"].get<double>(), lr["auc"].get<double>(), 1e-9);
  EXPECT_NEAR(a["auc_diff"].get<double>(), e["auc"].get<double>() - lr["auc"].get<double>(), 1e-9);
  EXPECT_LT(a["low"].get<double>(), a["auc_diff"].get<double>());
  EXPECT_GT(a["high"].get<double>(), a["auc_diff"].get<double>());
  EXPECT_GE(a["p_value"].get<double>(), 0);
  EXPECT_LE(a["p_value"].get<double>(), 1);
  // Each AUC has its own interval; the paired one of the difference is narrower than the two side by side.
  EXPECT_LT(e["auc_low"].get<double>(), e["auc"].get<double>());
  EXPECT_GT(e["auc_high"].get<double>(), e["auc"].get<double>());
  EXPECT_LT(a["high"].get<double>() - a["low"].get<double>(),
            (e["auc_high"].get<double>() - e["auc_low"].get<double>()) +
                (lr["auc_high"].get<double>() - lr["auc_low"].get<double>()));
}

TEST(PredictCli, CacheDirServesLaterEpochsAndRuns) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string tr = dir.File("train.tsv"), va = dir.File("valid.tsv"), cache = dir.File("cache");
  WriteCriteo(tr, 3000, 4);
  WriteCriteo(va, 800, 5);
  std::string args = fmt::format(
      "--quiet train --model lr --data {} --format criteo --valid {} --bits 14 --epochs 3 "
      "--shuffle false --json",
      tr, va);
  auto plain = Json(RunCli(args + " --memory no"));
  auto cached = Json(RunCli(args + " --memory no --cache-dir " + cache));
  int caches = 0;
  for (const auto& e : std::filesystem::directory_iterator(cache)) caches += e.path().extension() == ".adpcache";
  EXPECT_EQ(caches, 2);  // train and valid
  // Same examples in the same order: the same model.
  EXPECT_DOUBLE_EQ(plain["valid_logloss"].get<double>(), cached["valid_logloss"].get<double>());
  auto again = Json(RunCli(args + " --memory yes --cache-dir " + cache));
  EXPECT_EQ(again["train_rows"], 3000);
  EXPECT_DOUBLE_EQ(plain["valid_logloss"].get<double>(), again["valid_logloss"].get<double>());
}

TEST(PredictCli, ConversionModelOnClickedRows) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string tr = dir.File("train.csv"), va = dir.File("valid.csv"), schema = dir.File("s.toml");
  WriteCvrCsv(tr, schema, 20000, 6);
  WriteCvrCsv(va, schema, 5000, 7);
  std::string common = fmt::format("--format csv --schema {}", schema);
  std::string ctr = dir.File("ctr.apm"), cvr = dir.File("cvr.apm");
  auto c = Json(
      RunCli(fmt::format("--quiet train --model lr --data {} {} --valid {} --out {} --json", tr, common, va, ctr)));
  EXPECT_EQ(c["target"], "click");
  auto v =
      Json(RunCli(fmt::format("--quiet train --model lr --data {} {} --valid {} --target conversion "
                              "--clicked-only --out {} --json",
                              tr, common, va, cvr)));
  EXPECT_EQ(v["target"], "conversion");
  // Only clicked rows (~20%) train the post-click CVR model.
  EXPECT_LT(v["train_rows"].get<int>(), 6000);
  EXPECT_GT(v["train_rows"].get<int>(), 2000);
  auto ec = Json(RunCli(fmt::format("--quiet eval --model {} --data {} {} --json", ctr, va, common)));
  auto ev = Json(RunCli(fmt::format("--quiet eval --model {} --data {} {} --json", cvr, va, common)));
  EXPECT_EQ(ec["target"], "click");
  EXPECT_EQ(ev["target"], "conversion");
  EXPECT_EQ(ec["rows"], 5000);
  EXPECT_LT(ev["rows"].get<int>(), 1500);
  // CVR depends on the advertiser strongly: a clearly informative model.
  EXPECT_GT(ev["auc"].get<double>(), 0.65);
  // A conversion target on a format without conversions is a usage error.
  std::string crit = dir.File("c.tsv"), err = dir.File("err.txt");
  WriteCriteo(crit, 200, 8);
  auto bad = RunCli(fmt::format("--quiet train --model lr --data {} --format criteo --target conversion", crit), err);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(ReadAll(err).find("conversion"), std::string::npos);
}

TEST(PredictCli, BadInputIsAClearError) {
  REQUIRE_CLI();
  testing::TempDir dir;
  std::string tr = dir.File("train.tsv"), m = dir.File("m.apm"), err = dir.File("err.txt");
  WriteCriteo(tr, 500, 9);
  auto unknown = RunCli(fmt::format("--quiet train --model nosuch --data {} --format criteo", tr), err);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(ReadAll(err).find("nosuch"), std::string::npos);
  EXPECT_NE(ReadAll(err).find("ffm"), std::string::npos);  // lists the valid names

  ASSERT_EQ(
      RunCli(fmt::format("--quiet train --model lr --data {} --format criteo --bits 12 --out {}", tr, m)).exit_code, 0);
  // Flip one byte in the middle of the state: the checksum catches it.
  {
    std::fstream f(m, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    auto size = f.tellg();
    char c = 0;
    f.seekg(size / 2);
    f.read(&c, 1);
    c = char(c ^ 0xff);
    f.seekp(size / 2);
    f.write(&c, 1);
  }
  auto corrupt = RunCli(fmt::format("--quiet eval --model {} --data {} --json", m, tr), err);
  EXPECT_EQ(corrupt.exit_code, 1);  // kCorruption (architecture.md)
  EXPECT_TRUE(testing::IsJsonErrorOnly(corrupt.out)) << corrupt.out;
  EXPECT_NE(ReadAll(err).find(m), std::string::npos) << ReadAll(err);

  auto missing = RunCli(fmt::format("--quiet eval --model {} --data {}", dir.File("none.apm"), tr), err);
  EXPECT_EQ(missing.exit_code, 2);
  auto flag = RunCli(fmt::format("--quiet train --model lr --data {} --format criteo --k 4", tr), err);
  EXPECT_EQ(flag.exit_code, 2);  // --k does not apply to lr
  EXPECT_NE(ReadAll(err).find("--k"), std::string::npos);
}

}  // namespace
}  // namespace adpilot
