// AUC floors on the real Criteo and Avazu samples in ../shared/data: train on
// train, early-stop on dev, score test. Floors sit well below the measured
// values (docs/benchmarks.md) so that noise cannot flake them.
#include <filesystem>

#include "adpilot/metrics.h"
#include "adpilot/reader.h"
#include "common/test_util.h"
#include "predict_test_util.h"

namespace adpilot::testing {
namespace {

double TestAuc(const std::string& dir, const std::string& format, const std::string& model, int bits) {
  Context ctx;
  ReaderOptions ro;
  ro.format = format;
  FeatureConfig fc;
  fc.bits = bits;
  auto hasher = std::make_shared<FeatureHasher>(fc, OpenReader(dir + "/train.csv.gz", ro)->schema());
  auto m = CreateModel(model);
  if (model == "gbdt") SetParam(*m, "rounds", "60");
  m->SetFeatures(hasher, format);
  m->Init(ctx);
  LabelConfig label;
  MemorySource train(LoadExamples(dir + "/train.csv.gz", ro, *hasher, label, ctx));
  MemorySource valid(LoadExamples(dir + "/dev.csv.gz", ro, *hasher, label, ctx));
  TrainConfig cfg;
  cfg.epochs = 8;
  m->Train(train, &valid, cfg, ctx);
  std::vector<float> y;
  auto p = m->PredictFile(dir + "/test.csv.gz", ctx, &y);
  EXPECT_GT(p.size(), 300u);
  return Auc(p, y);
}

TEST(RealData, CriteoSampleAucFloors) {
  ADPILOT_REQUIRE_SHARED_DATA("criteo/wide_resdnn/train.csv.gz");
  std::string dir = std::filesystem::path(shared_path).parent_path().string();
  // Measured test AUC (3 seeds): lr 0.733, ffm 0.731, gbdt 0.706 (391 test rows).
  EXPECT_GT(TestAuc(dir, "criteo", "lr", 18), 0.66);
  EXPECT_GT(TestAuc(dir, "criteo", "ffm", 14), 0.64);
  EXPECT_GT(TestAuc(dir, "criteo", "gbdt", 18), 0.63);
}

TEST(RealData, AvazuSampleAucFloors) {
  ADPILOT_REQUIRE_SHARED_DATA("avazu/wide_resdnn/train.csv.gz");
  if (!ReaderRegistry::Get().Has("avazu")) GTEST_SKIP() << "no avazu reader in this build";
  std::string dir = std::filesystem::path(shared_path).parent_path().string();
  // Measured test AUC (3 seeds): lr 0.738, fm 0.738 (432 test rows).
  EXPECT_GT(TestAuc(dir, "avazu", "lr", 18), 0.66);
  EXPECT_GT(TestAuc(dir, "avazu", "fm", 16), 0.66);
}

}  // namespace
}  // namespace adpilot::testing
