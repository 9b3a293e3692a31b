// Fault injection through the CLI: kill -9 at chosen bytes of every kind of
// write, a full disk, and output directories that are missing or vanish. The
// fault is injected by fault_shim.c (LD_PRELOAD), so each case is exact and
// repeatable: no timing, no sleeps. After each fault the old file is intact
// (or the new one complete), the exit code and message are right, and no temp
// file survives the next run.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "cli/cli_fixtures.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

namespace fs = std::filesystem;
using testing::Fault;
using testing::RunCli;
using testing::RunWithFault;
using testing::TempDir;
using testing::TempLeftovers;

constexpr int kKilled = 128 + 9;

std::string Train(const std::string& data, const std::string& out, const std::string& extra = "") {
  return "--quiet train --model lr --bits 12 --data " + data + " --format criteo --out " + out + " " + extra;
}

TEST(FaultInjection, ModelWriteKilledAtAnyByteKeepsTheOldModel) {
  TempDir t;
  testing::WriteCriteoRows(t.File("a.tsv"), 600, 0);
  testing::WriteCriteoRows(t.File("b.tsv"), 600, 5);
  fs::create_directories(t.File("models"));
  std::string m = t.File("models/m.apm");
  ASSERT_EQ(RunCli(Train(t.File("a.tsv"), m)).exit_code, 0);
  const std::string old = ReadFile(m);
  for (long long after : {0LL, 1LL, 100LL, (long long)old.size() / 2, (long long)old.size() - 1}) {
    SCOPED_TRACE(after);
    auto r = RunWithFault(Train(t.File("b.tsv"), m), {"kill", t.File("models/"), after, "", ""}, t.File("err"));
    ASSERT_EQ(r.exit_code, kKilled) << ReadFile(t.File("err"));
    EXPECT_EQ(ReadFile(m), old);
    EXPECT_EQ(TempLeftovers(t.File("models")), std::vector<std::string>{});  // before: m.apm.tmp.<pid>
  }
  // Killed after the temp file is complete and named, before the rename.
  auto r = RunWithFault(Train(t.File("b.tsv"), m), {"rename", m, 0, "", ""}, t.File("err"));
  ASSERT_EQ(r.exit_code, kKilled);
  EXPECT_EQ(ReadFile(m), old);
  // The next write replaces the model and removes what the dead writer left.
  ASSERT_EQ(RunCli(Train(t.File("b.tsv"), m)).exit_code, 0);
  EXPECT_NE(ReadFile(m), old);
  EXPECT_EQ(TempLeftovers(t.File("models")), std::vector<std::string>{});
  EXPECT_EQ(RunCli("--quiet eval --model " + m + " --data " + t.File("a.tsv") + " --format criteo").exit_code, 0);
}

TEST(FaultInjection, DiskFullIsExitOneWithAClearMessageAndTheOldFileStays) {
  TempDir t;
  testing::WriteCriteoRows(t.File("a.tsv"), 600, 0);
  testing::WriteCriteoRows(t.File("b.tsv"), 600, 5);
  fs::create_directories(t.File("out"));
  std::string m = t.File("out/m.apm");
  ASSERT_EQ(RunCli(Train(t.File("a.tsv"), m)).exit_code, 0);
  const std::string old = ReadFile(m);
  for (long long after : {0LL, 4096LL}) {
    SCOPED_TRACE(after);
    auto r = RunWithFault(Train(t.File("b.tsv"), m), {"enospc", t.File("out/"), after, "", ""}, t.File("err"));
    std::string err = ReadFile(t.File("err"));
    EXPECT_EQ(r.exit_code, 1) << err;
    EXPECT_NE(err.find(m), std::string::npos) << err;
    EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
    EXPECT_EQ(ReadFile(m), old);
    EXPECT_EQ(TempLeftovers(t.File("out")), std::vector<std::string>{});
  }
  // A split that fills the disk on its second part: the first is complete, the second untouched.
  std::string prefix = t.File("out/s");
  ASSERT_EQ(
      RunCli("--quiet data split " + t.File("a.tsv") + " --train 0.5 --valid 0.25 --out-prefix " + prefix).exit_code,
      0);
  std::string valid_before = ReadFile(prefix + ".valid");
  // The size of b's train part, from a split elsewhere: the disk fills 10 bytes after it.
  fs::create_directories(t.File("probe"));
  ASSERT_EQ(
      RunCli("--quiet data split " + t.File("b.tsv") + " --train 0.5 --valid 0.25 --out-prefix " + t.File("probe/s"))
          .exit_code,
      0);
  long long train_bytes = (long long)fs::file_size(t.File("probe/s.train"));
  auto r = RunWithFault("--quiet data split " + t.File("b.tsv") + " --train 0.5 --valid 0.25 --out-prefix " + prefix,
                        {"enospc", t.File("out/"), train_bytes + 10, "", ""}, t.File("err"));
  EXPECT_EQ(r.exit_code, 1) << ReadFile(t.File("err"));
  EXPECT_NE(ReadFile(t.File("err")).find("No space left on device"), std::string::npos);
  EXPECT_EQ(ReadFile(prefix + ".train"), ReadFile(t.File("probe/s.train")));
  EXPECT_EQ(ReadFile(prefix + ".valid"), valid_before);
  EXPECT_EQ(TempLeftovers(t.File("out")), std::vector<std::string>{});
}

