// Masked-language-model pre-training of a small BERT from raw text, so the
// profiler works on a machine with no downloaded weights. The result is a
// Hugging Face BertForMaskedLM directory that BertEncoder::Load reads back.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/progress.h"
#include "adpilot/safetensors.h"

#ifdef ADPILOT_WITH_TORCH
#include <torch/torch.h>

#include "profile/bert_impl.h"
#endif

namespace adpilot {

#ifndef ADPILOT_WITH_TORCH
PretrainReport PretrainBert(const std::vector<std::string>&, const std::string&, const PretrainOptions&,
                            const Context&) {
  Throw(ErrorCode::kUnsupported, "this build has no libtorch: pretraining is unavailable");
}
#else
namespace {

std::vector<float> ToVector(const at::Tensor& t) {
  at::Tensor c = t.detach().contiguous().to(at::kFloat);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

PretrainReport PretrainBert(const std::vector<std::string>& texts, const std::string& out_dir,
                            const PretrainOptions& o, const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  if (o.hidden_size % o.num_heads)
    Throw(ErrorCode::kInvalidArgument, "hidden_size {} is not a multiple of num_heads {}", o.hidden_size, o.num_heads);
  PretrainReport rep;
  // 1. WordPiece vocabulary from the corpus' words.
  WordPieceTokenizer basic({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}, TokenizerConfig{});
  std::map<std::string, uint64_t> counts;
  for (const auto& t : texts)
    for (auto& w : basic.BasicTokenize(t)) ++counts[w];
  if (counts.empty()) Throw(ErrorCode::kInvalidArgument, "pretraining corpus has no words");
  WordPieceTokenizer tok(LearnWordPieceVocab(counts, size_t(o.vocab_size)), TokenizerConfig{});
  rep.vocab_size = tok.vocab_size();
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& t : texts) {
    auto ids = tok.Encode(t, size_t(o.max_len));
    if (ids.size() > 2) {
      rep.tokens += ids.size() - 2;
      seqs.push_back(std::move(ids));
    }
  }
  rep.texts = seqs.size();
  if (seqs.empty()) Throw(ErrorCode::kInvalidArgument, "pretraining corpus has no non-empty text");
  ctx.log().info("pretrain: {} texts, {} tokens, vocabulary {}", rep.texts, rep.tokens, rep.vocab_size);

  // 2. Model: BertModel weights plus the masked-LM head (decoder tied to the word embeddings).
  BertConfig c;
  c.vocab_size = int(tok.vocab_size());
  c.hidden_size = o.hidden_size;
  c.num_hidden_layers = o.num_layers;
  c.num_attention_heads = o.num_heads;
  c.intermediate_size = o.intermediate_size;
  c.max_position_embeddings = o.max_len;
  c.pad_token_id = tok.pad_id();
  // A small model trains fastest on one thread: a step's matrices are too small
  // to repay OpenMP synchronisation (measured 5x slower on 2 busy cores).
  at::set_num_threads(bert::SmallModel(c) ? 1 : std::max(1, ctx.threads));
  torch::manual_seed(ctx.SubSeed("pretrain-init"));
  bert::Weights w;
  auto slots = bert::Slots(c, w);
  std::vector<at::Tensor> params;
  auto init = [&](const std::vector<int64_t>& shape, const std::string& name) {
    bool ln_w = name.find("LayerNorm.weight") != std::string::npos;
    bool bias = name.find("bias") != std::string::npos;
    at::Tensor t = ln_w ? torch::ones(shape) : bias ? torch::zeros(shape) : torch::randn(shape) * 0.02;
    t.set_requires_grad(true);
    params.push_back(t);
    return t;
  };
  for (auto& s : slots) *s.tensor = init(s.shape, s.name);
  int64_t H = c.hidden_size;
  at::Tensor head_w = init({H, H}, "cls.dense.weight"), head_b = init({H}, "cls.dense.bias");
  at::Tensor head_ln_w = init({H}, "LayerNorm.weight"), head_ln_b = init({H}, "LayerNorm.bias");
  at::Tensor out_bias = init({c.vocab_size}, "cls.bias");
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.learning_rate).weight_decay(0.01));

