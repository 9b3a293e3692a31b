// BERT inference on libtorch: loading Hugging Face weights (safetensors parsed
// by adpilot, pytorch_model.bin through libtorch's unpickler) and batched,
// dynamically padded forward passes.
#include "adpilot/bert.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/safetensors.h"

#ifdef ADPILOT_WITH_TORCH
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "profile/bert_impl.h"
#endif

namespace adpilot {

#ifndef ADPILOT_WITH_TORCH
bool BertAvailable() { return false; }
std::unique_ptr<BertEncoder> BertEncoder::Load(const std::string&, const EncoderOptions&, const Context&) {
  Throw(ErrorCode::kUnsupported, "this build has no libtorch: BERT encoders are unavailable (use --encoder tfidf)");
}
std::unique_ptr<BertEncoder> BertEncoder::Random(const BertConfig&, WordPieceTokenizer, const EncoderOptions&,
                                                 uint64_t) {
  Throw(ErrorCode::kUnsupported, "this build has no libtorch: BERT encoders are unavailable");
}
#else
bool BertAvailable() { return true; }

namespace bert {

std::vector<Slot> Slots(const BertConfig& c, Weights& w) {
  int64_t H = c.hidden_size, I = c.intermediate_size;
  std::vector<Slot> s = {
      {"embeddings.word_embeddings.weight", &w.word, {c.vocab_size, H}},
      {"embeddings.position_embeddings.weight", &w.pos, {c.max_position_embeddings, H}},
      {"embeddings.token_type_embeddings.weight", &w.type, {c.type_vocab_size, H}},
      {"embeddings.LayerNorm.weight", &w.ln_w, {H}},
      {"embeddings.LayerNorm.bias", &w.ln_b, {H}},
  };
  w.layers.resize(size_t(c.num_hidden_layers));
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    auto& L = w.layers[size_t(i)];
    std::string p = "encoder.layer." + std::to_string(i) + ".";
    std::vector<Slot> l = {
        {p + "attention.self.query.weight", &L.q_w, {H, H}},   {p + "attention.self.query.bias", &L.q_b, {H}},
        {p + "attention.self.key.weight", &L.k_w, {H, H}},     {p + "attention.self.key.bias", &L.k_b, {H}},
        {p + "attention.self.value.weight", &L.v_w, {H, H}},   {p + "attention.self.value.bias", &L.v_b, {H}},
        {p + "attention.output.dense.weight", &L.ao_w, {H, H}}, {p + "attention.output.dense.bias", &L.ao_b, {H}},
        {p + "attention.output.LayerNorm.weight", &L.ln1_w, {H}},
        {p + "attention.output.LayerNorm.bias", &L.ln1_b, {H}},
        {p + "intermediate.dense.weight", &L.i_w, {I, H}},     {p + "intermediate.dense.bias", &L.i_b, {I}},
        {p + "output.dense.weight", &L.o_w, {H, I}},           {p + "output.dense.bias", &L.o_b, {H}},
        {p + "output.LayerNorm.weight", &L.ln2_w, {H}},        {p + "output.LayerNorm.bias", &L.ln2_b, {H}},
    };
    s.insert(s.end(), l.begin(), l.end());
  }
  return s;
}

bool SmallModel(const BertConfig& c) { return c.hidden_size < 256; }

at::Tensor Activation(const BertConfig& c, const at::Tensor& x) {
  if (c.hidden_act == "gelu") return at::gelu(x);
  if (c.hidden_act == "relu") return at::relu(x);
  return at::gelu(x, "tanh");
}

void QuantizeLinears(Weights& w) {
  const auto& engines = at::globalContext().supportedQEngines();
  auto has = [&](at::QEngine e) { return std::find(engines.begin(), engines.end(), e) != engines.end(); };
  if (has(at::QEngine::ONEDNN)) at::globalContext().setQEngine(at::QEngine::ONEDNN);
  else if (has(at::QEngine::FBGEMM)) at::globalContext().setQEngine(at::QEngine::FBGEMM);
  else if (has(at::QEngine::QNNPACK)) at::globalContext().setQEngine(at::QEngine::QNNPACK);
  else Throw(ErrorCode::kUnsupported, "this libtorch has no quantized engine: int8 quantisation unavailable");
  static auto prepack = c10::Dispatcher::singleton()
                            .findSchemaOrThrow("quantized::linear_prepack", "")
                            .typed<c10::intrusive_ptr<LinearPackedParamsBase>(at::Tensor, c10::optional<at::Tensor>)>();
  for (auto& l : w.layers) {
    l.packed.clear();
    for (auto [wt, b] : {std::pair{&l.q_w, &l.q_b}, {&l.k_w, &l.k_b}, {&l.v_w, &l.v_b}, {&l.ao_w, &l.ao_b},
                         {&l.i_w, &l.i_b}, {&l.o_w, &l.o_b}}) {
      double scale = std::max(1e-8, wt->abs().max().item<double>() / 127.0);
      at::Tensor q = at::quantize_per_tensor(*wt, scale, 0, at::kQInt8);
      l.packed.push_back(prepack.call(q, c10::optional<at::Tensor>(*b)));
    }
  }
}

void DropQuantization(Weights& w) {
  for (auto& l : w.layers) l.packed.clear();
}

namespace {
// Linear layer `idx` of a layer: float32, or the prepacked int8 one.
at::Tensor Lin(const LayerWeights& l, int idx, const at::Tensor& x, const at::Tensor& wt, const at::Tensor& b) {
  if (l.packed.empty()) return at::linear(x, wt, b);
  std::vector<int64_t> shape = x.sizes().vec();
  at::Tensor y = l.packed[size_t(idx)]->apply_dynamic(x.reshape({-1, x.size(-1)}).contiguous(), false);
  shape.back() = y.size(1);
  return y.view(shape);
}
}  // namespace

at::Tensor Forward(const BertConfig& c, const Weights& w, const at::Tensor& ids, const at::Tensor& mask) {
  int64_t B = ids.size(0), L = ids.size(1), H = c.hidden_size, nh = c.num_attention_heads, hd = H / nh;
  std::vector<int64_t> hs{H};
  at::Tensor x = at::embedding(w.word, ids) + w.pos.slice(0, 0, L).unsqueeze(0) + w.type[0];
  x = at::layer_norm(x, hs, w.ln_w, w.ln_b, c.layer_norm_eps);
  // Additive mask as Hugging Face builds it: 0 for tokens, the dtype's lowest value for padding.
  at::Tensor add_mask = ((1.0 - mask) * std::numeric_limits<float>::lowest()).view({B, 1, 1, L});
  double scale = 1.0 / std::sqrt(double(hd));
  for (const auto& l : w.layers) {
    auto heads = [&](const at::Tensor& t) { return t.view({B, L, nh, hd}).transpose(1, 2); };
    at::Tensor q = heads(Lin(l, 0, x, l.q_w, l.q_b));
    at::Tensor k = heads(Lin(l, 1, x, l.k_w, l.k_b));
    at::Tensor v = heads(Lin(l, 2, x, l.v_w, l.v_b));
    at::Tensor probs = at::softmax(at::matmul(q, k.transpose(-1, -2)) * scale + add_mask, -1);
    at::Tensor ctx = at::matmul(probs, v).transpose(1, 2).reshape({B, L, H});
    at::Tensor a = at::layer_norm(Lin(l, 3, ctx, l.ao_w, l.ao_b) + x, hs, l.ln1_w, l.ln1_b, c.layer_norm_eps);
    at::Tensor inter = Activation(c, Lin(l, 4, a, l.i_w, l.i_b));
    x = at::layer_norm(Lin(l, 5, inter, l.o_w, l.o_b) + a, hs, l.ln2_w, l.ln2_b, c.layer_norm_eps);
  }
  return x;
}

at::Tensor Pool(const at::Tensor& hidden, const at::Tensor& mask, bool cls, bool normalize) {
  at::Tensor v;
  if (cls) {
    v = hidden.select(1, 0);
  } else {
    at::Tensor m = mask.unsqueeze(-1);
    v = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9);
  }
  if (normalize) v = v / v.norm(2, {1}, true).clamp_min(1e-12);
  return v;
}

