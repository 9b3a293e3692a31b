// `mpirun -np N adpilot train` (docs/distributed.md): equivalence with one
// process (test AUC within 0.003 for np = 1, 2, 4; the exact lr solver to
// 1e-6), a fixed seed and np give the same model file, and faults (a rank
// killed, a bad shard, a full disk on rank 0) end every rank with an error
// naming the rank and the file, leaving an existing model intact. Skipped
// where mpirun is absent or the build has no MPI.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "predict/predict_test_util.h"

namespace adpilot {
namespace {

namespace fs = std::filesystem;
using testing::RunShell;
using testing::WriteCriteo;

const auto Slurp = testing::ReadText;

class DistributedTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = testing::MpiSkipReason(); !why.empty()) GTEST_SKIP() << why;
    if (!fs::exists(ADPILOT_CLI_PATH)) GTEST_SKIP() << "adpilot binary not built";
    train_ = dir_.File("train.tsv");
    valid_ = dir_.File("valid.tsv");
    test_ = dir_.File("test.tsv");
    WriteCriteo(train_, 24000, 1);
    WriteCriteo(valid_, 6000, 2);
    WriteCriteo(test_, 8000, 3);
  }

  // `prefix`: environment assignments for mpirun (the fault shim).
  testing::CliResult Mpi(int np, const std::string& args, const std::string& err = "/dev/null",
                         const std::string& prefix = "") {
    return RunShell(
        fmt::format("{}{}{} --threads 1 {} 2>{}", prefix, testing::MpirunPrefix(np), ADPILOT_CLI_PATH, args, err));
  }
  double TestAuc(const std::string& model) {
    auto r = testing::RunCli("eval --model " + model + " --data " + test_ + " --json");
    EXPECT_EQ(r.exit_code, 0);
    return nlohmann::json::parse(r.out).at("auc").get<double>();
  }
  // A model already at the path a failing run writes to, to check it survives.
  std::string ExistingModel() {
    fs::create_directories(dir_.path() / "out");
    std::string out = dir_.File("out/existing.apm");
    auto r = testing::RunCli("--threads 1 train --model lr --epochs 1 --bits 12 --data " + valid_ + " --out " + out);
    EXPECT_EQ(r.exit_code, 0);
    return out;
  }
  // After a failed job: the model that was at --out is untouched and no
  // temporary file is left anywhere.
  void ExpectLeftIntact(const std::string& out, const std::string& before) {
    EXPECT_TRUE(Slurp(out) == before) << "the existing model at --out changed";
    for (const auto& e : fs::recursive_directory_iterator(dir_.path()))
      EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }

  testing::TempDir dir_;
  std::string train_, valid_, test_;
};

TEST_F(DistributedTrain, RanksAgreeOnTestAuc) {
  for (std::string model : {"lr", "ffm --bits 14 --pairs C1xC2,I1xC1"}) {
    std::vector<double> auc;
    for (int np : {1, 2, 4}) {
      std::string out = dir_.File(fmt::format("m{}.apm", np));
      auto r =
          Mpi(np, "train --model " + model + " --data " + train_ + " --valid " + valid_ + " --out " + out + " --json");
      ASSERT_EQ(r.exit_code, 0) << model << " np " << np;
      // One JSON object, from rank 0 only.
      auto j = nlohmann::json::parse(r.out);
      EXPECT_EQ(j.at("ranks").get<int>(), np);
      EXPECT_EQ(j.at("train_rows").get<int>(), 24000);
      EXPECT_EQ(j.at("valid_rows").get<int>(), 6000);
      auc.push_back(TestAuc(out));
    }
    EXPECT_GT(auc[0], 0.6) << model;
    for (double a : auc) EXPECT_NEAR(a, auc[0], 0.003) << model << ": " << fmt::format("{}", fmt::join(auc, ", "));
  }
}

// The data as a directory of parts, two of them gzip (which byte ranges
// cannot split): each rank reads whole parts; one process reads them in order
// and trains the model it trains on the one file.
TEST_F(DistributedTrain, ADirectoryOfPartsSplitsByFile) {
  fs::create_directories(dir_.path() / "parts");
  ASSERT_EQ(RunShell("cd " + dir_.File("parts") + " && split -n l/4 -d " + train_ + " part- && gzip part-01 part-03")
                .exit_code,
            0);
  const std::string parts = dir_.File("parts");
  std::string one = dir_.File("one.apm"), dir1 = dir_.File("dir1.apm"), dir2 = dir_.File("dir2.apm");
  ASSERT_EQ(Mpi(1, "--seed 3 train --model lr --data " + train_ + " --out " + one).exit_code, 0);
  ASSERT_EQ(Mpi(1, "--seed 3 train --model lr --data " + parts + " --out " + dir1).exit_code, 0);
  EXPECT_TRUE(Slurp(one) == Slurp(dir1)) << "the parts in order are the file";
  auto r = Mpi(2, "--seed 3 train --model lr --data " + parts + " --valid " + valid_ + " --out " + dir2 + " --json",
               dir_.File("err"));
  ASSERT_EQ(r.exit_code, 0) << Slurp(dir_.File("err"));
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("train_rows").get<int>(), 24000);
  EXPECT_NEAR(TestAuc(dir2), TestAuc(one), 0.003);
}

