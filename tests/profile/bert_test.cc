// The libtorch BERT forward against an independent PyTorch reference
// (tests/profile/bert_reference.py, run with /usr/bin/python3 when it has
// torch), on the tiny random-weight Hugging Face model in ../shared/data/bert.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

bool PythonTorch() { return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0; }

TEST(Bert, TiniestMatchesPytorchReference) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  ADPILOT_REQUIRE_SHARED_DATA("bert/bert_tiniest");
  if (!PythonTorch()) GTEST_SKIP() << "/usr/bin/python3 with torch not available: reference check skipped";
  Context ctx;
  EncoderOptions opts;
  opts.batch_size = 2;  // several batches, each padded differently
  auto enc = BertEncoder::Load(shared_path, opts, ctx);
  std::vector<std::string> texts = {"Hello, my dog is cute", "",
                                    "Jim Henson was a puppeteer and a very long "
                                    "sentence follows here to force padding of the others",
                                    "中国 café", "x"};
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : texts) ids.push_back(enc->tokenizer().Encode(t));

  testing::TempDir dir;
  WriteFileAtomic(dir.File("ids.json"), nlohmann::json(ids).dump());
  std::string cmd = "/usr/bin/python3 " ADPILOT_SOURCE_DIR "/tests/profile/bert_reference.py " + shared_path + " " +
                    dir.File("ids.json") + " " + dir.File("ref.json");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto ref = nlohmann::json::parse(ReadFile(dir.File("ref.json")));

  int L = 0;
  std::vector<float> hidden = enc->HiddenStates(ids, L);
  int H = enc->dim();
  double worst = 0;
  for (size_t b = 0; b < ids.size(); ++b)
    for (size_t t = 0; t < ids[b].size(); ++t)  // padded positions are not defined outputs
      for (int h = 0; h < H; ++h)
        worst = std::max(worst, std::abs(hidden[(b * size_t(L) + t) * size_t(H) + size_t(h)] -
                                         ref["hidden"][b][t][size_t(h)].get<double>()));
  EXPECT_LT(worst, 1e-5);

  auto check_pooled = [&](const std::vector<std::vector<float>>& got, const nlohmann::json& want) {
    double w = 0;
    for (size_t b = 0; b < got.size(); ++b)
      for (int h = 0; h < H; ++h) w = std::max(w, std::abs(got[b][size_t(h)] - want[b][size_t(h)].get<double>()));
    return w;
  };
  EXPECT_LT(check_pooled(enc->EmbedIds(ids, ctx), ref["mean"]), 1e-5);
  EncoderOptions cls = opts;
  cls.pooling = "cls";
  cls.normalize = true;
  auto enc_cls = BertEncoder::Load(shared_path, cls, ctx);
  auto v = enc_cls->Embed(texts, ctx);
  // Normalised CLS vectors: compare directions.
  nlohmann::json want = ref["cls"];
  for (auto& row : want) {
    double n = 0;
    for (auto& x : row) n += x.get<double>() * x.get<double>();
    for (auto& x : row) x = x.get<double>() / std::sqrt(n);
  }
  EXPECT_LT(check_pooled(v, want), 1e-5);
}