std::pair<at::Tensor, at::Tensor> PadBatch(const std::vector<const std::vector<int32_t>*>& seqs, int32_t pad) {
  int64_t B = int64_t(seqs.size()), L = 1;
  for (auto* s : seqs) L = std::max<int64_t>(L, int64_t(s->size()));
  at::Tensor ids = at::full({B, L}, int64_t(pad), at::kLong);
  at::Tensor mask = at::zeros({B, L}, at::kFloat);
  auto ia = ids.accessor<int64_t, 2>();
  auto ma = mask.accessor<float, 2>();
  for (int64_t b = 0; b < B; ++b)
    for (size_t t = 0; t < seqs[size_t(b)]->size(); ++t) {
      ia[b][int64_t(t)] = (*seqs[size_t(b)])[t];
      ma[b][int64_t(t)] = 1;
    }
  return {ids, mask};
}

}  // namespace bert

namespace {

// Strips "bert." (BertForMaskedLM, BertLMHeadModel, ...) so both layouts map to BertModel names.
std::string BaseName(const std::string& n) { return n.rfind("bert.", 0) == 0 ? n.substr(5) : n; }

std::string OldLayerNormName(const std::string& n) {
  std::string s = n;
  for (auto [from, to] : {std::pair<std::string, std::string>{"LayerNorm.weight", "LayerNorm.gamma"},
                          {"LayerNorm.bias", "LayerNorm.beta"}})
    if (s.size() >= from.size() && s.compare(s.size() - from.size(), from.size(), from) == 0)
      return s.substr(0, s.size() - from.size()) + to;
  return s;
}

// name -> tensor of a pytorch_model.bin state dict (zip format, as torch.save writes).
std::map<std::string, at::Tensor> ReadTorchBin(const std::string& path) {
  std::string bytes = ReadFile(path);
  c10::IValue v;
  try {
    v = torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const std::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: libtorch cannot read this state dict ({}); convert it to model.safetensors",
          path, std::string(e.what()).substr(0, 200));
  }
  if (!v.isGenericDict()) Throw(ErrorCode::kCorruption, "{}: not a state dict (name -> tensor)", path);
  std::map<std::string, at::Tensor> out;
  for (const auto& kv : v.toGenericDict())
    if (kv.key().isString() && kv.value().isTensor())
      out[kv.key().toStringRef()] = kv.value().toTensor().to(at::kFloat).contiguous();
  return out;
}

