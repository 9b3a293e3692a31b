// Segments, lookalikes, NMI, profile files and user-text reading on small
// synthetic data whose right answers are known by construction.
#include <cmath>
#include <filesystem>
#include <random>

#include "adpilot/atomic_file.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/profile.h"
#include "adpilot/profile_store.h"
#include "common/old_formats.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

// `per` points around each of `k` well-separated centres in `dim` dimensions.
Matrix Blobs(int k, size_t per, size_t dim, double spread, std::vector<int>& truth, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, spread);
  Matrix m{size_t(k) * per, dim, {}};
  for (int c = 0; c < k; ++c)
    for (size_t i = 0; i < per; ++i) {
      for (size_t j = 0; j < dim; ++j) m.data.push_back(float((j % size_t(k) == size_t(c) ? 5.0 : 0.0) + noise(rng)));
      truth.push_back(c);
    }
  return m;
}

TEST(KMeans, RecoversSeparatedClusters) {
  Context ctx;
  ctx.threads = 2;
  std::vector<int> truth;
  Matrix m = Blobs(4, 100, 8, 0.5, truth);
  KMeansResult r = KMeans(m, 4, 100, ctx);
  EXPECT_EQ(r.k, 4);
  EXPECT_NEAR(Nmi(r.assignment, truth), 1.0, 1e-9);
  for (size_t s : r.sizes) EXPECT_EQ(s, 100u);
  // Same seed, same answer, whatever the thread count.
  Context one;
  EXPECT_EQ(KMeans(m, 4, 100, one).assignment, r.assignment);
  // Silhouette peaks at the true k.
  double s4 = Silhouette(m, r.assignment, 4, 400, ctx);
  double s2 = Silhouette(m, KMeans(m, 2, 100, ctx).assignment, 2, 400, ctx);
  double s7 = Silhouette(m, KMeans(m, 7, 100, ctx).assignment, 7, 400, ctx);
  EXPECT_GT(s4, 0.7);
  EXPECT_GT(s4, s2);
  EXPECT_GT(s4, s7);
  EXPECT_THROW(KMeans(m, 0, 10, ctx), Error);
}

TEST(Nmi, KnownValues) {
  EXPECT_NEAR(Nmi({0, 0, 1, 1}, {1, 1, 0, 0}), 1.0, 1e-12);  // relabelled partition
  EXPECT_NEAR(Nmi({0, 1, 0, 1}, {0, 0, 1, 1}), 0.0, 1e-12);  // independent
  // sklearn.metrics.normalized_mutual_info_score([0,0,0,1,1,1],[0,0,1,1,2,2]) = 0.5158037429793889
  EXPECT_NEAR(Nmi({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 2, 2}), 0.5158037429793889, 1e-9);
}

TEST(Lookalike, HnswRecallAndNeighbours) {
  Context ctx;
  ctx.threads = 2;
  std::vector<int> truth;
  Matrix m = Blobs(5, 400, 16, 1.5, truth, 7);
  std::vector<size_t> seeds = {0, 1, 2, 3, 4};  // all in cluster 0
  LookalikeResult r = Lookalike(m, seeds, 100, 200, ctx);
  ASSERT_EQ(r.users.size(), 100u);
  EXPECT_GE(r.recall, 0.95);
  for (size_t u : r.users) {
    EXPECT_EQ(truth[u], 0);
    EXPECT_GE(u, 5u);  // seeds are excluded
  }
  for (size_t i = 1; i < r.scores.size(); ++i) EXPECT_GE(r.scores[i - 1], r.scores[i]);
  // True-interest neighbours: a slightly perturbed copy of the vectors as the
  // truth gives high precision, an unrelated truth gives about chance (k/n).
  std::vector<std::vector<float>> t, unrelated;
  std::mt19937_64 trng(5);
  std::normal_distribution<float> small(0, 0.05f), big(0, 1);
  for (size_t i = 0; i < m.rows; ++i) {
    t.emplace_back(m.row(i), m.row(i) + m.dim);
    for (auto& v : t.back()) v += small(trng);
    unrelated.emplace_back(m.dim);
    for (auto& v : unrelated.back()) v = big(trng);
  }
  EXPECT_GT(NeighbourPrecision(m, t, 100, 50, ctx), 0.8);
  EXPECT_LT(NeighbourPrecision(m, unrelated, 100, 50, ctx), 0.15);
  std::vector<std::vector<std::string>> labels;
  for (int c : truth) labels.push_back({"c" + std::to_string(c)});
  EXPECT_GT(KnnLabelAuc(m, labels, 10, ctx), 0.95);
  // Random vectors carry no label information.
  std::mt19937_64 rng(3);
  std::normal_distribution<float> nd;
  for (auto& v : m.data) v = nd(rng);
  EXPECT_NEAR(KnnLabelAuc(m, labels, 10, ctx), 0.5, 0.05);
}

