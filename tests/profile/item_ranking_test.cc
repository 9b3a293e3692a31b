// Item ranking AUC, judgement files and k-means restarts.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/profile.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

Matrix Rows(size_t dim, const std::vector<std::vector<float>>& rows) {
  Matrix m;
  m.rows = rows.size();
  m.dim = dim;
  for (const auto& r : rows) m.data.insert(m.data.end(), r.begin(), r.end());
  return m;
}

// Both sets have mean zero, so centring leaves them as written: user a scores
// items x, y, z, w at 1, 0, -1, 0 and user b at -1, 0, 1, 0; user c has no
// text (zero vector).
struct Plane {
  Matrix users = Rows(2, {{1, 0}, {-1, 0}, {0, 0}});
  Matrix items = Rows(2, {{1, 0}, {0, 1}, {-1, 0}, {0, -1}});
  std::vector<std::string> item_ids = {"x", "y", "z", "w"};
  UserTexts u;
  Plane() {
    u.ids = {"a", "b", "c"};
    u.texts = {{"t"}, {"t"}, {}};
    u.labels = {{"x"}, {"x", "y", "unknown"}, {}};
  }
};

TEST(ItemRanking, PerUserAucByHand) {
  Plane p;
  auto judged = JudgementsFromLabels(p.u, p.item_ids);
  ASSERT_EQ(judged.size(), 12u);
  ItemRankingEval e = ItemRankingAuc(p.users, p.items, judged);
  // a: x above all three negatives, AUC 1. b: positives x (-1) and y (0)
  // against z (1) and w (0): only y-w, a tie, counts half: 0.5 / 4.
  // c likes nothing: no AUC.
  EXPECT_EQ(e.users, 2u);
  EXPECT_EQ(e.judgements, 8u);
  EXPECT_DOUBLE_EQ(e.auc, (1.0 + 0.125) / 2);
  // Flipped labels flip each AUC; c now likes everything: still no AUC.
  for (auto& j : judged) j.positive = !j.positive;
  ItemRankingEval f = ItemRankingAuc(p.users, p.items, judged);
  EXPECT_EQ(f.users, 2u);
  EXPECT_DOUBLE_EQ(f.auc, (0.0 + 0.875) / 2);
  // Shapes must agree.
  EXPECT_THROW(ItemRankingAuc(p.users, Rows(3, {{1, 0, 0}}), judged), Error);
}

TEST(ItemRanking, JudgementFileCountsBadRows) {
  Plane p;
  testing::TempDir dir;
  std::string path = dir.File("j.tsv");
  {
    std::ofstream f(path);
    f << "a\tx\t1\na\ty\t0\nb\tz\t1\nnobody\tx\t1\na\tnothing\t0\na\tw\tyes\nno tabs here\n\nb\tw\t0\n";
  }
  BadRowLog bad(path);
  auto judged = ReadItemJudgements(path, p.u, p.item_ids, bad);
  EXPECT_EQ(judged.size(), 4u);
  EXPECT_EQ(bad.count(), 4u);
  ASSERT_FALSE(bad.examples().empty());
  EXPECT_NE(bad.examples()[0].find("user_id"), std::string::npos) << bad.examples()[0];
  ItemRankingEval e = ItemRankingAuc(p.users, p.items, judged);
  // a: x (1) above y (0): AUC 1. b: z (1) above w (0): AUC 1.
  EXPECT_EQ(e.users, 2u);
  EXPECT_DOUBLE_EQ(e.auc, 1.0);
  std::string empty = dir.File("empty.tsv");
  std::ofstream(empty) << "nobody\tx\t1\n";
  BadRowLog bad2(empty);
  EXPECT_THROW(ReadItemJudgements(empty, p.u, p.item_ids, bad2), Error);
}