TEST(Bert, UnreadablePytorchModelBinIsAClearError) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  ADPILOT_REQUIRE_SHARED_DATA("bert/bert_tiniest");
  testing::TempDir dir;
  std::string m = dir.File("bin_model");
  std::filesystem::create_directories(m);
  for (const char* f : {"config.json", "vocab.txt", "tokenizer_config.json"})
    std::filesystem::copy_file(shared_path + "/" + f, m + "/" + f);
  WriteFileAtomic(m + "/pytorch_model.bin", "PK\x03\x04 not really a torch.save archive");
  Context ctx;
  try {
    BertEncoder::Load(m, {}, ctx);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find("pytorch_model.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
}

// A real pytorch_model.bin as Hugging Face writes it (torch.save zip of an
// OrderedDict): Debian's libtorch 1.13 cannot read it, and the error must say
// so, naming the file and pointing to model.safetensors. Should a libtorch
// read it, the vectors must equal those of the safetensors copy.
TEST(Bert, HuggingFacePytorchModelBin) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  ADPILOT_REQUIRE_SHARED_DATA("bert/bert_tiniest");
  if (!PythonTorch()) GTEST_SKIP() << "/usr/bin/python3 with torch not available";
  testing::TempDir dir;
  std::string m = dir.File("bin_model");
  std::filesystem::create_directories(m);
  for (const char* f : {"config.json", "vocab.txt", "tokenizer_config.json"})
    std::filesystem::copy_file(shared_path + "/" + f, m + "/" + f);
  std::string cmd = "/usr/bin/python3 " ADPILOT_SOURCE_DIR "/tests/profile/write_torch_bin.py " + shared_path + " " +
                    m + "/pytorch_model.bin";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Context ctx;
  std::unique_ptr<BertEncoder> enc;
  try {
    enc = BertEncoder::Load(m, {}, ctx);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find(m + "/pytorch_model.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
    return;
  }
  auto ref = BertEncoder::Load(shared_path, {}, ctx);
  auto a = enc->Embed({"Hello, my dog is cute"}, ctx), b = ref->Embed({"Hello, my dog is cute"}, ctx);
  for (size_t i = 0; i < a[0].size(); ++i) EXPECT_NEAR(a[0][i], b[0][i], 1e-6);
}

TEST(Bert, BatchingDoesNotChangeResults) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  ADPILOT_REQUIRE_SHARED_DATA("bert/bert_tiniest");
  Context ctx;
  ctx.threads = 2;
  EncoderOptions one, many;
  one.batch_size = 1;
  many.batch_size = 16;
  std::vector<std::string> texts = {"a b c d e f g", "short", "", "the quick brown fox jumps over the lazy dog"};
  auto a = BertEncoder::Load(shared_path, one, ctx)->Embed(texts, ctx);
  auto b = BertEncoder::Load(shared_path, many, ctx)->Embed(texts, ctx);
  for (size_t i = 0; i < texts.size(); ++i)
    for (size_t h = 0; h < a[i].size(); ++h) EXPECT_NEAR(a[i][h], b[i][h], 1e-5);
}

}  // namespace
}  // namespace adpilot

namespace adpilot {
namespace {

TEST(Bert, Int8QuantisationKeepsCosine) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  BertConfig c;
  c.vocab_size = 300;
  c.hidden_size = 64;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 128;
  c.max_position_embeddings = 64;
  std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  while (vocab.size() < 300) vocab.push_back("w" + std::to_string(vocab.size()));
  EncoderOptions fp, q;
  q.quantize = true;
  auto a = BertEncoder::Random(c, WordPieceTokenizer(vocab, {}), fp, 3);
  auto b = BertEncoder::Random(c, WordPieceTokenizer(vocab, {}), q, 3);
  EXPECT_FALSE(a->quantized());
  EXPECT_GE(b->quantization_cosine(), 0.0);
  if (!b->quantized()) GTEST_SKIP() << "quantisation fell back to fp32, cosine " << b->quantization_cosine();
  EXPECT_GE(b->quantization_cosine(), 0.99);
  Context ctx;
  std::vector<std::string> texts = {"w10 w20 w30", "w7 w8 w9 w10 w11 w12", "w299"};
  auto va = a->Embed(texts, ctx), vb = b->Embed(texts, ctx);
  for (size_t i = 0; i < texts.size(); ++i) {
    double dot = 0, na = 0, nb = 0;
    for (size_t j = 0; j < va[i].size(); ++j) {
      dot += va[i][j] * vb[i][j];
      na += va[i][j] * va[i][j];
      nb += vb[i][j] * vb[i][j];
    }
    EXPECT_GE(dot / std::sqrt(na * nb), 0.99);
    EXPECT_NE(va[i], vb[i]);  // the int8 path really ran
  }
}

}  // namespace
}  // namespace adpilot
