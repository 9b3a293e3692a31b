// BERT-whitening of user vectors and SIF-weighted pooling: properties that
// hold by construction (identity covariance after whitening, zero rows kept,
// SIF with equal frequencies = plain mean, frequent tokens weigh less).
#include <cmath>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/profile.h"
#include "adpilot/profile_store.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

// Correlated, anisotropic rows: a few directions carry most of the variance.
Matrix Anisotropic(size_t n, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  Matrix m{n, dim, std::vector<float>(n * dim)};
  for (size_t i = 0; i < n; ++i) {
    double common = z(rng);
    for (size_t j = 0; j < dim; ++j)
      m.row(i)[j] = float(3.0 + 10.0 * common * double(j + 1) / double(dim) + z(rng) * (0.1 + double(j) * 0.2));
  }
  return m;
}

TEST(Whitening, IdentityCovarianceAndZeroRowsKept) {
  Matrix m = Anisotropic(2000, 6, 3);
  std::fill(m.row(7), m.row(7) + m.dim, 0.f);  // a user with no text
  Whitening w = Whitening::Fit(m, 0);
  ASSERT_EQ(w.in, 6u);
  ASSERT_EQ(w.out, 6u);
  Matrix y = w.Apply(m);
  for (size_t j = 0; j < y.dim; ++j) EXPECT_EQ(y.row(7)[j], 0.f);
  // Over the users with text: mean 0, covariance identity.
  size_t n = 0;
  std::vector<double> mean(y.dim, 0), cov(y.dim * y.dim, 0);
  for (size_t i = 0; i < y.rows; ++i) {
    if (i == 7) continue;
    ++n;
    for (size_t a = 0; a < y.dim; ++a) {
      mean[a] += y.row(i)[a];
      for (size_t b = 0; b < y.dim; ++b) cov[a * y.dim + b] += double(y.row(i)[a]) * y.row(i)[b];
    }
  }
  for (size_t a = 0; a < y.dim; ++a) {
    EXPECT_NEAR(mean[a] / double(n), 0.0, 1e-4);
    for (size_t b = 0; b < y.dim; ++b) EXPECT_NEAR(cov[a * y.dim + b] / double(n), a == b ? 1.0 : 0.0, 1e-3);
  }
}

TEST(Whitening, TruncationKeepsTheLeadingDirectionsAndRoundTrips) {
  Matrix m = Anisotropic(500, 8, 5);
  Whitening w = Whitening::Fit(m, 3);
  EXPECT_EQ(w.out, 3u);
  Matrix y = w.Apply(m);
  EXPECT_EQ(y.dim, 3u);
  // The first output is the direction of largest variance: the shared factor,
  // which moves every input coordinate together.
  double corr_num = 0, ss = 0, sc = 0;
  for (size_t i = 0; i < m.rows; ++i) {
    double s = 0;
    for (size_t j = 0; j < m.dim; ++j) s += m.row(i)[j];
    corr_num += s * y.row(i)[0];
    ss += s * s;
    sc += double(y.row(i)[0]) * y.row(i)[0];
  }
  EXPECT_GT(std::abs(corr_num) / std::sqrt(ss * sc), 0.5);
  nlohmann::json j = w;
  Whitening back = Whitening::FromJson(j, "test");
  Matrix y2 = back.Apply(m);
  for (size_t i = 0; i < y.data.size(); ++i) EXPECT_FLOAT_EQ(y.data[i], y2.data[i]);
  j["matrix"].erase(0);
  EXPECT_THROW(Whitening::FromJson(j, "test"), Error);
  Matrix wrong{1, 5, std::vector<float>(5, 1.f)};
  EXPECT_THROW(w.Apply(wrong), Error);
  Matrix one{1, 8, std::vector<float>(8, 1.f)};
  EXPECT_THROW(Whitening::Fit(one, 0), Error);  // one user says nothing about a covariance
}