  // 3. Training: 15% of tokens chosen; 80% -> [MASK], 10% -> random, 10% kept.
  auto rng = ctx.Rng("pretrain-batches");
  std::uniform_real_distribution<double> u01(0, 1);
  std::uniform_int_distribution<int32_t> rand_tok(5, c.vocab_size - 1);
  std::vector<double> losses;
  Progress progress(ctx, "pretrain", uint64_t(o.steps), "steps");
  int warmup = std::max(1, o.steps / 10);
  for (int step = 0; step < o.steps; ++step) {
    std::vector<const std::vector<int32_t>*> batch;
    for (int b = 0; b < o.batch_size; ++b) batch.push_back(&seqs[rng() % seqs.size()]);
    auto [ids, mask] = bert::PadBatch(batch, tok.pad_id());
    at::Tensor labels = torch::full_like(ids, -100);
    auto ia = ids.accessor<int64_t, 2>();
    auto la = labels.accessor<int64_t, 2>();
    for (int64_t b = 0; b < ids.size(0); ++b) {
      int64_t n = int64_t(batch[size_t(b)]->size());
      bool any = false;
      for (int64_t t = 1; t + 1 < n; ++t) {
        if (u01(rng) >= o.mask_prob) continue;
        any = true;
        la[b][t] = ia[b][t];
        double r = u01(rng);
        if (r < 0.8) ia[b][t] = tok.mask_id();
        else if (r < 0.9) ia[b][t] = rand_tok(rng);
      }
      if (!any && n > 2) {  // every sequence teaches something
        int64_t t = 1 + int64_t(rng() % uint64_t(n - 2));
        la[b][t] = ia[b][t];
        ia[b][t] = tok.mask_id();
      }
    }
    double lr = step < warmup ? o.learning_rate * (step + 1) / warmup
                              : o.learning_rate * std::max(0.05, double(o.steps - step) / double(o.steps - warmup));
    for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    at::Tensor hidden = bert::Forward(c, w, ids, mask);
    at::Tensor sel = labels.view({-1}).ne(-100).nonzero().squeeze(1);
    at::Tensor h = hidden.view({-1, H}).index_select(0, sel);
    h = at::layer_norm(bert::Activation(c, at::linear(h, head_w, head_b)), {H}, head_ln_w, head_ln_b,
                       c.layer_norm_eps);
    at::Tensor logits = at::linear(h, w.word, out_bias);
    at::Tensor loss = torch::nn::functional::cross_entropy(logits, labels.view({-1}).index_select(0, sel));
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, 1.0);
    opt.step();
    losses.push_back(loss.item<double>());
    progress.Add();
    rep.steps = step + 1;
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (o.max_seconds > 0 && elapsed > o.max_seconds) {
      ctx.log().info("pretrain: stopping at step {} after {:.1f}s (max_seconds)", step + 1, elapsed);
      break;
    }
  }
  progress.Finish();
  size_t k = std::min<size_t>(20, losses.size());
  for (size_t i = 0; i < k; ++i) {
    rep.first_loss += losses[i] / double(k);
    rep.last_loss += losses[losses.size() - 1 - i] / double(k);
  }

  // 4. Hugging Face BertForMaskedLM layout.
  std::filesystem::create_directories(out_dir);
  std::vector<NamedTensor> out;
  for (auto& s : slots) out.push_back({"bert." + s.name, s.shape, ToVector(*s.tensor)});
  out.push_back({"cls.predictions.transform.dense.weight", {H, H}, ToVector(head_w)});
  out.push_back({"cls.predictions.transform.dense.bias", {H}, ToVector(head_b)});
  out.push_back({"cls.predictions.transform.LayerNorm.weight", {H}, ToVector(head_ln_w)});
  out.push_back({"cls.predictions.transform.LayerNorm.bias", {H}, ToVector(head_ln_b)});
  out.push_back({"cls.predictions.bias", {c.vocab_size}, ToVector(out_bias)});
  out.push_back({"cls.predictions.decoder.weight", {c.vocab_size, H}, ToVector(w.word)});
  WriteSafetensors(out_dir + "/model.safetensors", out);
  WriteFileAtomic(out_dir + "/config.json", c.ToJson().dump(2) + "\n");
  tok.Save(out_dir);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ctx.log().info("pretrain: {} steps, masked-LM loss {:.3f} -> {:.3f}, {:.1f}s; wrote {}", rep.steps,
                 rep.first_loss, rep.last_loss, rep.seconds, out_dir);
  return rep;
}
#endif

}  // namespace adpilot