TEST_F(DistributedTrain, ExactLbfgsMatchesOneProcess) {
  std::vector<std::vector<double>> preds;
  for (int np : {1, 2}) {
    std::string out = dir_.File(fmt::format("b{}.apm", np));
    auto r = Mpi(np, "train --model lr --solver lbfgs --bits 12 --lbfgs-passes 400 --lbfgs-tolerance 1e-13 --data " +
                         train_ + " --out " + out + " --json");
    ASSERT_EQ(r.exit_code, 0);
    std::string pred = dir_.File(fmt::format("b{}.txt", np));
    ASSERT_EQ(testing::RunCli("predict --model " + out + " --data " + test_ + " --out " + pred).exit_code, 0);
    std::ifstream f(pred);
    std::vector<double> p;
    std::string line;
    while (std::getline(f, line))
      if (!line.empty() && (std::isdigit(static_cast<unsigned char>(line[0])) || line[0] == '.'))
        p.push_back(std::stod(line));
    ASSERT_EQ(p.size(), 8000u);
    preds.push_back(p);
  }
  double worst = 0;
  for (size_t i = 0; i < preds[0].size(); ++i) worst = std::max(worst, std::abs(preds[0][i] - preds[1][i]));
  EXPECT_LT(worst, 1e-6);
}

TEST_F(DistributedTrain, FixedSeedAndRanksGiveTheSameModel) {
  for (std::string model : {"lr", "ffm --bits 12 --k 4"}) {
    std::string a = dir_.File("a.apm"), b = dir_.File("b.apm");
    for (const auto& out : {a, b})
      ASSERT_EQ(Mpi(2, "--seed 5 train --model " + model + " --sync-every 3000 --data " + train_ + " --valid " +
                           valid_ + " --out " + out)
                    .exit_code,
                0);
    EXPECT_EQ(Slurp(a), Slurp(b)) << model;
  }
}

TEST_F(DistributedTrain, BadShardEndsEveryRank) {
  // The bad row lies in the second half: rank 1's shard.
  std::string bad = dir_.File("bad.tsv");
  {
    std::string text = Slurp(train_);
    size_t at = text.find('\n', text.size() * 3 / 4) + 1;
    text.insert(at, "1\tnot-a-number\n");
    std::ofstream(bad) << text;
  }
  std::string out = ExistingModel(), before = Slurp(out), err = dir_.File("err.txt");
  auto t0 = std::chrono::steady_clock::now();
  auto r = Mpi(2, "train --model lr --on-error fail --data " + bad + " --out " + out, err);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(secs, 30);
  std::string msg = Slurp(err);
  EXPECT_NE(msg.find("rank 1/2"), std::string::npos) << msg;
  EXPECT_NE(msg.find(bad), std::string::npos) << msg;
  ExpectLeftIntact(out, before);
}

TEST_F(DistributedTrain, FullDiskOnRankZero) {
  std::string out = ExistingModel(), before = Slurp(out), err = dir_.File("err.txt");
  // The fault shim (tests/cli/fault_shim.c) fails writes into the model's
  // folder with ENOSPC after 4 KiB; only rank 0 writes there.
  auto t0 = std::chrono::steady_clock::now();
  auto r = Mpi(2, "train --model lr --bits 16 --epochs 2 --data " + train_ + " --out " + out, err,
               fmt::format("LD_PRELOAD={} ADP_FAULT=enospc ADP_FAULT_AFTER=4096 ADP_FAULT_PATH={} ", ADPILOT_FAULT_SHIM,
                           dir_.File("out/")));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(secs, 30);
  std::string msg = Slurp(err);
  EXPECT_NE(msg.find("rank 0"), std::string::npos) << msg;
  EXPECT_NE(msg.find(out), std::string::npos) << msg;
  ExpectLeftIntact(out, before);
}

TEST_F(DistributedTrain, KilledRankEndsTheJob) {
  std::string out = ExistingModel(), before = Slurp(out), err = dir_.File("err.txt");
  // Long enough to be killed mid-run: many passes of ffm, syncing often.
  // timeout -> mpirun -> the ranks: kill -9 the last rank once both run.
  std::string args = fmt::format(
      "{}{} --threads 1 train --model ffm --bits 14 --epochs 1000 --patience 1000 --sync-every 500 --data {} --out {} "
      "2>{} & job=$!; ranks=''; "
      "for i in $(seq 200); do m=$(pgrep -P $job | head -1); [ -n \"$m\" ] && ranks=$(pgrep -P $m | sort -n); "
      "[ $(echo $ranks | wc -w) -ge 2 ] && break; sleep 0.1; done; sleep 2; "
      "kill -9 $(echo $ranks | tr ' ' '\\n' | tail -1); "
      "start=$(date +%s); wait $job; rc=$?; echo $rc $(( $(date +%s) - start ))",
      testing::MpirunPrefix(2), ADPILOT_CLI_PATH, train_, out, err);
  auto r = RunShell(args);
  int rc = -1, secs = -1;
  std::sscanf(r.out.c_str(), "%d %d", &rc, &secs);
  EXPECT_NE(rc, 0) << Slurp(err);
  EXPECT_GE(secs, 0);
  EXPECT_LT(secs, 30);
  std::string msg = Slurp(err);
  EXPECT_NE(msg.find("rank"), std::string::npos) << msg;
  ExpectLeftIntact(out, before);
}

}  // namespace
}  // namespace adpilot