// The same on a real full file system, where the test may mount one (root).
TEST(FaultInjection, DiskFullOnASmallTmpfs) {
  TempDir t;
  fs::create_directories(t.File("mnt"));
  std::string mnt = t.File("mnt");
  if (geteuid() != 0 || std::system(("mount -t tmpfs -o size=256k tmpfs " + mnt + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root); the LD_PRELOAD cases cover ENOSPC";
  testing::WriteCriteoRows(t.File("a.tsv"), 600, 0);
  testing::WriteCriteoRows(t.File("b.tsv"), 600, 5);
  std::string m = mnt + "/m.apm";
  int first = RunCli(Train(t.File("a.tsv"), m)).exit_code;
  std::string old = first == 0 ? ReadFile(m) : "";
  // Fill the rest but half a model, so the new model cannot be written beside the old one.
  auto space = fs::space(mnt);
  std::ofstream(mnt + "/filler") << std::string(space.available > old.size() / 2 ? space.available - old.size() / 2 : 0,
                                                'x');
  auto r = RunCli(Train(t.File("b.tsv"), m), t.File("err"));
  std::string err = ReadFile(t.File("err"));
  bool intact = first == 0 && ReadFile(m) == old;
  auto leftovers = TempLeftovers(mnt);
  bool unmounted = std::system(("umount " + mnt).c_str()) == 0;  // before any assertion can return
  ASSERT_TRUE(unmounted);
  ASSERT_EQ(first, 0);
  EXPECT_EQ(r.exit_code, 1) << err;
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  EXPECT_TRUE(intact);
  EXPECT_EQ(leftovers, std::vector<std::string>{});
}

TEST(FaultInjection, CacheWriteKilledIsRebuiltAndLeavesNothingBehind) {
  TempDir t;
  testing::WriteCriteoRows(t.File("a.tsv"), 3000, 0);
  std::string cache = t.File("cache");
  std::string ref = t.File("ref.apm"), m = t.File("m.apm");
  ASSERT_EQ(RunCli(Train(t.File("a.tsv"), ref, "--epochs 2")).exit_code, 0);
  for (long long after : {0LL, 50LL, 20000LL}) {
    SCOPED_TRACE(after);
    auto r = RunWithFault(Train(t.File("a.tsv"), m, "--epochs 2 --cache-dir " + cache),
                          {"kill", cache + "/", after, "", ""}, t.File("err"));
    ASSERT_EQ(r.exit_code, kKilled) << ReadFile(t.File("err"));
    EXPECT_EQ(TempLeftovers(cache), std::vector<std::string>{});
  }
  // The next run builds a whole cache and trains on every row: the same model
  // as without a cache. A second run reads the cache and agrees again.
  for (int run = 0; run < 2; ++run) {
    ASSERT_EQ(RunCli(Train(t.File("a.tsv"), m, "--epochs 2 --cache-dir " + cache)).exit_code, 0);
    EXPECT_EQ(ReadFile(m), ReadFile(ref)) << "run " << run;
  }
  size_t files = 0;
  for (auto& e : fs::directory_iterator(cache)) files += e.path().extension() == ".adpcache";
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(TempLeftovers(cache), std::vector<std::string>{});
}

TEST(FaultInjection, ProfileStoreWriteKilledKeepsTheOldStore) {
  TempDir t;
  {
    std::ofstream a(t.File("a.txt")), b(t.File("b.txt"));
    for (int i = 0; i < 50; ++i) a << "running shoes marathon " << i % 7 << "\n";
    for (int i = 0; i < 80; ++i) b << "garden tools compost " << i % 5 << "\n";
  }
  fs::create_directories(t.File("p"));
  std::string p = t.File("p/users.prof");
  auto embed = [&](const std::string& in) {
    return "--quiet profile embed --encoder tfidf --format lines --input " + in + " --out " + p;
  };
  ASSERT_EQ(RunCli(embed(t.File("a.txt"))).exit_code, 0);
  const std::string old = ReadFile(p), old_index = ReadFile(p + ".index");
  for (long long after : {0LL, 30LL, (long long)old.size() / 2}) {
    SCOPED_TRACE(after);
    // Watched by directory: an O_TMPFILE temp has no name of its own yet.
    auto r = RunWithFault(embed(t.File("b.txt")), {"kill", t.File("p/"), after, "", ""}, t.File("err"));
    ASSERT_EQ(r.exit_code, kKilled) << ReadFile(t.File("err"));
    EXPECT_EQ(ReadFile(p), old);
    EXPECT_EQ(ReadFile(p + ".index"), old_index);
    EXPECT_EQ(TempLeftovers(t.File("p")), std::vector<std::string>{});
  }
  ASSERT_EQ(RunCli(embed(t.File("b.txt"))).exit_code, 0);
  EXPECT_NE(ReadFile(p), old);
  EXPECT_EQ(TempLeftovers(t.File("p")), std::vector<std::string>{});
}

// A pipeline whose middle step writes two files one after the other.
std::string Pipeline(const TempDir& t, double train_share) {
  return "[[step]]\nname = \"stats\"\nstage = \"data\"\nargs = [\"data\", \"stats\", \"" + t.File("a.tsv") +
         "\", \"--format\", \"criteo\"]\n"
         "[[step]]\nname = \"split\"\nstage = \"data\"\nargs = [\"data\", \"split\", \"" +
         t.File("a.tsv") + "\", \"--train\", \"" + std::to_string(train_share) +
         "\", \"--valid\", \"0.2\", \"--out-prefix\", \"{run}/p/a\", \"--ext\", \".tsv\"]\n"
         "[[step]]\nname = \"train-stats\"\nstage = \"data\"\nargs = [\"data\", \"stats\", \"{run}/p/a.train.tsv\", "
         "\"--format\", \"criteo\"]\n";
}

std::map<std::string, std::string> StepStatuses(const std::string& run) {
  std::map<std::string, std::string> out;
  auto s = nlohmann::json::parse(ReadFile(run + "/summary.json"));
  for (const auto& st : s["steps"]) out[st["name"]] = st["status"];
  return out;
}

size_t Lines(const std::string& path) {
  std::string s = ReadFile(path);
  return size_t(std::count(s.begin(), s.end(), '\n'));
}

TEST(FaultInjection, RunKilledWhileRecordingStepsRerunsCleanly) {
  TempDir t;
  testing::WriteCriteoRows(t.File("a.tsv"), 1000);
  WriteFileAtomic(t.File("p.toml"), Pipeline(t, 0.7));
  std::string run = t.File("run");
  std::string args = "--quiet run " + t.File("p.toml") + " --out " + run + " --no-report";
  for (long long after : {0LL, 10LL, 400LL, 1500LL}) {
    SCOPED_TRACE(after);
    auto r = RunWithFault(args, {"kill", run + "/steps/", after, " run ", ""}, t.File("err"));
    EXPECT_EQ(r.exit_code, kKilled) << ReadFile(t.File("err"));
    for (auto& e : fs::directory_iterator(run + "/steps")) {
      if (e.path().extension() != ".json") continue;  // whole JSON or absent, never half
      EXPECT_FALSE(nlohmann::json::parse(ReadFile(e.path().string()), nullptr, false).is_discarded()) << e.path();
    }
  }
  auto r = RunCli(args, t.File("err"));
  ASSERT_EQ(r.exit_code, 0) << ReadFile(t.File("err"));
  for (const auto& [name, status] : StepStatuses(run)) EXPECT_TRUE(status == "ran" || status == "cached") << name;
  EXPECT_EQ(TempLeftovers(run), std::vector<std::string>{});
  ASSERT_EQ(RunCli(args).exit_code, 0);
  for (const auto& [name, status] : StepStatuses(run)) EXPECT_EQ(status, "cached") << name;
}

TEST(FaultInjection, StepKilledMidOutputIsRerunNotReused) {
  TempDir t;
  testing::WriteCriteoRows(t.File("a.tsv"), 1000);
  std::string run = t.File("run");
  std::string args = "--quiet run " + t.File("p.toml") + " --out " + run + " --no-report";
  WriteFileAtomic(t.File("p.toml"), Pipeline(t, 0.7));
  ASSERT_EQ(RunCli(args).exit_code, 0);
  // Config B's run is killed (with its process group, as a terminal's Ctrl-C
  // or the OOM killer of a cgroup would) after the split's train part replaced
  // A's, before its valid part did. `data split` runs inside the run's process
  // (a library command), so the fault watches the run: only the split step
  // writes a.valid.tsv.
  WriteFileAtomic(t.File("p.toml"), Pipeline(t, 0.5));
  auto r = RunWithFault(args, {"rename", run + "/p/a.valid.tsv", 0, " run ", "", true}, t.File("err"));
  EXPECT_EQ(r.exit_code, kKilled) << ReadFile(t.File("err"));
  EXPECT_EQ(Lines(run + "/p/a.train.tsv"), 500u);
  testing::WaitForKilledWriters(run);
  // Back to config A: the split's outputs are B's now, so its old key must not
  // vouch for them (before: "cached", with a 500-line train part).
  WriteFileAtomic(t.File("p.toml"), Pipeline(t, 0.7));
  ASSERT_EQ(RunCli(args).exit_code, 0);
  auto st = StepStatuses(run);
  EXPECT_EQ(st["stats"], "cached");
  EXPECT_EQ(st["split"], "ran");
  EXPECT_EQ(Lines(run + "/p/a.train.tsv"), 700u);
  EXPECT_EQ(TempLeftovers(run), std::vector<std::string>{});
}

TEST(FaultInjection, MissingOrVanishingOutputDirectoriesAreClearErrors) {
  TempDir t;
  testing::WriteCriteoRows(t.File("a.tsv"), 300);
  // --out under a path that is a file, and under a directory that is not there.
  std::ofstream(t.File("file")) << "x";
  for (const std::string& out : {t.File("file/m.apm"), t.File("nodir/m.apm")}) {
    SCOPED_TRACE(out);
    auto r = RunCli(Train(t.File("a.tsv"), out), t.File("err"));
    std::string err = ReadFile(t.File("err"));
    EXPECT_EQ(r.exit_code, 1) << err;
    EXPECT_NE(err.find(out), std::string::npos) << err;
  }
  // The output directory is deleted while the model is being written.
  fs::create_directories(t.File("gone"));
  auto r = RunWithFault(Train(t.File("a.tsv"), t.File("gone/m.apm")),
                        {"vanish", t.File("gone/"), 0, "", t.File("gone")}, t.File("err"));
  std::string err = ReadFile(t.File("err"));
  EXPECT_EQ(r.exit_code, 1) << err;
  EXPECT_NE(err.find(t.File("gone/m.apm")), std::string::npos) << err;
  EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
  // A run directory deleted while the run records its first step.
  WriteFileAtomic(t.File("p.toml"), Pipeline(t, 0.7));
  std::string run = t.File("run");
  r = RunWithFault("--quiet run " + t.File("p.toml") + " --out " + run + " --no-report",
                   {"vanish", run + "/steps/", 0, " run ", run}, t.File("err"));
  err = ReadFile(t.File("err"));
  EXPECT_EQ(r.exit_code, 1) << err;
  EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
}

}  // namespace
}  // namespace adpilot