class TorchBertEncoder : public BertEncoder {
 public:
  TorchBertEncoder(BertConfig c, WordPieceTokenizer tok, EncoderOptions o)
      : config_(std::move(c)), tok_(std::move(tok)), opts_(std::move(o)) {}

  void LoadWeights(const std::string& dir) {
    std::string st = dir + "/model.safetensors", bin = dir + "/pytorch_model.bin";
    auto slots = bert::Slots(config_, w_);
    std::map<std::string, at::Tensor> by_name;
    std::string file;
    if (std::filesystem::exists(st)) {
      file = st;
      SafetensorsFile f = SafetensorsFile::Open(st);
      for (const auto& t : f.tensors()) {
        std::string n = BaseName(t.name);
        bool wanted = false;
        for (const auto& s : slots) wanted |= (s.name == n || OldLayerNormName(s.name) == n);
        if (!wanted) continue;
        std::vector<float> data = f.ReadFloat(t);
        by_name[n] = at::from_blob(data.data(), t.shape, at::kFloat).clone();
      }
    } else if (std::filesystem::exists(bin)) {
      file = bin;
      for (auto& [n, t] : ReadTorchBin(bin)) by_name[BaseName(n)] = t;
    } else {
      Throw(ErrorCode::kNotFound, "{}: neither model.safetensors nor pytorch_model.bin", dir);
    }
    for (auto& s : slots) {
      auto it = by_name.find(s.name);
      if (it == by_name.end()) it = by_name.find(OldLayerNormName(s.name));
      if (it == by_name.end()) Throw(ErrorCode::kCorruption, "{}: missing tensor '{}'", file, s.name);
      if (it->second.sizes().vec() != s.shape)
        Throw(ErrorCode::kCorruption, "{}: tensor '{}' has shape {} but config.json implies {}", file, s.name,
              fmt::format("[{}]", fmt::join(it->second.sizes().vec(), ", ")),
              fmt::format("[{}]", fmt::join(s.shape, ", ")));
      *s.tensor = it->second.contiguous();
    }
  }

  void RandomWeights(uint64_t seed) {
    at::manual_seed(seed);
    for (auto& s : bert::Slots(config_, w_)) {
      bool norm_w = s.name.find("LayerNorm.weight") != std::string::npos;
      bool bias = s.name.find("bias") != std::string::npos;
      *s.tensor = norm_w ? at::ones(s.shape) : bias ? at::zeros(s.shape) : at::randn(s.shape) * 0.02;
    }
  }

