// The BERT encoder on libtorch: loading Hugging Face weights (safetensors parsed
// by adpilot, pytorch_model.bin through libtorch's unpickler) and batched,
// dynamically padded, pooled embeddings. The forward pass is in bert_forward.cc.
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

constexpr const char* kConvertHint =
    "put the model's model.safetensors in the directory instead (every current Hugging Face model ships one), "
    "or convert this file with the safetensors package (safetensors.torch.save_file)";

// name -> tensor of a pytorch_model.bin state dict (zip format, as torch.save writes).
std::map<std::string, at::Tensor> ReadTorchBin(const std::string& path) {
  std::string bytes = ReadFile(path);
  c10::IValue v;
  try {
    v = torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const std::exception& e) {
    // Keep libtorch's reason, not its assertion boilerplate and stack trace:
    // for a Hugging Face file, libtorch 1.13 says "Expected GenericDict but got None".
    std::string why = e.what();
    size_t at = why.find("Expected ");
    if (at != std::string::npos) why = why.substr(at);
    why = why.substr(0, std::min(why.find('\n'), size_t(200)));
    Throw(ErrorCode::kCorruption, "{}: libtorch cannot read this state dict ({}); {}", path, why, kConvertHint);
  }
  // Debian's libtorch 1.13 unpickler returns None for the torch.save zip that
  // Hugging Face writes (an OrderedDict of tensors): same advice.
  if (!v.isGenericDict())
    Throw(ErrorCode::kCorruption, "{}: libtorch read no name -> tensor dict from this file ({}); {}", path, v.tagKind(),
          kConvertHint);
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

  std::vector<std::vector<float> > Embed(const std::vector<std::string>& texts, const Context& ctx) const override {
    std::vector<std::vector<int32_t> > ids(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) ids[i] = tok_.Encode(texts[i], size_t(MaxLen()));
    return EmbedIds(ids, ctx);
  }

  std::vector<std::vector<float> > EmbedIds(const std::vector<std::vector<int32_t> >& ids,
                                            const Context& ctx) const override {
    // Length-sorted batches keep padding small; results go back in input order.
    std::vector<size_t> order(ids.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
    std::vector<std::vector<float> > out(ids.size());
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
      std::vector<std::vector<int32_t> > clipped;
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
        // SIF: the pooling mask carries each token's weight; attention still sees every token.
        at::Tensor pool_mask = sif_.defined() ? mask * sif_.index_select(0, t_ids.view({-1})).view_as(mask) : mask;
        at::Tensor v = bert::Pool(bert::Forward(config_, w_, t_ids, mask), pool_mask, Cls(), Normalize()).contiguous();
        const float* p = v.data_ptr<float>();
        for (size_t i = start; i < end; ++i) {
          const float* row = p + (i - start) * size_t(dim());
          out[order[i]].assign(row, row + dim());
        }
      }
    });
    return out;
  }

  std::vector<float> HiddenStates(const std::vector<std::vector<int32_t> >& ids, int& seq_len) const override {
    c10::InferenceMode guard;
    std::vector<const std::vector<int32_t>*> batch;
    batch.reserve(ids.size());
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
    std::vector<std::vector<int32_t> > ids(16);
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
  void SetTokenCounts(const std::vector<uint64_t>& counts) override {
    if (opts_.pooling != "sif") return;
    double total = 0;
    for (uint64_t c : counts) total += double(c);
    std::vector<float> w(size_t(config_.vocab_size), 1.f);
    for (size_t i = 0; i < w.size(); ++i) {
      double p = i < counts.size() && total > 0 ? double(counts[i]) / total : 0.0;
      w[i] = float(opts_.sif_a / (opts_.sif_a + p));
    }
    sif_ = at::from_blob(w.data(), {int64_t(w.size())}, at::kFloat).clone();
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
      Throw(ErrorCode::kCorruption,
            "token id {} is outside the model's vocabulary ({} entries): vocab.txt and "
            "config.json disagree",
            mx, config_.vocab_size);
  }
  BertConfig config_;
  WordPieceTokenizer tok_;
  EncoderOptions opts_;
  bert::Weights w_;
  bool quantized_ = false;
  double quant_cos_ = -1;
  at::Tensor sif_;  // per-token pooling weights (sif pooling), undefined = plain mean
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
  if (!o.pooling.empty() && o.pooling != "mean" && o.pooling != "cls" && o.pooling != "sif")
    Throw(ErrorCode::kInvalidArgument, "pooling '{}': expected mean, cls or sif", o.pooling);
}

}  // namespace

std::unique_ptr<BertEncoder> BertEncoder::Load(const std::string& dir, const EncoderOptions& opts, const Context& ctx) {
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
