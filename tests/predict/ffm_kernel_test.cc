// The ffm SIMD kernels and the scalar fallback perform the same float
// operations in the same order, so training with either gives bit-identical
// parameters and margins, also when k is padded to the SIMD width.
#include "common/test_util.h"
#include "predict_test_util.h"

namespace adpilot::testing {
namespace {

void CheckSimdEqualsScalar(const std::string& k) {
  Context ctx;
  auto h = SmallHasher(5, 10);
  auto rows = Synthetic(*h, 3000, 11);
  std::vector<std::unique_ptr<Model>> m;
  for (const char* simd : {"true", "false"}) {
    m.push_back(NewModel("ffm", h, ctx, {{"k", k}, {"simd", simd}, {"eta", "0.1"}, {"init_scale", "0.5"}}));
    MemorySource src(rows);
    TrainConfig cfg;
    cfg.epochs = 2;
    cfg.shuffle = false;
    m.back()->Train(src, nullptr, cfg, ctx);
  }
  auto a = m[0]->Parameters(), b = m[1]->Parameters();
  ASSERT_EQ(a.size(), b.size());
  size_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff += a[i] != b[i];
  EXPECT_EQ(diff, 0u) << "k=" << k;
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(m[0]->Margin(rows[i]), m[1]->Margin(rows[i]));
  // Training moved the factors: the comparison is not of two untouched states.
  auto fresh = NewModel("ffm", h, ctx, {{"k", k}, {"init_scale", "0.5"}});
  EXPECT_NE(fresh->Margin(rows[0]), m[0]->Margin(rows[0]));
}

TEST(FfmKernel, SimdEqualsScalarK4) { CheckSimdEqualsScalar("4"); }
TEST(FfmKernel, SimdEqualsScalarPaddedK6) { CheckSimdEqualsScalar("6"); }

}  // namespace
}  // namespace adpilot::testing
