// Uplift curves on a hand-computed toy ranking, and the learners on a small
// simulated experiment whose effect lives in one known segment.
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/uplift.h"
#include "common/test_util.h"

namespace adpilot::uplift {
namespace {

TEST(UpliftEval, QiniAndAuucOnToyRanking) {
  // Ranked: (T, y=1), (C, 0), (T, 0), (C, 1). Qini/N at shares 1/4..1: .25 .25 .25 0;
  // uplift curve: 0, .5, .375, 0. Trapezoids: qini .1875 - 0 (random line ends at 0),
  // auuc .0625 + .109375 + .046875.
  UpliftEval e = Evaluate({4, 3, 2, 1}, {1, 0, 1, 0}, {1, 0, 0, 1});
  EXPECT_NEAR(e.qini, 0.1875, 1e-12);
  EXPECT_NEAR(e.auuc, 0.21875, 1e-12);
  EXPECT_NEAR(e.ate, 0.0, 1e-12);
  // Reversing the ranking turns the gain into a loss.
  UpliftEval r = Evaluate({1, 2, 3, 4}, {1, 0, 1, 0}, {1, 0, 0, 1});
  EXPECT_LT(r.qini, 0);
}

TEST(UpliftEval, TiesFormOneBlockSoConstantScoresAreRandom) {
  std::vector<double> s(1000, 0.5), y(1000);
  std::vector<int> t(1000);
  std::mt19937_64 rng(3);
  for (size_t i = 0; i < s.size(); ++i) {
    t[i] = int(rng() % 2);
    y[i] = double(rng() % 3 == 0);
  }
  UpliftEval e = Evaluate(s, t, y);
  EXPECT_NEAR(e.qini, 0.0, 1e-12);
  EXPECT_NEAR(e.auuc, e.auuc_random, 1e-12);
}

// 4,000 units; treatment lifts conversion by 0.3 only where x0 > 0.
Table SimulatedExperiment() {
  Table t;
  t.path = "sim.csv";
  t.columns = {"id", "arm", "x0", "x1", "color", "y", "spend"};
  std::mt19937_64 rng(11);
  std::normal_distribution<double> g;
  std::uniform_real_distribution<double> u;
  for (int i = 0; i < 4000; ++i) {
    double x0 = g(rng), x1 = g(rng);
    bool treated = u(rng) < 0.5;
    double p = 0.2 + (treated && x0 > 0 ? 0.3 : 0.0);
    bool y = u(rng) < p;
    double spend = y ? 10 + 5 * u(rng) : 0;  // a second outcome: must not become a feature
    t.rows.push_back({fmt::format("u{}", i), treated ? "mail" : "none", fmt::format("{:.6f}", x0),
                      fmt::format("{:.6f}", x1), i % 3 ? "red" : "blue", y ? "1" : "0", fmt::format("{:.2f}", spend)});
    t.lines.push_back(uint64_t(i + 2));
  }
  return t;
}

TEST(UpliftLearners, EveryLearnerFindsTheRespondingSegment) {
  Table t = SimulatedExperiment();
  DataOptions d{"arm", "mail", "none", "y", {}, {}, "id", 50};
  Context ctx = Context::Default();
  UpliftData data = BuildData(t, d, ctx);
  for (const auto& f : data.feature_names) EXPECT_NE(f, "spend") << "outcome leak not excluded";
  ASSERT_EQ(data.n, 4000u);
  double oracle = 0;
  {
    std::vector<double> truth(data.n);
    for (size_t i = 0; i < data.n; ++i) truth[i] = data.row(i)[0] > 0 ? 0.3 : 0;
    oracle = Evaluate(truth, data.treated, data.y).qini;
  }
  for (std::string learner : {"s", "t", "x", "dr"}) {
    for (std::string base : {"lr", "gbdt", "fm"}) {
      LearnerOptions o;
      o.learner = learner;
      o.base = base;
      o.folds = 3;
      if (base == "gbdt") o.base_params = {"rounds=30"};
      std::vector<double> s = CrossFitUplift(data, o, ctx);
      UpliftEval e = Evaluate(s, data.treated, data.y);
      // Random targeting scores 0; the oracle about 0.04 here.
      EXPECT_GT(e.qini, 0.4 * oracle) << learner << "/" << base;
      Recommendation r = Recommend(data, s, "y");
      EXPECT_GT(r.incremental_per_1000, r.everyone_per_1000) << learner << "/" << base;
    }
  }
}

TEST(UpliftLearners, ReproducibleFromSeed) {
  Table t = SimulatedExperiment();
  Context ctx = Context::Default();
  UpliftData data = BuildData(t, {"arm", "mail", "none", "y", {"x0", "x1"}, {}, "", 50}, ctx);
  LearnerOptions o;
  o.learner = "x";
  auto a = CrossFitUplift(data, o, ctx), b = CrossFitUplift(data, o, ctx);
  EXPECT_EQ(a, b);
}

TEST(UpliftLearners, SameResultWhateverTheThreadCount) {
  Table t = SimulatedExperiment();
  Context one = Context::Default(), two = Context::Default();
  two.threads = 2;
  UpliftData data = BuildData(t, {"arm", "mail", "none", "y", {"x0", "x1", "color"}, {}, "", 50}, one);
  LearnerOptions o;
  o.learner = "dr";
  o.folds = 3;
  EXPECT_EQ(CrossFitUplift(data, o, one), CrossFitUplift(data, o, two));
}

// spend = 10..15 on conversion: a continuous outcome goes through the same
// probability models as a fractional logit (target scaled to [0, 1]).
TEST(UpliftLearners, ContinuousOutcomeThroughTheSameBaseModels) {
  Table t = SimulatedExperiment();
  Context ctx = Context::Default();
  UpliftData data = BuildData(t, {"arm", "mail", "none", "spend", {"x0", "x1", "color"}, {}, "", 50}, ctx);
  ASSERT_FALSE(data.binary_outcome);
  std::vector<double> truth(data.n);
  for (size_t i = 0; i < data.n; ++i) truth[i] = data.values[i * 3] > 0 ? 0.3 * 12.5 : 0;
  double oracle = Evaluate(truth, data.treated, data.y).qini;
  for (std::string learner : {"t", "x", "dr"}) {
    LearnerOptions o;
    o.learner = learner;
    o.folds = 3;
    std::vector<double> s = CrossFitUplift(data, o, ctx);
    double mean = 0;
    for (double v : s) {
      ASSERT_TRUE(std::isfinite(v)) << learner;
      mean += v / double(s.size());
    }
    EXPECT_GT(Evaluate(s, data.treated, data.y).qini, 0.4 * oracle) << learner;
    // Mean uplift in spend units (true mean 0.3 * 12.5 / 2 = 1.9), not a [0, 1] scale.
    EXPECT_GT(mean, 0.8) << learner;
    EXPECT_LT(mean, 3.5) << learner;
  }
}

TEST(UpliftData, MissingCovariatesBecomeAMissingFeature) {
  Table t = SimulatedExperiment();
  for (size_t r = 0; r < t.rows.size(); r += 9) t.rows[r][2] = "";  // x0 empty in every 9th row
  Context ctx = Context::Default();
  UpliftData data = BuildData(t, {"arm", "mail", "none", "y", {"x0", "x1"}, {}, "", 50}, ctx);
  EXPECT_TRUE(std::isnan(data.values[0]));  // row 0, field x0
  EXPECT_FALSE(std::isnan(data.values[1]));
  for (std::string base : {"lr", "gbdt"}) {
    LearnerOptions o;
    o.base = base;
    o.folds = 3;
    std::vector<double> s = CrossFitUplift(data, o, ctx);
    for (double v : s) ASSERT_TRUE(std::isfinite(v)) << base;
    EXPECT_GT(Evaluate(s, data.treated, data.y).qini, 0) << base;
  }
}

TEST(UpliftLearners, BaseModelErrorsNameTheModelAndOption) {
  Table t = SimulatedExperiment();
  Context ctx = Context::Default();
  UpliftData data = BuildData(t, {"arm", "mail", "none", "y", {"x0"}, {}, "", 50}, ctx);
  auto expect = [&](LearnerOptions o, std::vector<std::string> words) {
    try {
      CrossFitUplift(data, o, ctx);
      FAIL() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      for (const auto& w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << e.what();
    }
  };
  LearnerOptions o;
  o.base = "svm";
  expect(o, {"'svm'", "gbdt", "lr"});
  o.base = "gbdt";
  o.base_params = {"depth=3"};
  expect(o, {"'depth'", "max_depth"});
  o.base_params = {"rounds"};
  expect(o, {"KEY=VALUE"});
  o.base = "lr";
  o.base_params = {};
  o.learner = "z";
  expect(o, {"'z'", "dr"});
}

TEST(UpliftData, BadInputNamesColumnAndValue) {
  Table t = SimulatedExperiment();
  Context ctx = Context::Default();
  try {
    BuildData(t, {"arm", "email", "none", "y", {}, {}, "", 50}, ctx);
    FAIL() << "unknown treatment value accepted";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'arm'"), std::string::npos) << m;
    EXPECT_NE(m.find("'email'"), std::string::npos) << m;
    EXPECT_NE(m.find("mail"), std::string::npos) << m;  // lists the values seen
  }
  // Treatment coded 1/0 where the flags say yes/no: the error lists the codes.
  Table coded = t;
  for (auto& r : coded.rows) r[1] = r[1] == "mail" ? "1" : "0";
  try {
    BuildData(coded, {"arm", "yes", "no", "y", {}, {}, "", 50}, ctx);
    FAIL() << "treatment coding mismatch accepted";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'yes'"), std::string::npos) << m;
    EXPECT_TRUE(m.find("values are: 0, 1") != std::string::npos || m.find("values are: 1, 0") != std::string::npos)
        << m;
  }
  Table text = t;
  text.rows[4][5] = "yes";
  try {
    BuildData(text, {"arm", "mail", "none", "y", {}, {}, "", 50}, ctx);
    FAIL() << "text outcome accepted";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'y'"), std::string::npos) << m;
    EXPECT_NE(m.find("'yes'"), std::string::npos) << m;
    EXPECT_NE(m.find("sim.csv:6"), std::string::npos) << m;
  }
  EXPECT_THROW(BuildData(t, {"group", "mail", "none", "y", {}, {}, "", 50}, ctx), Error);
  EXPECT_THROW(BuildData(t, {"arm", "mail", "none", "outcome", {}, {}, "", 50}, ctx), Error);
  for (auto& r : t.rows) r[5] = "0";
  try {
    BuildData(t, {"arm", "mail", "none", "y", {}, {}, "", 50}, ctx);
    FAIL() << "constant outcome accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'y'"), std::string::npos);
  }
}

}  // namespace
}  // namespace adpilot::uplift
