// Training and scoring on several threads (Hogwild SGD for lr/fm/ffm, xgboost's
// own threads for gbdt). Besides checking that a model trained this way still
// learns, this is what `make tsan` runs ThreadSanitizer on: the parameter
// updates race by design (tests/sanitize/tsan.supp says which), anything else
// that races is a bug.
#include <vector>

#include "adpilot/metrics.h"
#include "common/test_util.h"
#include "predict_test_util.h"

namespace adpilot::testing {
namespace {

TEST(ParallelTraining, TwoThreadsLearnAndScoreAsOne) {
  Context ctx;
  ctx.threads = 2;
  auto h = SmallHasher(3, 10);
  auto train = Synthetic(*h, 4000, 1), valid = Synthetic(*h, 1000, 2);
  std::vector<float> labels;
  for (const auto& ex : valid) labels.push_back(ex.label);
  for (const char* name : {"lr", "fm", "ffm", "gbdt"}) {
    auto m = NewModel(name, h, ctx);
    MemorySource src(train), val(valid);
    TrainConfig cfg;
    cfg.epochs = 3;
    cfg.batch = 64;  // many batches, so the two threads overlap often
    m->Train(src, &val, cfg, ctx);
    std::vector<float> batch(valid.size());
    m->PredictBatch(valid, batch, ctx);
    for (size_t i = 0; i < valid.size(); ++i)
      ASSERT_NEAR(batch[i], m->PredictProba(valid[i]), 1e-6) << name << " row " << i;
    EXPECT_LT(NormalizedEntropy(batch, labels), 0.97) << name;
  }
}

}  // namespace
}  // namespace adpilot::testing
