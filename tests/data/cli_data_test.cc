// `adpilot data ...` end to end: JSON on stdout, exit codes 0/2, --on-error.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

using testing::RunCli;
using testing::TempDir;

#define REQUIRE_CLI() \
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) GTEST_SKIP() << ADPILOT_CLI_PATH << " not built (ninja adpilot_cli)"

TEST(CliData, StatsJsonOnEveryFormat) {
  REQUIRE_CLI();
  TempDir d;
  // The readers themselves are tested in-process; here only the CLI plumbing
  // (each adpilot start loads the whole library, so a few formats suffice).
  for (const auto& f : testing::AllFixtures(d.path().string())) {
    if (f.format != "avazu" && f.format != "ipinyou" && f.format != "csv") continue;
    SCOPED_TRACE(f.format);
    std::string extra = f.format == "csv" ? " --schema " + d.File("schema.toml") : "";
    auto r = RunCli("data stats " + f.file + " --format " + f.format + extra + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_GT(j.at("rows").get<uint64_t>(), 0u);
    EXPECT_EQ(j.at("bad_rows").get<uint64_t>(), 0u);
    EXPECT_TRUE(j.contains("label_rate"));
  }
}

TEST(CliData, OnErrorFailExitsTwoAndSkipCounts) {
  REQUIRE_CLI();
  TempDir d;
  testing::WriteText(d.File("a.tsv"), testing::CriteoFixture() + "not a criteo row\n");
  auto skip = RunCli("data stats " + d.File("a.tsv") + " --format criteo --json");
  ASSERT_EQ(skip.exit_code, 0);
  auto j = nlohmann::json::parse(skip.out);
  EXPECT_EQ(j["rows"], 3);
  EXPECT_EQ(j["bad_rows"], 1);
  auto fail = RunCli("data stats " + d.File("a.tsv") + " --format criteo --on-error fail --json", d.File("err"));
  EXPECT_EQ(fail.exit_code, 2);
  // No half-printed result: stdout is the one error object (and stderr the message).
  auto e = nlohmann::json::parse(fail.out);
  EXPECT_EQ(e.size(), 1u);
  EXPECT_EQ(e["error"]["code"], "bad_input");
  EXPECT_EQ(e["error"]["line"], 4);
  std::string err = testing::ReadAll(d.File("err"));
  EXPECT_NE(err.find(d.File("a.tsv") + ":4: line:"), std::string::npos) << err;
}

TEST(CliData, UsageAndMissingFilesExitTwo) {
  REQUIRE_CLI();
  EXPECT_EQ(RunCli("data stats /nonexistent/file --format criteo").exit_code, 2);
  EXPECT_EQ(RunCli("data stats /etc/hostname --format parquet").exit_code, 2);
  EXPECT_EQ(RunCli("data stats /etc/hostname --on-error maybe").exit_code, 2);
  EXPECT_EQ(RunCli("data convert /etc/hostname --format criteo --to xml --out /tmp/x").exit_code, 2);
}

TEST(CliData, ConvertRoundTripsAndGuessesFormats) {
  REQUIRE_CLI();
  TempDir d;
  testing::WriteGz(d.File("a.tsv.gz"), testing::CriteoFixture());
  auto r = RunCli("data convert " + d.File("a.tsv.gz") + " --to libffm --out " + d.File("a.ffm") +
                  " --bits 16 --cross C1xC2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["rows"], 3);
  auto back = RunCli("data stats " + d.File("a.ffm") + " --json");  // format guessed from the name
  ASSERT_EQ(back.exit_code, 0);
  auto j = nlohmann::json::parse(back.out);
  EXPECT_EQ(j["rows"], 3);
  EXPECT_EQ(j["format"], "libffm");
  EXPECT_EQ(j["fields"].size(), 40u);  // 39 fields + 1 cross
  EXPECT_EQ(RunCli("data convert " + d.File("a.tsv.gz") + " --to criteo --out " + d.File("b.tsv")).exit_code, 0);
  EXPECT_EQ(testing::ReadAll(d.File("b.tsv")), testing::CriteoFixture());
}

TEST(CliData, CacheCommandBuildsThenHits) {
  REQUIRE_CLI();
  TempDir d;
  testing::WriteText(d.File("a.tsv"), testing::CriteoFixture());
  std::string cmd = "data cache " + d.File("a.tsv") + " --cache-dir " + d.File("c") + " --json";
  auto first = nlohmann::json::parse(RunCli(cmd).out);
  auto second = nlohmann::json::parse(RunCli(cmd).out);
  EXPECT_EQ(first["from_cache"], false);
  EXPECT_EQ(second["from_cache"], true);
  EXPECT_EQ(first["rows"], 3);
  EXPECT_EQ(second["features"], first["features"]);
}

}  // namespace
}  // namespace adpilot