UserTexts Topical() {
  UserTexts u;
  const char* sport[] = {"football match tonight", "tennis racket review", "marathon running shoes"};
  const char* cook[] = {"pasta recipe with garlic", "best chef knife", "bake sourdough bread"};
  for (int i = 0; i < 40; ++i) {
    u.ids.push_back("u" + std::to_string(i));
    bool s = i % 2 == 0;
    u.texts.push_back({s ? sport[i % 3] : cook[i % 3], s ? sport[(i + 1) % 3] : cook[(i + 1) % 3]});
  }
  return u;
}

TEST(Profiles, TfidfSegmentsAndTerms) {
  Context ctx;
  UserTexts u = Topical();
  auto tfidf = FitTfidf(UserDocuments(u), 100, 1, 1.0, ctx);
  Matrix m = tfidf->EmbedUsers(u, ctx);
  KMeansResult r = KMeans(m, 2, 50, ctx);
  std::vector<int> truth;
  for (int i = 0; i < 40; ++i) truth.push_back(i % 2);
  EXPECT_NEAR(Nmi(r.assignment, truth), 1.0, 1e-9);
  auto terms = SegmentTerms(u, r.assignment, 2, 3);
  std::string sport_seg = r.assignment[0] == 0 ? terms[0][0].term : terms[1][0].term;
  EXPECT_TRUE(sport_seg == "football" || sport_seg == "tennis" || sport_seg == "marathon" || sport_seg == "match" ||
              sport_seg == "racket" || sport_seg == "running" || sport_seg == "shoes" || sport_seg == "review" ||
              sport_seg == "tonight")
      << sport_seg;
  auto kw = RankKeywords(*tfidf, "tennis and football gear", {"tennis", "pasta", "football"}, u, m, {}, ctx);
  ASSERT_EQ(kw.size(), 3u);
  EXPECT_EQ(kw.back().keyword, "pasta");
  EXPECT_GT(kw.front().reach, 0u);
}

TEST(ProfileStore, RoundTripAndCorruption) {
  testing::TempDir d;
  std::string p = d.File("p.bin");
  ProfileStore s(3, {"a", "b"}, {1, 2, 3, 0, 0, 0}, {2, 0}, false, {{"encoder", "test"}});
  s.Save(p);
  ProfileStore l = ProfileStore::Load(p);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l.dim(), 3u);
  ASSERT_NE(l.Get("a"), nullptr);
  EXPECT_EQ(l.Get("a")[2], 3.f);
  EXPECT_EQ(l.Get("zzz"), nullptr);
  EXPECT_EQ(l.text_count(1), 0u);
  EXPECT_EQ(l.meta()["encoder"], "test");
  std::string bytes = ReadFile(p);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 1;
  WriteFileAtomic(p, flipped);
  EXPECT_THROW(ProfileStore::Load(p), Error);
  WriteFileAtomic(p, bytes.substr(0, bytes.size() - 5));
  try {
    ProfileStore::Load(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
  }
  std::string newer = bytes;
  newer[8] = 9;  // version
  WriteFileAtomic(p, newer);
  try {
    ProfileStore::Load(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
  }
}

TEST(ProfileStore, Version1FilesStillLoad) {
  testing::TempDir d;
  std::string p = d.File("p.bin");
  std::vector<float> data = {1, 2, 3, 0, 0, 0.5f};
  ProfileStore(3, {"a", "b"}, data, {2, 0}, true, {{"encoder", "test"}}).Save(p);
  std::string now = ReadFile(p);
  ASSERT_EQ(now[8], 2);  // version
  std::string floats(reinterpret_cast<const char*>(data.data()), data.size() * 4);
  WriteFileAtomic(p, testing::v1::ProfileFile(3, 2, true, R"({"encoder":"test"})", floats));
  ProfileStore l = ProfileStore::Load(p);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l.dim(), 3u);
  EXPECT_TRUE(l.normalized());
  EXPECT_EQ(l.data(), data);
  EXPECT_EQ(l.meta()["encoder"], "test");
  EXPECT_EQ(l.text_count(0), 2u);
  l.Save(p);
  EXPECT_EQ(ReadFile(p), now);
}

