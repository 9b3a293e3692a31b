// The sampler recovers known parameters on synthetic data, diagnostics flag
// disagreeing chains, and model files round-trip and reject corruption.
#include <fstream>
#include <random>

#include <Eigen/Dense>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "common/old_formats.h"
#include "common/test_util.h"
#include "schedule/diagnostics.h"
#include "schedule/nuts.h"
#include "schedule/simulate.h"

namespace adpilot::mmm {
namespace {

TEST(Nuts, SamplesACorrelatedGaussian) {
  // 2-d Gaussian with sd (1, 3) and correlation 0.5: mean and sd within Monte-Carlo error.
  Eigen::Matrix2d cov;
  cov << 1, 1.5, 1.5, 9;
  Eigen::Matrix2d prec = cov.inverse();
  LogDensityFn f = [&](const Eigen::VectorXd& q, Eigen::VectorXd& g) {
    g = -prec * q;
    return -0.5 * q.dot(prec * q);
  };
  std::mt19937_64 rng(5);
  NutsOptions o;
  o.warmup = 300;
  o.draws = 2000;
  NutsChain ch = RunNuts(f, Eigen::VectorXd::Constant(2, 2.0), o, rng);
  Eigen::VectorXd mean = ch.draws.colwise().mean();
  Eigen::MatrixXd c = ch.draws.rowwise() - mean.transpose();
  Eigen::MatrixXd emp = c.transpose() * c / double(o.draws - 1);
  EXPECT_NEAR(mean[0], 0, 0.15);
  EXPECT_NEAR(mean[1], 0, 0.45);
  EXPECT_NEAR(std::sqrt(emp(0, 0)), 1, 0.1);
  EXPECT_NEAR(std::sqrt(emp(1, 1)), 3, 0.3);
  EXPECT_NEAR(emp(0, 1) / std::sqrt(emp(0, 0) * emp(1, 1)), 0.5, 0.08);
  EXPECT_EQ(ch.divergences, 0);
}

TEST(Diagnostics, RhatAndEss) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> z(0, 1);
  std::vector<std::vector<double>> iid(4, std::vector<double>(500));
  for (auto& c : iid)
    for (double& x : c) x = z(rng);
  EXPECT_LT(SplitRhat(iid), 1.01);
  double ess = EssBulk(iid);
  EXPECT_GT(ess, 1400);
  EXPECT_LT(ess, 2600);
  auto shifted = iid;
  for (double& x : shifted[0]) x += 3;  // one chain stuck elsewhere
  EXPECT_GT(SplitRhat(shifted), 1.1);
  // AR(1) with phi = 0.9: ESS about n (1 - phi) / (1 + phi) ~ 5% of the draws.
  std::vector<std::vector<double>> ar(4, std::vector<double>(1000));
  for (auto& c : ar) {
    double v = 0;
    for (double& x : c) x = v = 0.9 * v + std::sqrt(1 - 0.81) * z(rng);
  }
  EXPECT_LT(EssBulk(ar), 450);
  EXPECT_GT(EssBulk(ar), 100);
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4, 5}, 0.25), 2.0);
}

TEST(MmmFit, RecoversSimulatedRoas) {
  SimTruth truth;
  MmmData data = SimulateMmm(156, 3, 11, &truth, 0.02);
  MmmOptions o;
  o.chains = 2;
  o.warmup = 300;
  o.draws = 300;
  o.holdout = 8;
  o.fourier_order = 1;
  Context ctx = Context::Default();
  ctx.threads = 2;
  ctx.seed = 9;
  MmmReport rep;
  MmmModel m = FitMmm(data, o, ctx, &rep);
  EXPECT_GT(rep.train.r2, 0.9);
  EXPECT_GT(rep.holdout.r2, 0.5);
  EXPECT_LT(rep.rhat_max, 1.1);
  int covered = 0;
  for (int c = 0; c < 3; ++c) {
    double roas = TrueRoas(truth, m.data, c, m.train_rows);
    const auto& cs = rep.channels[c];
    // 90% intervals, widened slightly: short chains give noisy quantiles.
    double slack = 0.05 * (cs.roas.high - cs.roas.low);
    covered += roas >= cs.roas.low - slack && roas <= cs.roas.high + slack;
    EXPECT_NEAR(cs.roas.mean, roas, 0.35 * roas) << cs.name;
  }
  EXPECT_GE(covered, 2);
}

TEST(MmmModelFile, RoundTripAndCorruption) {
  adpilot::testing::TempDir dir;
  SimTruth truth;
  MmmData data = SimulateMmm(60, 2, 3, &truth);
  MmmOptions o;
  o.chains = 2;
  o.warmup = 60;
  o.draws = 40;
  o.holdout = 4;
  MmmModel m = FitMmm(data, o, Context::Default());
  std::string path = dir.File("m.mmm");
  SaveMmmModel(m, path);
  MmmModel back = LoadMmmModel(path);
  EXPECT_EQ(back.draws, m.draws);
  EXPECT_EQ(back.data.channels, m.data.channels);
  EXPECT_EQ(back.options.channel_specs[1].saturation, "hill");
  EXPECT_EQ(back.train_rows, 56);
  std::string bytes = ReadFile(path);
  auto expect_corrupt = [&](const std::string& b) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << b;
    try {
      LoadMmmModel(path);
      FAIL() << "accepted a corrupt file";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCorruption) << e.what();
    }
  };
  expect_corrupt(bytes.substr(0, bytes.size() / 2));
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 1;
  expect_corrupt(flipped);
  std::string newer = bytes;
  newer[8] = 9;  // version field
  expect_corrupt(newer);

  // A file from before the container (version 1) loads to the same model.
  ASSERT_EQ(bytes[8], 2);
  adpilot::testing::v1::Parts parts = adpilot::testing::v1::SplitContainer(bytes);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << adpilot::testing::v1::MmmFile(parts.config, parts.payload);
  MmmModel old = LoadMmmModel(path);
  EXPECT_EQ(old.draws, m.draws);
  EXPECT_EQ(old.param_names, m.param_names);
  EXPECT_EQ(old.data.spend, m.data.spend);
  SaveMmmModel(old, path);
  EXPECT_EQ(ReadFile(path), bytes);
}

}  // namespace
}  // namespace adpilot::mmm
