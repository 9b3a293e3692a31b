// Attribution models on four hand-computed journeys (derivations in comments).
#include <cmath>
#include <fstream>
#include <map>

#include "adpilot/attribution.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

// J1: A B C -> conv; J2: A -> conv; J3: B A -> none; J4: C B -> conv.
std::string WriteJourneys(const testing::TempDir& dir) {
  std::string p = dir.File("journeys.csv");
  std::ofstream f(p);
  f << "journey_id,user_id,touch,channel,timestamp,converted\n"
       "j1,u1,0,A,100,1\nj1,u1,1,B,200,1\nj1,u1,2,C,300,1\n"
       "j2,u2,0,A,100,1\n"
       "j3,u3,1,A,400,0\nj3,u3,0,B,50,0\n"  // out of order on purpose: `touch` orders them
       "j4,u4,0,C,10,1\nj4,u4,1,B,20,1\n";
  return p;
}

std::map<std::string, double> Credit(const Journeys& j, const std::string& model, AttributionOptions o = {}) {
  auto v = Attribute(j, model, o, Context::Default());
  std::map<std::string, double> out;
  for (size_t c = 0; c < v.size(); ++c) out[j.channels[c]] = v[c];
  return out;
}

TEST(Attribution, RuleModelsOnHandComputedJourneys) {
  testing::TempDir dir;
  Journeys j = ReadJourneys(WriteJourneys(dir));
  ASSERT_EQ(j.items.size(), 4u);
  EXPECT_EQ(j.items[2].touches, (std::vector<int>{1, 0}));  // B then A
  EXPECT_DOUBLE_EQ(j.total_conversions(), 3);
  auto last = Credit(j, "last");
  EXPECT_DOUBLE_EQ(last["A"], 1);
  EXPECT_DOUBLE_EQ(last["B"], 1);
  EXPECT_DOUBLE_EQ(last["C"], 1);
  auto first = Credit(j, "first");
  EXPECT_DOUBLE_EQ(first["A"], 2);
  EXPECT_DOUBLE_EQ(first["B"], 0);
  EXPECT_DOUBLE_EQ(first["C"], 1);
  auto lin = Credit(j, "linear");  // A 1/3 + 1; B 1/3 + 1/2; C 1/3 + 1/2
  EXPECT_NEAR(lin["A"], 4.0 / 3, 1e-12);
  EXPECT_NEAR(lin["B"], 5.0 / 6, 1e-12);
  EXPECT_NEAR(lin["C"], 5.0 / 6, 1e-12);
  auto pos = Credit(j, "position");  // J1 .4/.2/.4, J2 A 1, J4 .5/.5
  EXPECT_NEAR(pos["A"], 1.4, 1e-12);
  EXPECT_NEAR(pos["B"], 0.7, 1e-12);
  EXPECT_NEAR(pos["C"], 0.9, 1e-12);
  // Decay by time (half-life 100 s): J1 ages 200, 100, 0 s -> weights 1/4, 1/2, 1.
  AttributionOptions o;
  o.half_life = 100.0 / 86400;
  auto dec = Credit(j, "decay", o);
  EXPECT_NEAR(dec["A"], 0.25 / 1.75 + 1, 1e-9);
  EXPECT_NEAR(dec["C"], 1 / 1.75 + std::exp2(-0.1) / (1 + std::exp2(-0.1)), 1e-9);  // J4: C 10 s before B
}

TEST(Attribution, MarkovRemovalEffect) {
  testing::TempDir dir;
  Journeys j = ReadJourneys(WriteJourneys(dir));
  // Solving the absorbing chain by hand: P(conv) = 3/4; without A 0.35, without
  // B 7/24, without C 3/8.
  MarkovResult m = MarkovRemoval(j);
  EXPECT_NEAR(m.conversion_probability, 0.75, 1e-12);
  EXPECT_NEAR(m.removal_effect[0], 1 - 0.35 / 0.75, 1e-12);
  EXPECT_NEAR(m.removal_effect[1], 1 - (7.0 / 24) / 0.75, 1e-12);
  EXPECT_NEAR(m.removal_effect[2], 0.5, 1e-12);
  auto mk = Credit(j, "markov");
  double sum = m.removal_effect[0] + m.removal_effect[1] + m.removal_effect[2];
  EXPECT_NEAR(mk["A"], 3 * m.removal_effect[0] / sum, 1e-12);
  EXPECT_NEAR(mk["A"] + mk["B"] + mk["C"], 3, 1e-12);
}

TEST(Attribution, ShapleyExactOnCounterfactualValue) {
  testing::TempDir dir;
  Journeys j = ReadJourneys(WriteJourneys(dir));
  AttributionOptions o;
  o.min_set_journeys = 1;  // every observed set keeps its own rate
  // v(A)=3, v(B)=v(C)=0, v(AB)=1, v(AC)=2.5, v(BC)=2, v(ABC)=3 (see shapley.cc).
  auto s = Credit(j, "shapley", o);
  EXPECT_NEAR(s["A"], 1 + 1.0 / 6 + 2.5 / 6 + 1.0 / 3, 1e-12);
  EXPECT_NEAR(s["B"], -2.0 / 6 + 2.0 / 6 + 0.5 / 3, 1e-12);
  EXPECT_NEAR(s["C"], -0.5 / 6 + 2.0 / 6 + 2.0 / 3, 1e-12);
  // Sampled permutations converge to the exact values.
  o.shapley_exact_max = 0;
  o.shapley_permutations = 20000;
  auto approx = Credit(j, "shapley", o);
  EXPECT_NEAR(approx["A"], s["A"], 0.05);
  EXPECT_NEAR(approx["C"], s["C"], 0.05);
}

TEST(Attribution, BadInput) {
  testing::TempDir dir;
  std::string p = dir.File("bad.csv");
  {
    std::ofstream f(p);
    f << "journey,channel,converted\nj1,A,yes\n";
  }
  try {
    ReadJourneys(p);
    FAIL() << "missing journey_id column accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("journey_id"), std::string::npos);
  }
  JourneyColumns cols;
  cols.journey = "journey";
  try {
    ReadJourneys(p, cols);
    FAIL() << "converted=yes accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("'yes'"), std::string::npos);
  }
  Journeys j = ReadJourneys(WriteJourneys(dir));
  EXPECT_THROW(Attribute(j, "nope", {}, Context::Default()), Error);
}

}  // namespace
}  // namespace adpilot
