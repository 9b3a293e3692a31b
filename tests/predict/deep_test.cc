// deepfm / dcnv2 (libtorch): forward pass against hand-computed values, file
// round trip, learning a toy interaction, the NaN guard, warm start,
// explanations. Skipped when the build has no libtorch (models unregistered).
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "common/old_formats.h"
#include "deep_fixture.h"

namespace adpilot::testing {
namespace {

TEST(Deep, DeepFmForwardMatchesHandComputation) {
  REQUIRE_DEEP();
  Context ctx;
  auto m = Make("deepfm", TinyHasher(2, 4), {{"k", "2"}, {"hidden", "2"}}, ctx);
  // Layout: table 16 x (1 + k), then bias, dnn0.w [2,4], dnn0.b [2], out.w [1,2], out.b [1].
  ASSERT_EQ(m->Parameters().size(), 16u * 3 + 1 + 8 + 2 + 2 + 1);
  std::fill(m->Parameters().begin(), m->Parameters().end(), 0.0f);
  Set(*m, 3 * 3, {0.5f, 0.1f, 0.2f});
  Set(*m, 7 * 3, {-0.3f, 0.3f, -0.4f});
  Set(*m, 48, {0.1f});                    // bias
  Set(*m, 49, {1, 0, 0, 0, 0, 0, 0, 1});  // dnn0.w
  Set(*m, 57, {0.0f, 0.1f});              // dnn0.b
  Set(*m, 59, {2.0f, 5.0f});              // out.w
  Set(*m, 61, {0.05f});                   // out.b
  // first order 0.1 + 0.5 - 0.3 = 0.3; FM <(.1,.2),(.3,-.4)> = -0.05;
  // DNN relu(0.1, -0.4 + 0.1) = (0.1, 0) -> 2 * 0.1 + 0.05 = 0.25. Total 0.5.
  EXPECT_NEAR(m->Margin(Row({{0, 3}, {1, 7}})), 0.5, 1e-6);
  // A field with no feature contributes a zero embedding: 0.1 + 0.5 + relu(.1)*2 + relu(.1)*5 + .05.
  EXPECT_NEAR(m->Margin(Row({{0, 3}})), 0.1 + 0.5 + 0.2 + 0.5 + 0.05, 1e-6);
}

TEST(Deep, DcnV2ForwardMatchesHandComputation) {
  REQUIRE_DEEP();
  Context ctx;
  Example ex = Row({{0, 3}, {1, 7}});
  {
    auto m = Make("dcnv2", TinyHasher(2, 4), {{"k", "1"}, {"hidden", ""}, {"cross_layers", "1"}}, ctx);
    // Layout: table 16 x 1, cross0.w [2,2], cross0.b [2], out.w [1,2], out.b [1].
    ASSERT_EQ(m->Parameters().size(), 16u + 4 + 2 + 2 + 1);
    std::fill(m->Parameters().begin(), m->Parameters().end(), 0.0f);
    Set(*m, 3, {0.5f});
    Set(*m, 7, {-1.0f});
    Set(*m, 16, {1, 2, 0, 1, 0.1f, 0.2f, 1, 3, 0.1f});
    // x0 = (.5, -1); W x0 + b = (-1.4, -0.8); x1 = x0 * that + x0 = (-0.2, -0.2); 1*-.2 + 3*-.2 + .1.
    EXPECT_NEAR(m->Margin(ex), -0.7, 1e-6);
  }
  {
    auto m = Make("dcnv2", TinyHasher(2, 4),
                  {{"k", "1"}, {"hidden", "1"}, {"cross_layers", "1"}, {"structure", "parallel"}}, ctx);
    // cross0.w, cross0.b, dnn0.w [1,2], dnn0.b [1], out.w [1, 2 + 1], out.b.
    ASSERT_EQ(m->Parameters().size(), 16u + 4 + 2 + 2 + 1 + 3 + 1);
    std::fill(m->Parameters().begin(), m->Parameters().end(), 0.0f);
    Set(*m, 3, {0.5f});
    Set(*m, 7, {-1.0f});
    Set(*m, 16, {1, 2, 0, 1, 0.1f, 0.2f, 1, 1, 2, 1, 3, 2, 0.1f});
    // DNN on x0: relu(.5 - 1 + 2) = 1.5; logit = -.2 - .6 + 2 * 1.5 + .1 = 2.3.
    EXPECT_NEAR(m->Margin(ex), 2.3, 1e-6);
  }
}

TEST(Deep, LearnsToyInteractionAndRoundTrips) {
  REQUIRE_DEEP();
  Context ctx;
  TempDir dir;
  auto h = TinyHasher(3, 10);
  auto train = Toy(*h, 6000, 1), valid = Toy(*h, 2000, 2);
  for (std::string name : {"deepfm", "dcnv2"}) {
    auto m = Make(name, h, kToy, ctx);
    MemorySource src(train), vsrc(valid);
    TrainConfig cfg;
    cfg.epochs = 6;
    cfg.patience = 6;
    auto r = m->Train(src, &vsrc, cfg, ctx);
    ASSERT_GE(r.epochs.size(), 3u) << name;
    EXPECT_LT(r.epochs.back().train_logloss, r.epochs.front().train_logloss - 0.05) << name;
    // Bayes AUC of this task is ~0.80; a model without the F0 x F1 cross stays near 0.55.
    EXPECT_GT(r.valid_auc, 0.74) << name;
    std::string path = dir.File(name + ".apm");
    m->Save(path);
    auto back = LoadModel(path);
    EXPECT_EQ(back->name(), name);
    for (size_t i = 0; i < 200; ++i) EXPECT_EQ(back->Margin(valid[i]), m->Margin(valid[i])) << name << " row " << i;
    // The batch path agrees with the single-row path.
    std::vector<double> mb(200);
    back->MarginBatch(std::span<const Example>(valid.data(), 200), mb, ctx);
    for (size_t i = 0; i < 200; ++i) EXPECT_NEAR(mb[i], back->Margin(valid[i]), 1e-5);
    // Integrated gradients: entries (with the residual) sum to margin - baseline; the residual is small.
    auto e = back->Explain(valid[0]);
    double sum = e.bias, residual = 0;
    for (const auto& f : e.fields) {
      sum += f.value;
      if (f.name == "(integrated-gradients residual)") residual = f.value;
    }
    EXPECT_NEAR(sum, back->Margin(valid[0]), 1e-5) << name;
    EXPECT_LT(std::abs(residual), 0.05 * (std::abs(e.margin - e.bias) + 0.1)) << name;
  }
}

// --emb-acc-init damps row updates: a huge starting accumulator leaves the
// table where it started while the dense layers still learn; 0 moves it.
TEST(Deep, EmbeddingAccumulatorInitDampsRowSteps) {
  REQUIRE_DEEP();
  Context ctx;
  auto h = TinyHasher(3, 10);
  auto train = Toy(*h, 1000, 1);
  for (std::string acc : {"0", "1e12"}) {
    Params p = kToy;
    p.push_back({"emb_acc_init", acc});
    auto m = Make("dcnv2", h, p, ctx);
    // The table (2^10 rows x k = 4) is the start of the flat parameter buffer.
    const size_t table = size_t(1 << 10) * 4;
    auto span = m->Parameters();
    std::vector<float> before(span.begin(), span.begin() + long(table));
    MemorySource src(train);
    TrainConfig cfg;
    cfg.epochs = 1;
    m->Train(src, nullptr, cfg, ctx);
    span = m->Parameters();
    double moved = 0;
    for (size_t i = 0; i < table; ++i) moved = std::max(moved, double(std::abs(span[i] - before[i])));
    if (acc == "0") EXPECT_GT(moved, 1e-3);
    else EXPECT_LT(moved, 1e-6);
  }
}

TEST(Deep, NanGuardStopsWithClearErrorAndCliWritesNoModel) {
  REQUIRE_DEEP();
  Context ctx;
  auto h = TinyHasher(3, 10);
  auto train = Toy(*h, 2000, 3);
  auto m = Make("deepfm", h, {{"lr", "1e30"}, {"emb_lr", "1e30"}, {"batch_size", "64"}}, ctx);
  MemorySource src(train);
  TrainConfig cfg;
  cfg.epochs = 2;
  try {
    m->Train(src, nullptr, cfg, ctx);
    ADD_FAILURE() << "training with lr 1e30 did not stop";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    std::string what = e.what();
    EXPECT_NE(what.find("diverged at epoch 1 batch"), std::string::npos) << what;
    EXPECT_NE(what.find("not finite"), std::string::npos) << what;
  }
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) return;
  TempDir dir;
  std::string data = ToyCriteo(dir.File("toy.tsv"), 3000, 5);
  auto r = RunCli("train --model dcnv2 --data " + data + " --format criteo --lr 1e30 --emb-lr 1e30 --bits 10 --out " +
                      dir.File("bad.apm"),
                  dir.File("err.txt"));
  std::ifstream in(dir.File("err.txt"));
  std::string err((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(r.exit_code, 2) << err;
  EXPECT_NE(err.find("diverged at epoch 1"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("bad.apm")));
}

TEST(Deep, WarmStartContinuesAndParametersAreOneBuffer) {
  REQUIRE_DEEP();
  Context ctx;
  TempDir dir;
  auto h = TinyHasher(3, 10);
  auto train = Toy(*h, 4000, 7), valid = Toy(*h, 1500, 8);
  auto m = Make("dcnv2", h, kToy, ctx);
  MemorySource src(train), vsrc(valid);
  TrainConfig cfg;
  cfg.epochs = 2;
  cfg.patience = 5;
  auto r1 = m->Train(src, &vsrc, cfg, ctx);
  m->Save(dir.File("a.apm"));
  auto warm = LoadModel(dir.File("a.apm"));
  cfg.epochs = 1;
  auto r2 = warm->Train(src, &vsrc, cfg, ctx);
  // The third pass starts where the second ended: better than the fresh model's first pass.
  EXPECT_LT(r2.epochs[0].train_logloss, r1.epochs[0].train_logloss);
  EXPECT_LE(r2.valid_logloss, r1.valid_logloss + 0.01);
  // Parameters(): one contiguous buffer; averaging with itself changes nothing.
  auto p = warm->Parameters();
  std::vector<float> copy(p.begin(), p.end());
  warm->AverageWith(copy, 0.5);
  EXPECT_TRUE(std::equal(copy.begin(), copy.end(), warm->Parameters().begin()));
  EXPECT_EQ(AucOf(*warm, valid), AucOf(*warm, valid));
}

// The deep state as version 1 wrote it ("ADPDEEP1", arrays inline), from the
// array list and data of a version 2 state.
std::string DeepStateV1(const std::string& state) {
  v1::Parts parts = v1::SplitContainer(state);
  auto arrays = nlohmann::json::parse(parts.config).at("arrays");
  std::string out = "ADPDEEP1";
  v1::Put(out, uint32_t(arrays.size()));
  size_t pos = 0;
  for (const auto& a : arrays) {
    std::string name = a.at("name");
    bool f32 = a.at("dtype") == "f32";
    auto shape = a.at("shape").get<std::vector<int64_t>>();
    v1::Put(out, uint32_t(name.size()));
    out += name;
    v1::Put(out, uint8_t(f32 ? 0 : 1));
    v1::Put(out, uint32_t(shape.size()));
    size_t n = f32 ? 4 : 8;
    for (int64_t d : shape) v1::Put(out, d), n *= size_t(d);
    out += parts.payload.substr(pos, n);
    pos += n;
  }
  EXPECT_EQ(pos, parts.payload.size());
  return out;
}

// A model file and deep state from before the container load to the same model.
TEST(Deep, Version1FilesStillLoad) {
  REQUIRE_DEEP();
  Context ctx;
  TempDir dir;
  auto h = TinyHasher(3, 6);
  std::vector<Example> rows = Toy(*h, 300, 5);
  for (const char* kind : {"deepfm", "dcnv2"}) {
    auto m = Make(kind, h, kToy, ctx);
    MemorySource src(rows);
    TrainConfig cfg;
    cfg.epochs = 1;
    m->Train(src, nullptr, cfg, ctx);
    m->Save(dir.File("new.apm"));
    std::string now = ReadFile(dir.File("new.apm"));
    v1::Parts file = v1::SplitContainer(now);
    ASSERT_EQ(file.payload.substr(0, 8), "ADPDEEPS");
    WriteFileAtomic(dir.File("old.apm"), v1::ModelFile(file.config, DeepStateV1(file.payload)));
    auto old = LoadModel(dir.File("old.apm"));
    auto a = m->Parameters(), b = old->Parameters();
    ASSERT_EQ(a.size(), b.size()) << kind;
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << kind;
    for (size_t i = 0; i < 10; ++i) EXPECT_EQ(old->PredictProba(rows[i]), m->PredictProba(rows[i])) << kind;
  }
}

TEST(Deep, CorruptStateIsRejected) {
  REQUIRE_DEEP();
  Context ctx;
  TempDir dir;
  auto h = TinyHasher(2, 4);
  auto m = Make("deepfm", h, {{"k", "2"}}, ctx);
  m->Save(dir.File("m.apm"));
  // A different architecture in the config than in the state: kCorruption naming the array.
  std::string bytes;
  {
    std::ifstream in(dir.File("m.apm"), std::ios::binary);
    bytes.assign((std::istreambuf_iterator<char>(in)), {});
  }
  EXPECT_NO_THROW(LoadModel(dir.File("m.apm")));
  bytes.resize(bytes.size() - 40);
  {
    std::ofstream out(dir.File("cut.apm"), std::ios::binary);
    out << bytes;
  }
  try {
    LoadModel(dir.File("cut.apm"));
    ADD_FAILURE() << "truncated file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
  }
}

}  // namespace
}  // namespace adpilot::testing