TEST(UserTexts, FormatsAndBadRows) {
  testing::TempDir d;
  Context ctx;
  WriteFileAtomic(
      d.File("u.jsonl"),
      "{\"user_id\":\"a\",\"dominant_topic\":\"x\",\"interests\":[0.9,0.1],"
      "\"texts\":[{\"kind\":\"query\",\"text\":\"hello\"},{\"text\":\"world\"}]}\n"
      "not json\n"
      "{\"user_id\":\"b\",\"dominant_topic\":\"y\",\"interests\":[0.2,0.8],\"texts\":[]}\n"
      "{\"user_id\":\"c\",\"dominant_topic\":\"y\",\"interests\":[0.2,0.8],\"texts\":[\"ok\",\"bad \xC3\x28\"]}\n");
  UserTextOptions o;
  o.truth_field = "interests";
  o.label_field = "dominant_topic";
  BadRowLog bad(d.File("u.jsonl"));
  UserTexts u = ReadUserTexts(d.File("u.jsonl"), o, bad, ctx);
  // JSON lines are UTF-8 as a whole: a row with invalid UTF-8 is a bad row.
  ASSERT_EQ(u.ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(u.texts[0], (std::vector<std::string>{"hello", "world"}));
  EXPECT_TRUE(u.texts[1].empty());  // a user with no text is kept
  EXPECT_EQ(u.truth[1], (std::vector<float>{0.2f, 0.8f}));
  EXPECT_EQ(u.labels[1], (std::vector<std::string>{"y"}));
  EXPECT_EQ(bad.count(), 2u);
  ASSERT_EQ(bad.examples().size(), 2u);
  EXPECT_NE(bad.examples()[0].find(":2:"), std::string::npos) << bad.examples()[0];
  EXPECT_NE(bad.examples()[1].find(":4: line: invalid UTF-8"), std::string::npos) << bad.examples()[1];

  WriteFileAtomic(d.File("t.tsv"), "u1\tfirst\nu2\tsecond\nu1\tthird\nnotab\nu3\tbad \xC3\x28\n");
  BadRowLog bad2(d.File("t.tsv"));
  UserTexts t = ReadUserTexts(d.File("t.tsv"), {}, bad2, ctx);
  ASSERT_EQ(t.ids.size(), 3u);
  EXPECT_EQ(t.texts[0], (std::vector<std::string>{"first", "third"}));
  EXPECT_TRUE(t.texts[2].empty());  // its only text had invalid UTF-8
  EXPECT_EQ(bad2.count(), 2u);
  // Zero vectors for users with no text (TF-IDF here; BERT pools the same way).
  auto tfidf = FitTfidf(UserDocuments(u), 10, 1, 1.0, ctx);
  Matrix m = tfidf->EmbedUsers(u, ctx);
  for (size_t j = 0; j < m.dim; ++j) EXPECT_EQ(m.row(1)[j], 0.f);
}

}  // namespace
}  // namespace adpilot
