// Gradients checked by finite differences through the public API: one AdaGrad
// step from accumulators of 1 moves parameter i by -eta*g/sqrt(1+g^2), so the
// step reveals g, which must match the numerical derivative of the logloss.
#include <cmath>

#include "common/test_util.h"
#include "predict/model_util.h"
#include "predict_test_util.h"

namespace adpilot::testing {
namespace {

double Loss(const Model& m, const Example& ex) { return predict::LogLossFromMargin(m.Margin(ex), ex.label); }

void CheckFactorGradients(const std::string& name) {
  Context ctx;
  auto h = SmallHasher(4, 12);
  auto ex = Synthetic(*h, 1, 3);
  ex[0].label = 1;
  const double eta = 1e-3;
  auto m = NewModel(name, h, ctx, {{"eta", "0.001"}, {"l2", "0"}, {"l2_linear", "0"}, {"k", "4"}, {"init_scale", "1"}});
  auto before = std::vector<float>(m->Parameters().begin(), m->Parameters().end());
  // Numerical gradient of the loss for every parameter.
  std::vector<double> fd(before.size(), 0.0);
  auto p = m->Parameters();
  for (size_t i = 0; i < p.size(); ++i) {
    float keep = p[i];
    float step = 1e-2f;
    p[i] = keep + step;
    double up = Loss(*m, ex[0]);
    p[i] = keep - step;
    double down = Loss(*m, ex[0]);
    p[i] = keep;
    fd[i] = (up - down) / (2 * step);
  }
  MemorySource src(ex);
  TrainConfig cfg;
  cfg.epochs = 1;
  m->Train(src, nullptr, cfg, ctx);
  auto after = m->Parameters();
  int checked = 0;
  for (size_t i = 0; i < fd.size(); ++i) {
    if (std::abs(fd[i]) < 1e-5) continue;              // accumulators and untouched buckets
    double d = -(double(after[i]) - before[i]) / eta;  // = g / sqrt(1 + g^2)
    ASSERT_LT(std::abs(d), 1.0) << name << " parameter " << i;
    double g = d / std::sqrt(1 - d * d);
    EXPECT_NEAR(g, fd[i], 2e-3 + 0.02 * std::abs(fd[i])) << name << " parameter " << i;
    ++checked;
  }
  // bias + 4 linear + pair factors: every one has a gradient.
  EXPECT_GE(checked, name == "fm" ? 5 + 4 * 4 : 5 + 12 * 4) << name;
}

TEST(Gradient, FmMatchesFiniteDifferences) { CheckFactorGradients("fm"); }
TEST(Gradient, FfmMatchesFiniteDifferences) { CheckFactorGradients("ffm"); }

TEST(Gradient, FtrlFirstStepIsLossGradient) {
  // From z = n = 0 one FTRL step sets z_i = g_i and n_i = g_i^2 (w was 0).
  Context ctx;
  auto h = SmallHasher(3, 12);
  auto ex = Synthetic(*h, 1, 5);
  ex[0].label = 1;
  auto m = NewModel("lr", h, ctx);
  double hstep = 1e-4, m0 = m->Margin(ex[0]);
  double dldm = (predict::LogLossFromMargin(m0 + hstep, 1) - predict::LogLossFromMargin(m0 - hstep, 1)) / (2 * hstep);
  MemorySource src(ex);
  TrainConfig cfg;
  cfg.epochs = 1;
  m->Train(src, nullptr, cfg, ctx);
  auto p = m->Parameters();
  size_t bias = p.size() / 2 - 1;
  EXPECT_NEAR(p[2 * bias], dldm, 1e-6);
  EXPECT_NEAR(p[2 * bias + 1], dldm * dldm, 1e-6);
  for (const Feature& f : ex[0].features) EXPECT_NEAR(p[2 * f.index], dldm * f.value, 1e-6);
}

}  // namespace
}  // namespace adpilot::testing