TEST(SifPooling, EqualCountsGiveTheMeanAndFrequentTokensWeighLess) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "dog", "sat"};
  BertConfig c;
  c.vocab_size = int(vocab.size());
  c.hidden_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 32;
  Context ctx;
  EncoderOptions mean_opts, sif_opts;
  sif_opts.pooling = "sif";
  auto mean = BertEncoder::Random(c, WordPieceTokenizer(vocab, TokenizerConfig{}), mean_opts, 7);
  auto sif = BertEncoder::Random(c, WordPieceTokenizer(vocab, TokenizerConfig{}), sif_opts, 7);
  std::vector<std::string> texts = {"the cat sat", "the dog", "the the cat"};
  auto m = mean->Embed(texts, ctx);
  auto s0 = sif->Embed(texts, ctx);  // no counts yet: plain mean
  for (size_t i = 0; i < texts.size(); ++i)
    for (size_t j = 0; j < m[i].size(); ++j) EXPECT_FLOAT_EQ(s0[i][j], m[i][j]);
  sif->SetTokenCounts(std::vector<uint64_t>(vocab.size(), 10));  // equal frequencies: equal weights
  auto s1 = sif->Embed(texts, ctx);
  for (size_t i = 0; i < texts.size(); ++i)
    for (size_t j = 0; j < m[i].size(); ++j) EXPECT_NEAR(s1[i][j], m[i][j], 1e-5);
  // "the", [CLS] and [SEP] everywhere: "the cat" under SIF moves towards the "cat" token's state.
  std::vector<uint64_t> counts(vocab.size(), 1);
  counts[2] = counts[3] = counts[5] = 100000;
  sif->SetTokenCounts(counts);
  int L = 0;
  auto ids = std::vector<std::vector<int32_t>>{sif->tokenizer().Encode("the cat")};
  std::vector<float> h = sif->HiddenStates(ids, L);
  auto v = sif->EmbedIds(ids, ctx)[0];
  auto plain = mean->EmbedIds(ids, ctx)[0];
  double d_sif = 0, d_plain = 0;
  for (size_t j = 0; j < v.size(); ++j) {
    double cat = h[2 * v.size() + j];  // position 2: "cat"
    d_sif += (v[j] - cat) * (v[j] - cat);
    d_plain += (plain[j] - cat) * (plain[j] - cat);
  }
  EXPECT_LT(d_sif, 0.1 * d_plain);
  EncoderOptions bad;
  bad.pooling = "max";
  EXPECT_THROW(BertEncoder::Random(c, WordPieceTokenizer(vocab, TokenizerConfig{}), bad, 7), Error);
}

TEST(SifPooling, TokenCountsCountEncodedIds) {
  std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat"};
  WordPieceTokenizer tok(vocab, TokenizerConfig{});
  UserTexts u;
  u.ids = {"a", "b"};
  u.texts = {{"the cat", "the"}, {}};
  auto c = TokenCounts(tok, u, 0);
  ASSERT_EQ(c.size(), vocab.size());
  EXPECT_EQ(c[2], 2u);  // [CLS] per text
  EXPECT_EQ(c[5], 2u);
  EXPECT_EQ(c[6], 1u);
}

// `embed` stays the plain pooled output unless --whiten is asked for; with it,
// the file holds whitened vectors and the transform that made them.
TEST(ProfileCli, EmbedWhitenStoresTheTransformAndPlainStaysPlain) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) GTEST_SKIP() << "adpilot binary not built";
  ADPILOT_REQUIRE_SHARED_DATA("bert/bert_tiniest");
  testing::TempDir dir;
  std::string users;
  const char* words[] = {"cheap flights", "beach hotel",  "gpu benchmark", "linux laptop",
                         "pasta recipe",  "garden tools", "running shoes", "jazz concert"};
  for (int u = 0; u < 30; ++u)
    users +=
        fmt::format(R"({{"user_id":"u{}","texts":["{}","{} today"]}})", u, words[u % 8], words[(u * 3) % 8]) + "\n";
  WriteFileAtomic(dir.File("u.jsonl"), users);
  auto plain = testing::RunCli(
      fmt::format("--quiet profile embed --model {} --input {} --json", shared_path, dir.File("u.jsonl")));
  ASSERT_EQ(plain.exit_code, 0);
  auto pj = nlohmann::json::parse(plain.out);
  auto white =
      testing::RunCli(fmt::format("--quiet profile embed --model {} --input {} --whiten --whiten-dims 2 "
                                  "--out {} --json",
                                  shared_path, dir.File("u.jsonl"), dir.File("w.prof")));
  ASSERT_EQ(white.exit_code, 0);
  auto wj = nlohmann::json::parse(white.out);
  EXPECT_EQ(wj["dim"].get<size_t>(), 2u);  // bert_tiniest has hidden size 4
  // The stored transform maps the plain vectors onto the stored ones.
  ProfileStore st = ProfileStore::Load(dir.File("w.prof"));
  Whitening w = Whitening::FromJson(st.meta().at("whitening"), "w.prof");
  Matrix m{30, pj["dim"].get<size_t>(), {}};
  for (const auto& row : pj["embeddings"])
    for (const auto& x : row) m.data.push_back(x.get<float>());
  Matrix y = w.Apply(m);
  for (size_t i = 0; i < y.rows; ++i)
    for (size_t j = 0; j < y.dim; ++j) EXPECT_NEAR(y.row(i)[j], st.row(i)[j], 1e-3);
  auto sif = testing::RunCli(fmt::format("--quiet profile embed --model {} --input {} --pooling sif --json",
                                         shared_path, dir.File("u.jsonl")));
  ASSERT_EQ(sif.exit_code, 0);
  EXPECT_NE(nlohmann::json::parse(sif.out)["embeddings"][0], pj["embeddings"][0]);
}

}  // namespace
}  // namespace adpilot
