#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/metrics.h"
#include "common/old_formats.h"
#include "common/test_util.h"
#include "predict_test_util.h"

namespace adpilot::testing {
namespace {

// One binary feature: rows with it click at 30%, rows without at 10%. The
// unregularised logistic optimum predicts exactly those rates.
std::vector<Example> TwoGroups(const FeatureHasher& h) {
  std::vector<Example> out;
  for (int i = 0; i < 2000; ++i) {
    RawRecord rec;
    bool has = i % 2 == 0;
    RawFeature f;
    f.field = 0;
    f.token = has ? "yes" : "";
    f.missing = !has;
    rec.features.push_back(f);
    int k = i / 2;
    rec.label = has ? (k % 10 < 3) : (k % 10 < 1);
    Example ex;
    h.Hash(rec, ex);
    out.push_back(ex);
  }
  return out;
}

TEST(Training, ReachesKnownOptimum) {
  Context ctx;
  Schema s;
  s.Add("A", FieldKind::kCategorical);
  FeatureConfig fc;
  fc.bits = 10;
  fc.missing_token = false;
  auto h = std::make_shared<FeatureHasher>(fc, s);
  auto rows = TwoGroups(*h);
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> cases = {
      {"lr", {{"l1", "0"}, {"l2", "0"}, {"alpha", "0.1"}}},
      {"fm", {{"l2", "0"}, {"l2_linear", "0"}, {"eta", "0.1"}}},
      {"ffm", {{"l2", "0"}, {"l2_linear", "0"}, {"eta", "0.1"}}},
      {"gbdt", {{"lambda", "0"}, {"eta", "0.3"}, {"subsample", "1"}, {"colsample", "1"}, {"rounds", "60"}}}};
  for (const auto& [name, params] : cases) {
    auto m = NewModel(name, h, ctx, params);
    MemorySource src(rows);
    TrainConfig cfg;
    cfg.epochs = 30;
    m->Train(src, nullptr, cfg, ctx);
    EXPECT_NEAR(m->PredictProba(rows[0]), 0.3, 0.01) << name;
    EXPECT_NEAR(m->PredictProba(rows[1]), 0.1, 0.01) << name;
  }
}

TEST(Training, FactorModelsLearnInteractions) {
  Context ctx;
  auto h = SmallHasher(4, 14);
  auto train = Synthetic(*h, 20000, 1), test = Synthetic(*h, 5000, 2);
  std::vector<float> y;
  for (const auto& e : test) y.push_back(e.label);
  auto auc = [&](const std::string& name) {
    auto m = NewModel(name, h, ctx);
    MemorySource src(train);
    TrainConfig cfg;
    cfg.epochs = 5;
    m->Train(src, nullptr, cfg, ctx);
    std::vector<float> p(test.size());
    m->PredictBatch(test, p, ctx);
    return Auc(p, y);
  };
  double lr = auc("lr"), fm = auc("fm"), ffm = auc("ffm");
  // The XOR-like pair effect of fields 0 and 1 is invisible to a linear model.
  EXPECT_GT(fm, lr + 0.01);
  EXPECT_GT(ffm, lr + 0.01);
}

class PerModel : public ::testing::TestWithParam<std::string> {};

TEST_P(PerModel, SaveLoadGivesIdenticalPredictions) {
  Context ctx;
  TempDir dir;
  auto h = SmallHasher(4, 12);
  auto rows = Synthetic(*h, 3000, 11);
  auto m = NewModel(GetParam(), h, ctx,
                    GetParam() == "gbdt" ? std::vector<std::pair<std::string, std::string>>{{"rounds", "20"}}
                                         : std::vector<std::pair<std::string, std::string>>{});
  MemorySource src(rows), valid(Synthetic(*h, 500, 12));
  TrainConfig cfg;
  cfg.epochs = 2;
  cfg.calibrate = "platt";
  m->Train(src, &valid, cfg, ctx);
  m->Save(dir.File("m.apm"));
  auto back = LoadModel(dir.File("m.apm"));
  EXPECT_EQ(back->name(), GetParam());
  EXPECT_EQ(back->calibrator().kind_name(), "platt");
  for (size_t i = 0; i < 200; ++i) ASSERT_EQ(m->PredictProba(rows[i]), back->PredictProba(rows[i])) << i;
  // The explanation adds up to the margin.
  auto e = back->Explain(rows[0]);
  double sum = e.bias;
  for (const auto& f : e.fields) sum += f.value;
  EXPECT_NEAR(sum, back->Margin(rows[0]), 1e-4);
  EXPECT_NEAR(e.margin, back->Margin(rows[0]), 1e-4);
}

TEST_P(PerModel, WarmStartContinues) {
  Context ctx;
  TempDir dir;
  auto h = SmallHasher(4, 12);
  auto rows = Synthetic(*h, 3000, 21);
  TrainConfig one;
  one.epochs = 1;
  std::vector<std::pair<std::string, std::string>> params;
  if (GetParam() == "gbdt") params = {{"rounds", "10"}, {"subsample", "1"}, {"colsample", "1"}};
  auto a = NewModel(GetParam(), h, ctx, params);
  MemorySource src(rows);
  a->Train(src, nullptr, one, ctx);
  a->Save(dir.File("a.apm"));
  auto b = LoadModel(dir.File("a.apm"));
  b->Train(src, nullptr, one, ctx);
  if (GetParam() == "gbdt") {
    // 10 more rounds on top of the loaded 10: better fit of the training data.
    std::vector<float> pa(rows.size()), pb(rows.size()), y;
    for (const auto& r : rows) y.push_back(r.label);
    a->PredictBatch(rows, pa, ctx);
    b->PredictBatch(rows, pb, ctx);
    EXPECT_LT(LogLoss(pb, y), LogLoss(pa, y));
    return;
  }
  // Continuing for one epoch equals training two epochs in one go.
  auto c = NewModel(GetParam(), h, ctx, params);
  TrainConfig two;
  two.epochs = 2;
  c->Train(src, nullptr, two, ctx);
  auto pb = b->Parameters(), pc = c->Parameters();
  ASSERT_EQ(pb.size(), pc.size());
  EXPECT_TRUE(std::equal(pb.begin(), pb.end(), pc.begin()));
  EXPECT_FALSE(std::equal(pb.begin(), pb.end(), a->Parameters().begin()));
}

INSTANTIATE_TEST_SUITE_P(Models, PerModel, ::testing::Values("lr", "fm", "ffm", "gbdt"));

TEST(ModelFile, CorruptTruncatedAndNewerAreClearErrors) {
  Context ctx;
  TempDir dir;
  auto h = SmallHasher(3, 10);
  auto m = NewModel("ffm", h, ctx);
  MemorySource src(Synthetic(*h, 200, 1));
  TrainConfig cfg;
  cfg.epochs = 1;
  m->Train(src, nullptr, cfg, ctx);
  m->Save(dir.File("m.apm"));
  std::string good = ReadFile(dir.File("m.apm"));
  auto expect_corrupt = [&](const std::string& bytes, const std::string& what) {
    WriteFileAtomic(dir.File("bad.apm"), bytes);
    try {
      LoadModel(dir.File("bad.apm"));
      ADD_FAILURE() << what << ": loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCorruption) << what << ": " << e.what();
      return std::string(e.what());
    }
    return std::string();
  };
  expect_corrupt(good.substr(0, good.size() / 2), "truncated");
  expect_corrupt(good.substr(0, 5), "tiny");
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  EXPECT_NE(expect_corrupt(flipped, "flipped").find("checksum"), std::string::npos);
  std::string newer = good;
  uint32_t v = 99;
  std::memcpy(&newer[8], &v, 4);
  EXPECT_NE(expect_corrupt(newer, "newer").find("newer"), std::string::npos);
  std::string magic = good;
  magic[0] = 'X';
  expect_corrupt(magic, "magic");
  try {
    LoadModel(dir.File("missing.apm"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

// Files written before the container (version 1) keep loading, to the same
// parameters and predictions; new files are version 2.
TEST(ModelFile, Version1FilesStillLoad) {
  Context ctx;
  TempDir dir;
  auto h = SmallHasher(3, 10);
  std::vector<Example> rows = Synthetic(*h, 200, 1);
  for (const char* kind : {"lr", "fm", "ffm", "gbdt"}) {
    auto m = NewModel(kind, h, ctx);
    MemorySource src(rows);
    TrainConfig cfg;
    cfg.epochs = 1;
    m->Train(src, nullptr, cfg, ctx);
    m->Save(dir.File("new.apm"));
    std::string now = ReadFile(dir.File("new.apm"));
    uint32_t version = 0;
    std::memcpy(&version, now.data() + 8, 4);
    EXPECT_EQ(version, 2u) << kind;
    v1::Parts parts = v1::SplitContainer(now);
    // Files of that time named the learning rate as each model did then.
    const std::string old_key = std::string(kind) == "lr" ? "\"alpha\"" : "\"eta\"";
    const size_t at = parts.config.find("\"learning_rate\"");
    ASSERT_NE(at, std::string::npos) << kind;
    parts.config.replace(at, std::string("\"learning_rate\"").size(), old_key);
    WriteFileAtomic(dir.File("old.apm"), v1::ModelFile(parts.config, parts.payload));
    auto old = LoadModel(dir.File("old.apm")), cur = LoadModel(dir.File("new.apm"));
    EXPECT_EQ(old->name(), kind);
    EXPECT_TRUE(old->ConfigJson() == cur->ConfigJson()) << kind;
    for (size_t i = 0; i < 20; ++i) EXPECT_EQ(old->PredictProba(rows[i]), m->PredictProba(rows[i])) << kind;
    old->Save(dir.File("old-resaved.apm"));
    cur->Save(dir.File("new-resaved.apm"));
    // The same model, now as version 2 (EXPECT_TRUE: the bytes would flood the log).
    EXPECT_TRUE(ReadFile(dir.File("old-resaved.apm")) == ReadFile(dir.File("new-resaved.apm"))) << kind;
  }
}

TEST(Calibration, IsotonicAndPlattFixAMiscalibratedScore) {
  std::mt19937_64 rng(3);
  std::vector<float> p, y;
  for (int i = 0; i < 20000; ++i) {
    double truth = std::uniform_real_distribution<double>(0.02, 0.5)(rng);
    p.push_back(float(std::min(0.99, truth * 1.8)));  // over-predicts by 80%
    y.push_back(std::uniform_real_distribution<double>(0, 1)(rng) < truth ? 1.f : 0.f);
  }
  for (auto kind : {Calibrator::Kind::kPlatt, Calibrator::Kind::kIsotonic}) {
    Calibrator c;
    c.Fit(kind, p, y);
    std::vector<float> q;
    for (float x : p) q.push_back(float(c.Apply(x)));
    EXPECT_NEAR(CalibrationRatio(q, y), 1.0, 0.03);
    EXPECT_LT(LogLoss(q, y), LogLoss(p, y));
    auto back = Calibrator::FromJson(c.ToJson());
    EXPECT_EQ(back.Apply(0.3), c.Apply(0.3));
  }
}

TEST(Registry, UnknownModelListsValidNames) {
  try {
    CreateModel("svm");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("ffm"), std::string::npos);
  }
}

}  // namespace
}  // namespace adpilot::testing
