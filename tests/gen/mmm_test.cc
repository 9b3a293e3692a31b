#include <cmath>

#include <gtest/gtest.h>

#include "adpilot/world.h"
#include "common/test_util.h"
#include "world_fixture.h"

namespace adpilot {
namespace {

using testing::SmallWorld;

TEST(GenChannels, AdstockAndSaturationFromTheCsvReproduceTheKpi) {
  const auto& w = SmallWorld::Get();
  const auto& mmm = w.truth["mmm"];
  testing::Csv csv = testing::ReadCsv(w.File("channels.csv"));
  ASSERT_EQ(int(csv.rows.size()), w.cfg.weeks);
  ASSERT_EQ(csv.header.front(), "week");
  ASSERT_EQ(csv.header.back(), "kpi");
  const auto& names = w.truth["channels"];
  ASSERT_EQ(int(names.size()), w.cfg.channels);
  size_t W = csv.rows.size();
  std::vector<double> pred(W, 0);
  for (size_t t = 0; t < W; ++t) {
    pred[t] = mmm["base"][t].get<double>();
    pred[t] += mmm["controls"]["price_index"].get<double>() * (std::stod(csv.rows[t][csv.Col("price_index")]) - 1);
    pred[t] += mmm["controls"]["competitor_spend"].get<double>() * std::stod(csv.rows[t][csv.Col("competitor_spend")]);
    pred[t] += mmm["controls"]["promo"].get<double>() * std::stod(csv.rows[t][csv.Col("promo")]);
  }
  for (const auto& name : names) {
    const auto& ch = mmm["per_channel"][name.get<std::string>()];
    int col = csv.Col(name);
    ASSERT_GE(col, 0) << name;
    std::vector<double> wts = ch["adstock"]["weights"].get<std::vector<double>>();
    // The lag weights are the documented formula, normalised.
    double s = 0;
    std::vector<double> raw;
    for (size_t l = 0; l < wts.size(); ++l) {
      double v;
      if (ch["adstock"]["kind"] == "geometric") {
        v = std::pow(ch["adstock"]["alpha"].get<double>(), double(l));
      } else {
        double k = ch["adstock"]["shape"], lam = ch["adstock"]["scale"], x = (l + 1) / lam;
        v = (k / lam) * std::pow(x, k - 1) * std::exp(-std::pow(x, k));
      }
      raw.push_back(v);
      s += v;
    }
    for (size_t l = 0; l < wts.size(); ++l) EXPECT_NEAR(wts[l], raw[l] / s, 1e-12);
    double K = ch["K"], gamma = ch["gamma"], beta = ch["beta"], total = 0, spend = 0;
    for (size_t t = 0; t < W; ++t) {
      double a = 0;
      for (size_t l = 0; l < wts.size() && l <= t; ++l) a += wts[l] * std::stod(csv.rows[t - l][size_t(col)]);
      double c = beta * std::pow(a, gamma) / (std::pow(a, gamma) + std::pow(K, gamma));
      EXPECT_NEAR(c, ch["contribution"][t].get<double>(), 1e-6 * (1 + c));
      pred[t] += c;
      total += c;
      spend += std::stod(csv.rows[t][size_t(col)]);
    }
    EXPECT_NEAR(ch["total_contribution"].get<double>(), total, 1e-6 * total);
    EXPECT_NEAR(ch["roas"].get<double>(), total / spend, 1e-9 * total / spend);
    EXPECT_NEAR(ch["marginal_roas"].get<double>(), beta * HillDerivative(ch["mean_spend"].get<double>(), K, gamma),
                1e-9);
  }
  // What is left is the noise drawn (up to the cents the KPI is rounded to),
  // and its spread is the configured noise level.
  double ss = 0;
  for (size_t t = 0; t < W; ++t) {
    double resid = std::stod(csv.rows[t].back()) - pred[t];
    EXPECT_NEAR(resid, mmm["noise"][t].get<double>(), 0.01) << "week " << t;
    ss += resid * resid;
  }
  double sd = std::sqrt(ss / double(W)), noise = mmm["kpi_noise"];
  EXPECT_GT(sd, 0.7 * noise);
  EXPECT_LT(sd, 1.3 * noise);
}

TEST(GenChannels, OracleSplitEqualisesMarginalRoasAndBeatsTheCurrentSplit) {
  const auto& w = SmallWorld::Get();
  const auto& mmm = w.truth["mmm"];
  const auto& pc = mmm["per_channel"];
  auto check = [&](const nlohmann::json& o) {
    double budget = o["budget"], sum = 0, resp = 0, lambda = o["marginal_roas"];
    for (auto it = o["split"].begin(); it != o["split"].end(); ++it) {
      double x = it.value();
      const auto& ch = pc[it.key()];
      sum += x;
      resp += ch["beta"].get<double>() * HillSaturation(x, ch["K"], ch["gamma"]);
      if (x > 1e-6 * budget) {
        double m = ch["beta"].get<double>() * HillDerivative(x, ch["K"], ch["gamma"]);
        EXPECT_NEAR(m / lambda, 1.0, 1e-4) << it.key();
      }
    }
    EXPECT_NEAR(sum, budget, 1e-6 * budget);
    EXPECT_NEAR(resp, o["response"].get<double>(), 1e-6 * resp);
    // Moving spend between any two channels cannot improve the optimum.
    for (auto a = o["split"].begin(); a != o["split"].end(); ++a)
      for (auto b = o["split"].begin(); b != o["split"].end(); ++b) {
        if (a.key() == b.key()) continue;
        double d = 0.05 * a.value().get<double>(), r = resp;
        const auto &ca = pc[a.key()], &cb = pc[b.key()];
        r += ca["beta"].get<double>() * (HillSaturation(a.value().get<double>() - d, ca["K"], ca["gamma"]) -
                                         HillSaturation(a.value(), ca["K"], ca["gamma"]));
        r += cb["beta"].get<double>() * (HillSaturation(b.value().get<double>() + d, cb["K"], cb["gamma"]) -
                                         HillSaturation(b.value(), cb["K"], cb["gamma"]));
        EXPECT_LE(r, resp * (1 + 1e-9)) << a.key() << " -> " << b.key();
      }
  };
  const auto& o = mmm["oracle"];
  check(o);
  EXPECT_GE(o["response"].get<double>(), o["current_response"].get<double>());
  double current = 0;
  for (auto it = pc.begin(); it != pc.end(); ++it) current += it.value()["mean_spend"].get<double>();
  EXPECT_NEAR(o["budget"].get<double>(), current, 1e-6 * current);
  ASSERT_EQ(o["splits"].size(), 3u);
  for (const auto& s : o["splits"]) check(s);
}

}  // namespace
}  // namespace adpilot
