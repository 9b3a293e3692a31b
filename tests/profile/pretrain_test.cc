// Pre-training a tiny encoder from raw text: the loss falls, the directory
// loads back, and the forward pass still agrees with the PyTorch reference.
#include <cmath>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

TEST(Pretrain, TinyCorpusRoundTrip) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  std::vector<std::string> texts;
  const char* a[] = {"cheap flights to lisbon", "hotel near the beach", "travel insurance quote"};
  const char* b[] = {"pasta recipe with garlic", "best chef knife review", "bake sourdough bread at home"};
  for (int i = 0; i < 60; ++i) texts.push_back(i % 2 ? a[i % 3] : b[i % 3]);
  Context ctx;
  ctx.threads = 2;
  PretrainOptions o;
  o.vocab_size = 120;
  o.hidden_size = 16;
  o.num_layers = 1;
  o.num_heads = 2;
  o.intermediate_size = 32;
  o.max_len = 16;
  o.batch_size = 16;
  o.steps = 60;
  o.learning_rate = 5e-3;
  testing::TempDir d;
  std::string dir = d.File("model");
  PretrainReport r = PretrainBert(texts, dir, o, ctx);
  EXPECT_EQ(r.steps, 60);
  EXPECT_LT(r.last_loss, r.first_loss);
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"})
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
  auto enc = BertEncoder::Load(dir, {}, ctx);
  EXPECT_EQ(enc->dim(), 16);
  auto v = enc->Embed({"cheap flights", "pasta recipe", ""}, ctx);
  ASSERT_EQ(v.size(), 3u);
  for (float x : v[0]) EXPECT_TRUE(std::isfinite(x));
  // Corpus words are in the learned vocabulary, so nothing maps to [UNK].
  for (int32_t id : enc->tokenizer().Encode("sourdough lisbon")) EXPECT_NE(id, enc->tokenizer().unk_id());
  EXPECT_THROW(PretrainBert(std::vector<std::string>{"", " "}, d.File("empty"), o, ctx), Error);
}

// The contrastive stage: groups are "users" of one of two topics (no topic
// labels given to training); afterwards the user vectors of one topic are
// closer to each other than to the other topic's (centred cosine).
TEST(Pretrain, ContrastiveStageSeparatesUsersByTopic) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  const std::vector<std::string> topic[2] = {{"cheap flights to lisbon", "hotel near the beach",
                                              "travel insurance quote", "backpacking trip booking", "visa for tokyo"},
                                             {"pasta recipe with garlic", "best chef knife review",
                                              "bake sourdough bread", "oven roasted chicken", "kitchen dessert ideas"}};
  std::mt19937_64 rng(7);
  std::vector<std::vector<std::string>> users;
  for (int u = 0; u < 80; ++u) {
    std::vector<std::string> texts;
    for (int t = 0; t < 6; ++t) texts.push_back(topic[u % 2][rng() % 5]);
    users.push_back(texts);
  }
  Context ctx;
  PretrainOptions o;
  o.vocab_size = 200;
  o.hidden_size = 16;
  o.num_layers = 1;
  o.num_heads = 2;
  o.intermediate_size = 32;
  o.max_len = 16;
  o.steps = 5;
  o.contrastive_steps = 60;
  o.contrastive_batch = 16;
  testing::TempDir d;
  PretrainReport r = PretrainBert(users, d.File("model"), o, ctx);
  EXPECT_EQ(r.groups, 80u);
  EXPECT_EQ(r.contrastive_steps, 60);
  EXPECT_LT(r.contrastive_last_loss, r.contrastive_first_loss);
  auto enc = BertEncoder::Load(d.File("model"), {}, ctx);
  std::vector<std::vector<float>> v;
  for (const auto& u : users) {
    auto t = enc->Embed(u, ctx);
    std::vector<float> m(t[0].size(), 0.f);
    for (const auto& x : t)
      for (size_t j = 0; j < m.size(); ++j) m[j] += x[j] / float(t.size());
    v.push_back(m);
  }
  std::vector<float> mean(v[0].size(), 0.f);
  for (const auto& x : v)
    for (size_t j = 0; j < mean.size(); ++j) mean[j] += x[j] / float(v.size());
  auto cos = [&](const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t j = 0; j < a.size(); ++j) {
      double x = a[j] - mean[j], y = b[j] - mean[j];
      ab += x * y, aa += x * x, bb += y * y;
    }
    return ab / std::sqrt(aa * bb + 1e-30);
  };
  double same = 0, other = 0;
  int ns = 0, no = 0;
  for (size_t i = 0; i < v.size(); ++i)
    for (size_t j = i + 1; j < v.size(); ++j) {
      if (i % 2 == j % 2) same += cos(v[i], v[j]), ++ns;
      else other += cos(v[i], v[j]), ++no;
    }
  EXPECT_GT(same / ns, other / no + 0.3) << "same-topic " << same / ns << " other-topic " << other / no;
}

}  // namespace
}  // namespace adpilot
