// safetensors reading/writing and the clear errors on broken model directories.
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/safetensors.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

// Runs fn and returns the error it throws (fails the test when none).
template <typename F>
Error Catch(F fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an adpilot::Error";
  return Error(ErrorCode::kInternal, "");
}

std::string RawFile(const std::string& header, size_t data_bytes) {
  std::string s(8, '\0');
  uint64_t n = header.size();
  std::memcpy(s.data(), &n, 8);
  return s + header + std::string(data_bytes, '\0');
}

void ExpectMessage(const Error& e, ErrorCode code, const std::string& part) {
  EXPECT_EQ(e.code(), code) << e.what();
  EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
}

TEST(Safetensors, RoundTrip) {
  testing::TempDir d;
  std::string p = d.File("m.safetensors");
  WriteSafetensors(p, {{"a", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"b.bias", {1}, {-0.5f}}});
  SafetensorsFile f = SafetensorsFile::Open(p);
  ASSERT_EQ(f.tensors().size(), 2u);
  ASSERT_NE(f.Find("a"), nullptr);
  EXPECT_EQ(f.Find("a")->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f.ReadFloat(*f.Find("a")), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(f.ReadFloat(*f.Find("b.bias")), (std::vector<float>{-0.5f}));
  EXPECT_EQ(f.metadata().at("format"), "pt");
}

TEST(Safetensors, ReadsHalfPrecision) {
  testing::TempDir d;
  std::string p = d.File("h.safetensors");
  std::string body = RawFile(R"({"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", 0);
  uint16_t h[2] = {0x3C00, 0xC000};  // 1.0, -2.0
  body.append(reinterpret_cast<const char*>(h), 4);
  WriteFileAtomic(p, body);
  SafetensorsFile f = SafetensorsFile::Open(p);
  EXPECT_EQ(f.ReadFloat(f.tensors()[0]), (std::vector<float>{1.0f, -2.0f}));
}

TEST(Safetensors, BadFilesNameFileAndTensor) {
  testing::TempDir d;
  std::string p = d.File("bad.safetensors");
  WriteFileAtomic(p, "abc");
  ExpectMessage(Catch([&] { SafetensorsFile::Open(p); }), ErrorCode::kCorruption, "bad.safetensors");
  WriteFileAtomic(p, RawFile("{not json", 0));
  ExpectMessage(Catch([&] { SafetensorsFile::Open(p); }), ErrorCode::kCorruption, "not valid JSON");
  std::string huge(8, '\xff');
  WriteFileAtomic(p, huge + "{}");
  ExpectMessage(Catch([&] { SafetensorsFile::Open(p); }), ErrorCode::kCorruption, "header length");
  WriteFileAtomic(p, RawFile(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8));
  ExpectMessage(Catch([&] { SafetensorsFile::Open(p); }), ErrorCode::kCorruption, "tensor 'w'");
  WriteFileAtomic(p, RawFile(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8));
  ExpectMessage(Catch([&] { SafetensorsFile::Open(p); }), ErrorCode::kCorruption, "outside");
  WriteFileAtomic(p, RawFile(R"({"w":{"dtype":"Q4","shape":[4],"data_offsets":[0,4]}})", 4));
  ExpectMessage(Catch([&] { SafetensorsFile::Open(p); }), ErrorCode::kCorruption, "unknown dtype");
  WriteFileAtomic(p, RawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                             12));
  ExpectMessage(Catch([&] { SafetensorsFile::Open(p); }), ErrorCode::kCorruption, "overlap");
  ExpectMessage(Catch([&] { SafetensorsFile::Open(d.File("none.safetensors")); }), ErrorCode::kNotFound,
                "none.safetensors");
}

// A copy of bert_tiniest with one file replaced.
std::string ModelCopy(const testing::TempDir& d, const std::string& src) {
  std::string dst = d.File("model");
  std::filesystem::create_directories(dst);
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"})
    std::filesystem::copy_file(src + "/" + f, dst + "/" + f);
  return dst;
}

TEST(Safetensors, BrokenModelDirectories) {
  ADPILOT_REQUIRE_SHARED_DATA("bert/bert_tiniest");
  testing::TempDir d;
  Context ctx;
  std::string m = ModelCopy(d, shared_path);
  auto cfg = nlohmann::json::parse(ReadFile(m + "/config.json"));

  WriteFileAtomic(m + "/config.json", "{\"hidden_size\": 4,");
  ExpectMessage(Catch([&] { BertConfig::FromFile(m + "/config.json"); }), ErrorCode::kCorruption, "config.json");
  auto other = cfg;
  other["model_type"] = "gpt2";
  other["architectures"] = {"GPT2LMHeadModel"};
  WriteFileAtomic(m + "/config.json", other.dump());
  ExpectMessage(Catch([&] { BertConfig::FromFile(m + "/config.json"); }), ErrorCode::kUnsupported, "gpt2");
  auto missing = cfg;
  missing.erase("num_hidden_layers");
  WriteFileAtomic(m + "/config.json", missing.dump());
  ExpectMessage(Catch([&] { BertConfig::FromFile(m + "/config.json"); }), ErrorCode::kCorruption, "num_hidden_layers");
  std::filesystem::remove(m + "/config.json");
  ExpectMessage(Catch([&] { BertConfig::FromFile(m + "/config.json"); }), ErrorCode::kNotFound, "config.json");

  if (!BertAvailable()) return;
  auto wrong = cfg;
  wrong["intermediate_size"] = 16;  // the file's FFN tensors are 8 wide
  WriteFileAtomic(m + "/config.json", wrong.dump());
  ExpectMessage(Catch([&] { BertEncoder::Load(m, {}, ctx); }), ErrorCode::kCorruption,
                "encoder.layer.0.intermediate.dense.weight");
  WriteFileAtomic(m + "/config.json", cfg.dump());
  WriteSafetensors(m + "/model.safetensors", {{"bert.embeddings.word_embeddings.weight", {2, 2}, {0, 0, 0, 0}}});
  ExpectMessage(Catch([&] { BertEncoder::Load(m, {}, ctx); }), ErrorCode::kCorruption, "model.safetensors");
  std::filesystem::remove(m + "/model.safetensors");
  ExpectMessage(Catch([&] { BertEncoder::Load(m, {}, ctx); }), ErrorCode::kNotFound, "pytorch_model.bin");
}

}  // namespace
}  // namespace adpilot