TEST(ItemRanking, EvaluateRanksItemsFromLabelsOrJudgements) {
  testing::TempDir dir;
  std::ofstream(dir.File("users.jsonl"))
      << R"({"user_id":"u1","texts":["sports football goal","football league"],"liked":["sports"]}
{"user_id":"u2","texts":["football match sports","goal keeper"],"liked":["sports","travel"]}
{"user_id":"u3","texts":["cooking recipe pasta","pasta dinner"],"liked":["cooking"]}
{"user_id":"u4","texts":["pasta sauce cooking","recipe book"],"liked":["cooking"]}
{"user_id":"u5","texts":["travel flight hotel","beach holiday"],"liked":["travel"]}
{"user_id":"u6","texts":["hotel beach travel","flight deals"],"liked":["travel"]}
)";
  std::ofstream(dir.File("items.jsonl")) << R"({"item_id":"sports","text":"football sports goal"}
{"item_id":"cooking","text":"cooking pasta recipe"}
{"item_id":"travel","text":"travel hotel flight"}
)";
  std::ofstream(dir.File("j.tsv")) << "u1\tsports\t1\nu1\tcooking\t0\nu3\tcooking\t1\nu3\ttravel\t0\nu9\tsports\t1\n";
  std::string base = "--quiet profile evaluate --encoder tfidf --users " + dir.File("users.jsonl") + " --items " +
                     dir.File("items.jsonl");
  auto r = testing::RunCli(base + " --label-field liked --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["items"], 3);
  EXPECT_EQ(j["encoders"]["tfidf"]["item_users"], 6);  // u2 likes two of three: still both classes
  EXPECT_DOUBLE_EQ(j["encoders"]["tfidf"]["item_auc"].get<double>(), 1.0);
  r = testing::RunCli(base + " --item-judgements " + dir.File("j.tsv") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["encoders"]["tfidf"]["item_judgements"], 4);
  EXPECT_EQ(j["bad_judgement_rows"]["count"], 1);  // u9 is not a user
  EXPECT_EQ(testing::RunCli(base).exit_code, 2);   // nothing says which items a user likes
}

TEST(Bootstrap, PairedDifferencesAndTheirIntervals) {
  // kNN scorings of 200 users x 2 labels: a ranks every positive first, b is noise.
  std::mt19937_64 rng(3);
  KnnLabelScores a, b;
  a.labels = b.labels = 2;
  for (size_t i = 0; i < 400; ++i) {
    char y = char(rng() % 2);
    a.truth.push_back(y), b.truth.push_back(y);
    a.score.push_back(y + 0.1 * double(rng() % 10));
    b.score.push_back(double(rng() % 10));
  }
  AucDifference d = BootstrapAucDifference(a, b, 300, 7);
  EXPECT_EQ(d.reps, 300);
  EXPECT_NEAR(d.diff, a.Auc() - b.Auc(), 1e-12);
  EXPECT_GT(d.lo, 0.3);
  EXPECT_LE(d.lo, d.diff);
  EXPECT_GE(d.hi, d.diff);
  AucDifference same = BootstrapAucDifference(a, a, 100, 7);
  EXPECT_EQ(same.diff, 0);
  EXPECT_EQ(same.lo, 0);
  EXPECT_EQ(same.hi, 0);
  b.truth[0] ^= 1;
  EXPECT_THROW(BootstrapAucDifference(a, b, 10, 7), Error);  // not the same users and labels

  // Per-user means: a constant shift is the difference, with no spread; NaN pairs are left out.
  std::vector<double> x = {0.5, 0.6, NAN, 0.9}, y = {0.4, 0.5, 0.7, 0.8};
  AucDifference m = BootstrapMeanDifference(x, y, 200, 1);
  EXPECT_NEAR(m.diff, 0.1, 1e-12);
  EXPECT_NEAR(m.lo, 0.1, 1e-12);
  EXPECT_NEAR(m.hi, 0.1, 1e-12);
  EXPECT_THROW(BootstrapMeanDifference(x, {0.1}, 10, 1), Error);

  // NMI: the true partition against a shuffled one.
  std::vector<int> truth, perfect, shuffled;
  for (int i = 0; i < 300; ++i) truth.push_back(i % 3), perfect.push_back((i % 3 + 1) % 3);
  shuffled = truth;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  AucDifference n = BootstrapNmiDifference(perfect, shuffled, truth, 200, 2);
  EXPECT_NEAR(n.diff, 1.0 - Nmi(shuffled, truth), 1e-12);
  EXPECT_GT(n.lo, 0.8);
  EXPECT_THROW(BootstrapNmiDifference(perfect, {1, 2}, truth, 10, 2), Error);
}

TEST(KMeans, RestartsKeepTheLeastInertia) {
  // Uniform noise has many local optima at k = 6.
  Matrix m;
  m.rows = 600;
  m.dim = 4;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t i = 0; i < m.rows * m.dim; ++i) m.data.push_back(u(rng));
  Context ctx;
  KMeansResult one = KMeans(m, 6, 100, ctx), again = KMeans(m, 6, 100, ctx, 1);
  EXPECT_EQ(one.assignment, again.assignment);  // restarts = 1 is the single run
  KMeansResult ten = KMeans(m, 6, 100, ctx, 10);
  EXPECT_LE(ten.inertia, one.inertia);
  for (int r : {2, 5}) EXPECT_GE(KMeans(m, 6, 100, ctx, r).inertia, ten.inertia);
  EXPECT_THROW(KMeans(m, 6, 100, ctx, 0), Error);
}

}  // namespace
}  // namespace adpilot
