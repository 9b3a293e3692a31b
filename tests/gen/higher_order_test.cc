// The higher-order knob of the true click model: field-aware three-way
// interactions that a sum of pairwise terms (FFM) cannot represent.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/world.h"
#include "gen/auction_model.h"
#include "gen/users.h"

namespace adpilot {
namespace {

WorldConfig Config(double strength) {
  WorldConfig c;
  c.auctions = 50000;
  c.users = 500;
  c.higher_order_strength = strength;
  return c;
}

Context Ctx() {
  Context ctx;
  ctx.seed = 21;
  return ctx;
}

// The trilinear term of one auction, recomputed from truth.json's vectors.
double TripleTerm(const nlohmann::json& triples, const gen::Auction& a) {
  double s = 0;
  for (const auto& t : triples) {
    std::vector<int> f;
    for (const auto& name : t["fields"]) f.push_back(std::stoi(name.get<std::string>().substr(1)) - 1);
    int dim = t["dim"].get<int>();
    const auto &va = t["va"], &vb = t["vb"], &vc = t["vc"];
    for (int d = 0; d < dim; ++d)
      s += va[size_t(a.cat[size_t(f[0])] * dim + d)].get<double>() *
           vb[size_t(a.cat[size_t(f[1])] * dim + d)].get<double>() *
           vc[size_t(a.cat[size_t(f[2])] * dim + d)].get<double>();
  }
  return s;
}

TEST(GenHigherOrder, AddsExactlyTheDocumentedTrilinearTermToTheLogit) {
  Context ctx = Ctx();
  WorldConfig c0 = Config(0), c2 = Config(2);
  gen::Population pop = gen::MakePopulation(c0, ctx);
  gen::AuctionModel m0(c0, pop, ctx), m2(c2, pop, ctx);
  auto t0 = m0.ToJson(), t2 = m2.ToJson();
  EXPECT_FALSE(t0.contains("triples"));
  ASSERT_TRUE(t2.contains("triples"));
  ASSERT_EQ(t2["triples"].size(), 4u);
  EXPECT_NE(t2["formula"].get<std::string>().find("higher_order_strength*sum_triples"), std::string::npos);
  // The pairwise structure is drawn from the same stream either way.
  EXPECT_EQ(t0["pairs"], t2["pairs"]);
  // Same random stream per auction (a click changes how many draws follow):
  // same context; the logits differ by the (re-calibrated) intercept plus
  // 2 x the three-way term, nothing else.
  double shift = t2["intercept"].get<double>() - t0["intercept"].get<double>();
  double var = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    gen::Random r0 = gen::Random::Stream(ctx, "t", uint64_t(i)), r2 = gen::Random::Stream(ctx, "t", uint64_t(i));
    gen::Auction a, b;
    int h0 = -1, h2 = -1;
    m0.Draw(r0, i * 20, h0, a);
    m2.Draw(r2, i * 20, h2, b);
    ASSERT_EQ(a.cat, b.cat) << "auction " << i;
    ASSERT_EQ(a.num, b.num) << "auction " << i;
    double term = TripleTerm(t2["triples"], b);
    ASSERT_NEAR(b.logit - a.logit, shift + 2 * term, 1e-4) << "auction " << i;
    var += term * term;
  }
  // Not negligible: sd of the term is ~0.4 at strength 1 (docs/gen.md).
  EXPECT_GT(std::sqrt(var / n), 0.2);
}

TEST(GenHigherOrder, FactorsAreCentredSoPairwiseMarginalsVanish) {
  Context ctx = Ctx();
  WorldConfig c = Config(1);
  gen::Population pop = gen::MakePopulation(c, ctx);
  gen::AuctionModel m(c, pop, ctx);
  // Named: a range-for over ToJson()["triples"] would iterate a destroyed temporary (ASan).
  const auto model = m.ToJson();
  for (const auto& t : model["triples"]) {
    int dim = t["dim"].get<int>();
    for (const char* side : {"va", "vb", "vc"}) {
      const auto& v = t[side];
      size_t values = v.size() / size_t(dim);
      for (int d = 0; d < dim; ++d) {
        double s = 0;
        for (size_t i = 0; i < values; ++i) s += v[i * size_t(dim) + size_t(d)].get<double>();
        EXPECT_NEAR(s / double(values), 0, 1e-5) << t["fields"] << " " << side;
      }
    }
  }
}

TEST(GenHigherOrder, IsAWorldOptionWithBounds) {
  WorldConfig c;
  OptionSet o("world");
  c.Describe(o);
  EXPECT_EQ(c.higher_order_strength, 0.0);
  EXPECT_THROW(o.SetFromString("higher_order_strength", "6", "test"), Error);
  o.SetFromString("higher_order_strength", "1.5", "test");
  EXPECT_NO_THROW(o.Validate());
  EXPECT_EQ(c.higher_order_strength, 1.5);
}

}  // namespace
}  // namespace adpilot