  std::vector<std::vector<float>> Embed(const std::vector<std::string>& texts, const Context& ctx) const override {
    std::vector<std::vector<int32_t>> ids(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) ids[i] = tok_.Encode(texts[i], size_t(MaxLen()));
    return EmbedIds(ids, ctx);
  }

  std::vector<std::vector<float>> EmbedIds(const std::vector<std::vector<int32_t>>& ids,
                                           const Context& ctx) const override {
    // Length-sorted batches keep padding small; results go back in input order.
    std::vector<size_t> order(ids.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
    std::vector<std::vector<float>> out(ids.size());
    size_t bs = size_t(std::max(1, opts_.batch_size));
    size_t batches = (order.size() + bs - 1) / bs;
    int threads = std::max(1, ctx.threads);
    // Small models: whole batches in parallel, one intra-op thread each (OpenMP
    // synchronisation costs more than a small matrix product). Large models:
    // batches in turn, each matrix product on all threads.
    bool across = bert::SmallModel(config_) && threads > 1 && batches > 1;
    at::set_num_threads(across ? 1 : threads);
    ParallelFor(across ? threads : 1, batches, [&](size_t b0, size_t b1, int) {
      c10::InferenceMode guard;
      std::vector<std::vector<int32_t>> clipped;
      for (size_t bi = b0; bi < b1; ++bi) {
        size_t start = bi * bs, end = std::min(order.size(), start + bs);
        std::vector<const std::vector<int32_t>*> batch;
        clipped.assign(end - start, {});
        for (size_t i = start; i < end; ++i) {
          const auto& s = ids[order[i]];
          if (int(s.size()) > MaxLen()) {  // keep [SEP] last when clipping pre-tokenised input
            clipped[i - start].assign(s.begin(), s.begin() + MaxLen() - 1);
            clipped[i - start].push_back(s.back());
            batch.push_back(&clipped[i - start]);
          } else {
            batch.push_back(&s);
          }
        }
        auto [t_ids, mask] = bert::PadBatch(batch, tok_.pad_id());
        CheckIds(t_ids);
        at::Tensor v = bert::Pool(bert::Forward(config_, w_, t_ids, mask), mask, Cls(), Normalize()).contiguous();
        const float* p = v.data_ptr<float>();
        for (size_t i = start; i < end; ++i) {
          const float* row = p + (i - start) * size_t(dim());
          out[order[i]].assign(row, row + dim());
        }
      }
    });
    return out;
  }

  std::vector<float> HiddenStates(const std::vector<std::vector<int32_t>>& ids, int& seq_len) const override {
    c10::InferenceMode guard;
    std::vector<const std::vector<int32_t>*> batch;
    for (const auto& s : ids) batch.push_back(&s);
    auto [t_ids, mask] = bert::PadBatch(batch, tok_.pad_id());
    CheckIds(t_ids);
    at::Tensor h = bert::Forward(config_, w_, t_ids, mask).contiguous();
    seq_len = int(t_ids.size(1));
    return std::vector<float>(h.data_ptr<float>(), h.data_ptr<float>() + h.numel());
  }

  // int8 quantisation, kept only when pooled vectors of a calibration batch
  // (random in-vocabulary ids, lengths 8..64) stay within cosine 0.99 of fp32.
  void MaybeQuantize(const Context& ctx) {
    if (!opts_.quantize) return;
    std::mt19937_64 rng(ctx.SubSeed("quantize-calibration"));
    std::vector<std::vector<int32_t>> ids(16);
    for (auto& s : ids) {
      s.assign(8 + rng() % 57, 0);
      s.front() = tok_.cls_id();
      for (size_t t = 1; t + 1 < s.size(); ++t) s[t] = int32_t(rng() % uint64_t(config_.vocab_size));
      s.back() = tok_.sep_id();
    }
    auto fp32 = EmbedIds(ids, ctx);
    bert::QuantizeLinears(w_);
    auto q = EmbedIds(ids, ctx);
    quant_cos_ = 1.0;
    for (size_t i = 0; i < ids.size(); ++i) {
      double dot = 0, na = 0, nb = 0;
      for (size_t j = 0; j < fp32[i].size(); ++j) {
        dot += double(fp32[i][j]) * q[i][j];
        na += double(fp32[i][j]) * fp32[i][j];
        nb += double(q[i][j]) * q[i][j];
      }
      quant_cos_ = std::min(quant_cos_, dot / std::sqrt(std::max(1e-30, na * nb)));
    }
    quantized_ = quant_cos_ >= 0.99;
    if (!quantized_) {
      bert::DropQuantization(w_);
      ctx.log().warn("int8 quantisation kept cosine {:.4f} < 0.99 to fp32 on calibration: staying in fp32", quant_cos_);
    } else {
      ctx.log().info("int8 dynamic quantisation on (min calibration cosine to fp32 {:.4f})", quant_cos_);
    }
  }
  bool quantized() const override { return quantized_; }
  double quantization_cosine() const override { return quant_cos_; }

  int dim() const override { return config_.hidden_size; }
  const BertConfig& config() const override { return config_; }
  const WordPieceTokenizer& tokenizer() const override { return tok_; }
  const EncoderOptions& options() const override { return opts_; }

  bool st_cls = false, st_normalize = false;

 private:
  int MaxLen() const { return std::max(2, std::min(opts_.max_len, config_.max_position_embeddings)); }
  bool Cls() const { return opts_.pooling.empty() ? st_cls : opts_.pooling == "cls"; }
  bool Normalize() const { return opts_.normalize || st_normalize; }
  void CheckIds(const at::Tensor& ids) const {
    int64_t mx = ids.max().item<int64_t>();
    if (mx >= config_.vocab_size)
      Throw(ErrorCode::kCorruption, "token id {} is outside the model's vocabulary ({} entries): vocab.txt and "
            "config.json disagree", mx, config_.vocab_size);
  }
  BertConfig config_;
  WordPieceTokenizer tok_;
  EncoderOptions opts_;
  bert::Weights w_;
  bool quantized_ = false;
  double quant_cos_ = -1;
};

// sentence-transformers: 1_Pooling/config.json chooses the pooling, a Normalize module L2-normalises.
void ReadSentenceTransformersConfig(const std::string& dir, TorchBertEncoder& enc) {
  std::string modules = dir + "/modules.json";
  if (!std::filesystem::exists(modules)) return;
  try {
    auto m = nlohmann::json::parse(ReadFile(modules));
    for (const auto& mod : m) {
      std::string type = mod.value("type", "");
      if (type.find("Normalize") != std::string::npos) enc.st_normalize = true;
      if (type.find("Pooling") != std::string::npos) {
        std::string pc = dir + "/" + mod.value("path", "1_Pooling") + "/config.json";
        if (std::filesystem::exists(pc)) {
          auto p = nlohmann::json::parse(ReadFile(pc));
          enc.st_cls = p.value("pooling_mode_cls_token", false) && !p.value("pooling_mode_mean_tokens", false);
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: malformed sentence-transformers config: {}", modules, e.what());
  }
}

void CheckPooling(const EncoderOptions& o) {
  if (!o.pooling.empty() && o.pooling != "mean" && o.pooling != "cls")
    Throw(ErrorCode::kInvalidArgument, "pooling '{}': expected mean or cls", o.pooling);
}

}  // namespace

std::unique_ptr<BertEncoder> BertEncoder::Load(const std::string& dir, const EncoderOptions& opts,
                                               const Context& ctx) {
  CheckPooling(opts);
  if (!std::filesystem::is_directory(dir)) Throw(ErrorCode::kNotFound, "{}: model directory not found", dir);
  BertConfig c = BertConfig::FromFile(dir + "/config.json");
  auto enc = std::make_unique<TorchBertEncoder>(c, WordPieceTokenizer::Load(dir), opts);
  enc->LoadWeights(dir);
  ReadSentenceTransformersConfig(dir, *enc);
  enc->MaybeQuantize(ctx);
  ctx.log().info("loaded BERT from {}: {} layers, hidden {}, vocab {}", dir, c.num_hidden_layers, c.hidden_size,
                 c.vocab_size);
  return enc;
}

std::unique_ptr<BertEncoder> BertEncoder::Random(const BertConfig& config, WordPieceTokenizer tokenizer,
                                                 const EncoderOptions& opts, uint64_t seed) {
  CheckPooling(opts);
  config.Validate("random BERT config");
  auto enc = std::make_unique<TorchBertEncoder>(config, std::move(tokenizer), opts);
  enc->RandomWeights(seed);
  Context ctx;
  enc->MaybeQuantize(ctx);
  return enc;
}
#endif

}  // namespace adpilot
