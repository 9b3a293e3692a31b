// Fault injection through the CLI (issue 18): every reader format read from a
// pipe, stdin, a FIFO and `<(...)` gives the same rows as the file, in
// `data stats` and in every epoch of `train`; missing, unreadable and
// vanishing inputs give a clear message and exit 2 (bad input) or 1, never a
// crash or a silently shorter read.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/reader.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

using testing::TempDir;

#define REQUIRE_CLI() \
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) GTEST_SKIP() << ADPILOT_CLI_PATH << " not built (ninja adpilot_cli)"

struct ShellRun {
  int code = -1;
  std::string out, err;
};

// Runs a bash script (bash for `<(...)`); {cli} is the adpilot binary.
ShellRun Bash(const TempDir& d, std::string script) {
  for (size_t p; (p = script.find("{cli}")) != std::string::npos;) script.replace(p, 5, ADPILOT_CLI_PATH);
  std::string file = d.File("script.sh"), err = d.File("stderr");
  testing::WriteText(file, script);
  ShellRun r;
  FILE* p = popen(("bash " + file + " 2>" + err).c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.err = testing::ReadAll(err);
  return r;
}

struct Rows {
  uint64_t rows = 0, bad = 0;
};

Rows StatsRows(const ShellRun& r) {
  EXPECT_EQ(r.code, 0) << r.err;
  if (r.code != 0) return {};
  auto j = nlohmann::json::parse(r.out);
  return {j.at("rows").get<uint64_t>(), j.at("bad_rows").get<uint64_t>()};
}

// Every fixture, grown to span several read buffers, plus an rlb log.
std::vector<testing::FormatFixture> BigFixtures(const TempDir& d) {
  auto fx = testing::AllFixtures(d.path().string());
  fx.push_back({"rlb", d.File("f.rlb"), "0 12 0.001\n1 300 0.02\n0 0 0.5\n"});
  for (auto& f : fx) {
    std::string body = f.text;
    if (f.format == "avazu" || f.format == "csv") body = body.substr(body.find('\n') + 1);
    std::string text = f.text;
    while (text.size() < (3u << 20)) text += body;
    testing::WriteText(f.file, text);
  }
  return fx;
}

std::string FormatArgs(const TempDir& d, const testing::FormatFixture& f) {
  return " --format " + f.format + (f.format == "csv" ? " --schema " + d.File("schema.toml") : "");
}

// Rows the reader yields from the file itself (the same code `data stats` runs
// on a file; in-process, since each adpilot start costs about two seconds here).
Rows FileRows(const TempDir& d, const testing::FormatFixture& f) {
  ReaderOptions o = testing::OptionsFor(f, d.path().string());
  auto r = OpenReader(f.file, o);
  RawRecord rec;
  Rows n;
  while (r->Next(rec)) ++n.rows;
  n.bad = r->bad_rows().count();
  return n;
}

TEST(CliStreams, DataStatsEveryFormatFromPipeStdinFifoAndProcessSubstitution) {
  REQUIRE_CLI();
  TempDir d;
  const std::string fifo = d.File("fifo");
  for (const auto& f : BigFixtures(d)) {
    SCOPED_TRACE(f.format);
    std::string args = FormatArgs(d, f) + " --json";
    Rows want = FileRows(d, f);
    ASSERT_GT(want.rows, 1000u);
    std::vector<std::pair<std::string, std::string>> ways = {
        {"pipe to -", "cat " + f.file + " | {cli} data stats -" + args},
        {"<(...)", "{cli} data stats <(cat " + f.file + ")" + args},
    };
    // Format guessing from the content (a pipe has no file name to go by).
    if (f.format != "csv" && f.format != "rlb")
      ways.push_back({"guessed", "cat " + f.file + " | {cli} data stats - --json"});
    // The other kinds of stream on two formats, one with a header peek.
    if (f.format == "criteo" || f.format == "csv") {
      ways.push_back({"stdin redirect", "{cli} data stats -" + args + " < " + f.file});
      ways.push_back(
          {"fifo", "mkfifo " + fifo + "; cat " + f.file + " > " + fifo + " & {cli} data stats " + fifo + args});
      ways.push_back({"gzip pipe", "gzip -c " + f.file + " | {cli} data stats -" + args});
    }
    for (const auto& [how, script] : ways) {
      SCOPED_TRACE(how);
      std::filesystem::remove(fifo);
      ShellRun r = Bash(d, script);
      Rows got = StatsRows(r);
      EXPECT_EQ(got.rows, want.rows);
      EXPECT_EQ(got.bad, want.bad);
      if (r.code == 0 && how == "guessed") {
        EXPECT_EQ(nlohmann::json::parse(r.out).at("format"), f.format);
      }
    }
  }
}

TEST(CliStreams, TrainFromStdinSeesEveryRowInEveryEpoch) {
  REQUIRE_CLI();
  TempDir d;
  auto train = [&](const std::string& script) {
    ShellRun r = Bash(d, script);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  };
  for (const auto& f : BigFixtures(d)) {
    SCOPED_TRACE(f.format);
    std::string args = FormatArgs(d, f) + " --model lr --epochs 3 --memory no --json";
    auto want = train("{cli} train --data " + f.file + args);
    ASSERT_TRUE(want.contains("train_rows"));
    ASSERT_GT(want["train_rows"].get<uint64_t>(), 1000u);
    ASSERT_EQ(want["epochs_run"], 3);
    ShellRun r = Bash(d, "cat " + f.file + " | {cli} train --data -" + args);
    ASSERT_EQ(r.code, 0) << r.err;
    auto got = nlohmann::json::parse(r.out);
    EXPECT_EQ(got["train_rows"], want["train_rows"]);
    EXPECT_EQ(got["examples_seen"], want["examples_seen"]);
    EXPECT_EQ(got["epochs_run"], 3);
    EXPECT_NE(r.err.find("spooled to a temporary file"), std::string::npos) << r.err;
  }
  // In memory, from `<(...)`, the format guessed.
  const std::string crit = d.File("f.criteo.tsv");
  auto want = train("{cli} train --data " + crit + " --model lr --epochs 2 --memory yes --json");
  auto got = train("{cli} train --data <(cat " + crit + ") --model lr --epochs 2 --memory yes --json");
  EXPECT_EQ(got["train_rows"], want["train_rows"]);
  EXPECT_EQ(got["examples_seen"], want["examples_seen"]);
  // Quantile edges are a pass of their own before the epochs.
  auto wq = train("{cli} train --data " + crit + " --model lr --epochs 2 --numeric quantile --json");
  auto gq = train("cat " + crit + " | {cli} train --data - --model lr --epochs 2 --numeric quantile --json");
  EXPECT_EQ(gq["train_rows"], wq["train_rows"]);
  EXPECT_EQ(gq["examples_seen"], wq["examples_seen"]);
}

TEST(CliStreams, MissingUnreadableAndVanishingInputs) {
  REQUIRE_CLI();
  TempDir d;
  testing::WriteText(d.File("a.tsv"), testing::CriteoFixture());
  auto expect = [&](const std::string& what, const std::string& script, int code, const std::string& msg) {
    SCOPED_TRACE(what);
    ShellRun r = Bash(d, script);
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_NE(r.err.find(msg), std::string::npos) << r.err;
    EXPECT_TRUE(testing::IsJsonErrorOnly(r.out)) << r.out;
  };
  std::filesystem::create_directories(d.File("dir"));
  // A directory stands for its files (a data set in parts): an empty one is an error.
  expect("directory", "{cli} data stats " + d.File("dir") + " --format criteo --json", 2,
         "the directory holds no data files");
  std::filesystem::create_symlink(d.File("nowhere"), d.File("dangling"));
  expect("dangling symlink", "{cli} data stats " + d.File("dangling") + " --format criteo --json", 2, "no such file");
  // A file whose directory vanished before the run.
  std::filesystem::create_directories(d.File("gone"));
  testing::WriteText(d.File("gone/a.tsv"), testing::CriteoFixture());
  std::filesystem::remove_all(d.File("gone"));
  expect("vanished directory", "{cli} data stats " + d.File("gone/a.tsv") + " --format criteo --json", 2,
         "no such file");
  expect("vanished directory, train", "{cli} train --model lr --data " + d.File("gone/a.tsv") + " --json", 2,
         "gone/a.tsv");
  expect("closed fd", "{cli} data stats /dev/fd/250 --format criteo --json", 2, "no such file");
  // A source that vanishes mid-stream: the writer dies half way into a gzip.
  testing::WriteGz(d.File("a.gz"), [] {
    std::string s;
    while (s.size() < (2u << 20)) s += testing::CriteoFixture();
    return s;
  }());
  auto half = std::filesystem::file_size(d.File("a.gz")) / 2;
  expect("writer dies mid-gzip",
         "head -c " + std::to_string(half) + " " + d.File("a.gz") + " | {cli} data stats - --format criteo --json", 2,
         "truncated gzip stream");
  expect("empty rlb pipe", "{cli} data stats - --format rlb --json < /dev/null", 2, "empty auction log");
  {
    // A writer that opens the FIFO and closes it: an empty input, not a hang or a crash.
    std::string fifo = d.File("fifo");
    ShellRun r =
        Bash(d, "mkfifo " + fifo + "; : > " + fifo + " & {cli} data stats " + fifo + " --format criteo --json");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["rows"], 0);
  }
  // chmod 000: root reads through permission bits, so the case means nothing then.
  std::filesystem::permissions(d.File("a.tsv"), std::filesystem::perms::none);
  if (::geteuid() == 0) {
    std::cout << "[   INFO   ] running as root: chmod 000 does not stop reads; unreadable-file case skipped\n";
  } else {
    expect("chmod 000", "{cli} data stats " + d.File("a.tsv") + " --format criteo --json", 1, "cannot open");
  }
  std::filesystem::permissions(d.File("a.tsv"), std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace adpilot
