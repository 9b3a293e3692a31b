// config.json and option declarations of the BERT encoder (no libtorch here).
#include <filesystem>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/error.h"
#include "adpilot/options.h"

namespace adpilot {

BertConfig BertConfig::FromFile(const std::string& path) {
  if (!std::filesystem::exists(path))
    Throw(ErrorCode::kNotFound, "{}: no config.json (expected a Hugging Face model directory)", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFile(path));
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: malformed JSON: {}", path, e.what());
  }
  if (!j.is_object()) Throw(ErrorCode::kCorruption, "{}: not a JSON object", path);
  BertConfig c;
  if (j.contains("model_type") && j["model_type"].is_string()) c.model_type = j["model_type"];
  bool bert_arch = c.model_type == "bert";
  if (j.contains("architectures") && j["architectures"].is_array())
    for (const auto& a : j["architectures"])
      if (a.is_string() && a.get<std::string>().rfind("Bert", 0) == 0) bert_arch = true;
  if (!bert_arch)
    Throw(ErrorCode::kUnsupported, "{}: model_type '{}' is not a BERT-family architecture (supported: bert)", path,
          c.model_type);
  auto get_int = [&](const char* k, int& v, bool required) {
    if (!j.contains(k)) {
      if (required) Throw(ErrorCode::kCorruption, "{}: missing key '{}'", path, k);
      return;
    }
    if (!j[k].is_number_integer()) Throw(ErrorCode::kCorruption, "{}: key '{}' is not an integer", path, k);
    v = j[k].get<int>();
  };
  get_int("vocab_size", c.vocab_size, true);
  get_int("hidden_size", c.hidden_size, true);
  get_int("num_hidden_layers", c.num_hidden_layers, true);
  get_int("num_attention_heads", c.num_attention_heads, true);
  get_int("intermediate_size", c.intermediate_size, true);
  get_int("max_position_embeddings", c.max_position_embeddings, false);
  get_int("type_vocab_size", c.type_vocab_size, false);
  if (j.contains("pad_token_id") && j["pad_token_id"].is_number_integer()) c.pad_token_id = j["pad_token_id"];
  if (j.contains("layer_norm_eps")) {
    if (!j["layer_norm_eps"].is_number())
      Throw(ErrorCode::kCorruption, "{}: key 'layer_norm_eps' is not a number", path);
    c.layer_norm_eps = j["layer_norm_eps"];
  }
  if (j.contains("hidden_act")) {
    if (!j["hidden_act"].is_string()) Throw(ErrorCode::kCorruption, "{}: key 'hidden_act' is not a string", path);
    c.hidden_act = j["hidden_act"];
  }
  if (j.contains("position_embedding_type") && j["position_embedding_type"] != "absolute")
    Throw(ErrorCode::kUnsupported, "{}: position_embedding_type {} is not supported (absolute only)", path,
          j["position_embedding_type"].dump());
  c.Validate(path);
  return c;
}

void BertConfig::Validate(const std::string& origin) const {
  auto pos = [&](const char* k, int v) {
    if (v <= 0) Throw(ErrorCode::kCorruption, "{}: '{}' must be positive, got {}", origin, k, v);
  };
  pos("vocab_size", vocab_size);
  pos("hidden_size", hidden_size);
  pos("num_hidden_layers", num_hidden_layers);
  pos("num_attention_heads", num_attention_heads);
  pos("intermediate_size", intermediate_size);
  pos("max_position_embeddings", max_position_embeddings);
  pos("type_vocab_size", type_vocab_size);
  if (hidden_size % num_attention_heads)
    Throw(ErrorCode::kCorruption, "{}: hidden_size {} is not a multiple of num_attention_heads {}", origin, hidden_size,
          num_attention_heads);
  if (hidden_act != "gelu" && hidden_act != "gelu_new" && hidden_act != "gelu_pytorch_tanh" && hidden_act != "relu")
    Throw(ErrorCode::kUnsupported, "{}: hidden_act '{}' (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)", origin,
          hidden_act);
}

