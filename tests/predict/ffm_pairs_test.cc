// ffm field-pair selection: `pairs` restricts the interactions to named field
// pairs, `keep_pairs` prunes to the strongest pairs after the first pass and
// stores the kept list in the model file.
#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "adpilot/metrics.h"
#include "common/test_util.h"
#include "predict_test_util.h"

namespace adpilot::testing {
namespace {

double TestAuc(const Model& m, const std::vector<Example>& test, const Context& ctx) {
  std::vector<float> p(test.size()), y;
  for (const auto& e : test) y.push_back(e.label);
  m.PredictBatch(test, p, ctx);
  return Auc(p, y);
}

TEST(FfmPairs, KeepPairsFindsThePlantedPairAndRoundTrips) {
  Context ctx;
  TempDir dir;
  // Six fields; only fields 0 and 1 interact (Synthetic's XOR-like term).
  auto h = SmallHasher(6, 14);
  auto train = Synthetic(*h, 20000, 1), test = Synthetic(*h, 5000, 2);
  auto m = NewModel("ffm", h, ctx, {{"keep_pairs", "1"}});
  MemorySource src(train);
  TrainConfig cfg;
  cfg.epochs = 4;
  m->Train(src, nullptr, cfg, ctx);
  auto kept = m->ConfigJson()["params"]["pairs"];
  EXPECT_EQ(kept.dump(), "[\"F0xF1\"]") << kept.dump();
  auto lr = NewModel("lr", h, ctx);
  lr->Train(src, nullptr, cfg, ctx);
  EXPECT_GT(TestAuc(*m, test, ctx), TestAuc(*lr, test, ctx) + 0.01);

  m->Save(dir.File("m.apm"));
  auto back = LoadModel(dir.File("m.apm"));
  for (size_t i = 0; i < 200; ++i) ASSERT_EQ(m->PredictProba(test[i]), back->PredictProba(test[i])) << i;
  auto e = back->Explain(test[0]);
  double sum = e.bias;
  for (const auto& f : e.fields) sum += f.value;
  EXPECT_NEAR(sum, back->Margin(test[0]), 1e-4);
}

TEST(FfmPairs, ExplicitPairsOnlyThoseInteract) {
  Context ctx;
  auto h = SmallHasher(3, 12);
  auto rows = Synthetic(*h, 2000, 5);
  // With no pair active and no linear term, every margin is 0.
  auto none = NewModel("ffm", h, ctx, {{"pairs", "F0xF1"}, {"linear", "false"}});
  auto all = NewModel("ffm", h, ctx, {{"linear", "false"}});
  // Same seed, same initial factors: a row's margin with only F0xF1 is the
  // F0xF1 term of the full model.
  auto ex = rows[0];
  Example only01 = ex;
  only01.features.resize(2);  // fields 0 and 1
  EXPECT_NEAR(none->Margin(ex), all->Margin(only01), 1e-6);
  EXPECT_NE(none->Margin(ex), all->Margin(ex));
}

TEST(FfmPairs, UnknownFieldIsAClearError) {
  Context ctx;
  auto h = SmallHasher(3, 12);
  try {
    NewModel("ffm", h, ctx, {{"pairs", "F0xF9"}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("F0xF9"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace adpilot::testing