nlohmann::json BertConfig::ToJson() const {
  return {{"architectures", {"BertForMaskedLM"}},
          {"model_type", model_type},
          {"vocab_size", vocab_size},
          {"hidden_size", hidden_size},
          {"num_hidden_layers", num_hidden_layers},
          {"num_attention_heads", num_attention_heads},
          {"intermediate_size", intermediate_size},
          {"max_position_embeddings", max_position_embeddings},
          {"type_vocab_size", type_vocab_size},
          {"layer_norm_eps", layer_norm_eps},
          {"hidden_act", hidden_act},
          {"pad_token_id", pad_token_id},
          {"position_embedding_type", "absolute"},
          {"hidden_dropout_prob", 0.1},
          {"attention_probs_dropout_prob", 0.1},
          {"initializer_range", 0.02},
          {"torch_dtype", "float32"}};
}

void EncoderOptions::Describe(OptionSet& o) {
  o.Add("pooling", &pooling, "mean | cls | sif (default: the model's sentence-transformers config, else mean)")
      .Choices({"", "mean", "cls", "sif"});
  o.Add("sif_a", &sif_a, "sif pooling: token weight a / (a + p(token))").Range(1e-8, 1);
  o.Add("normalize", &normalize, "L2-normalise each vector");
  o.Add("max_len", &max_len, "tokens per text, [CLS] and [SEP] included").Range(2, 4096);
  o.Add("batch_size", &batch_size, "texts per forward pass").Range(1, 65536);
  o.Add("quantize", &quantize,
        "int8 dynamic quantisation of linear layers (BERT: kept if cosine >= 0.99 to fp32; USE-Lite: always)")
      .Alias("int8");
}

void PretrainOptions::Describe(OptionSet& o) {
  o.Add("vocab_size", &vocab_size, "WordPiece vocabulary size learned from the corpus").Range(50, 200000);
  o.Add("hidden_size", &hidden_size, "hidden size").Range(4, 4096);
  o.Add("num_layers", &num_layers, "transformer layers").Range(1, 48);
  o.Add("num_heads", &num_heads, "attention heads (divides hidden_size)").Range(1, 64);
  o.Add("intermediate_size", &intermediate_size, "feed-forward size").Range(4, 16384);
  o.Add("max_len", &max_len, "tokens per training sequence").Range(8, 512);
  o.Add("batch_size", &batch_size, "sequences per step").Range(1, 4096);
  o.Add("steps", &steps, "optimizer steps").Range(1, 10000000);
  o.Add("learning_rate", &learning_rate, "AdamW peak learning rate (linear warm-up and decay)").Range(1e-6, 1);
  o.Add("mask_prob", &mask_prob, "share of tokens masked (80% [MASK], 10% random, 10% kept)").Range(0.01, 0.9);
  o.Add("max_seconds", &max_seconds, "stop after this many seconds, both stages (0 = run all steps)").Min(0);
  o.Add("contrastive_steps", &contrastive_steps,
        "contrastive steps after the masked LM: halves of a user's texts are positives (0 = off)")
      .Range(0, 10000000);
  o.Add("contrastive_batch", &contrastive_batch, "groups (users) per contrastive step").Range(2, 4096);
  o.Add("contrastive_texts", &contrastive_texts, "texts per half of a group at most").Range(1, 256);
  o.Add("contrastive_learning_rate", &contrastive_learning_rate, "AdamW peak learning rate of the contrastive stage")
      .Range(1e-6, 1);
  o.Add("temperature", &temperature, "InfoNCE temperature").Range(1e-3, 10);
  o.Add("contrastive_share", &contrastive_share, "share of max_seconds given to the contrastive stage").Range(0, 1);
}

void to_json(nlohmann::json& j, const PretrainReport& r) {
  j = {{"texts", r.texts},
       {"tokens", r.tokens},
       {"vocab_size", r.vocab_size},
       {"steps", r.steps},
       {"first_loss", r.first_loss},
       {"last_loss", r.last_loss},
       {"groups", r.groups},
       {"contrastive_steps", r.contrastive_steps},
       {"contrastive_first_loss", r.contrastive_first_loss},
       {"contrastive_last_loss", r.contrastive_last_loss},
       {"mlm_seconds", r.mlm_seconds},
       {"seconds", r.seconds}};
}

}  // namespace adpilot
