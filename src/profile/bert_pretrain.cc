// Masked-language-model pre-training of a small BERT from raw text, so the
// profiler works on a machine with no downloaded weights. The result is a
// Hugging Face BertForMaskedLM directory that BertEncoder::Load reads back.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <tuple>

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
PretrainReport PretrainBert(const std::vector<std::vector<std::string>>&, const std::string&, const PretrainOptions&,
                            const Context&) {
  Throw(ErrorCode::kUnsupported, "this build has no libtorch: pretraining is unavailable");
}
#else
namespace bert {

double ScheduledRate(double peak, double progress, double warmup) {
  progress = std::clamp(progress, 0.0, 1.0);
  if (progress < warmup) return peak * std::max(0.01, progress / warmup);
  return peak * std::max(0.05, (1.0 - progress) / std::max(1e-9, 1.0 - warmup));
}

double ClippedStep(torch::optim::Optimizer& opt, std::vector<at::Tensor>& params, const at::Tensor& loss, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
  opt.zero_grad();
  loss.backward();
  torch::nn::utils::clip_grad_norm_(params, 1.0);
  opt.step();
  return loss.item<double>();
}

std::pair<double, double> FirstLastMean(const std::vector<double>& v) {
  // Half of a short run each, so the two means never share a value.
  size_t k = std::min<size_t>(20, std::max<size_t>(1, v.size() / 2));
  if (v.empty()) return {0, 0};
  double first = 0, last = 0;
  for (size_t i = 0; i < k; ++i) {
    first += v[i] / double(k);
    last += v[v.size() - 1 - i] / double(k);
  }
  return {first, last};
}

}  // namespace bert

namespace {

std::vector<float> ToVector(const at::Tensor& t) {
  at::Tensor c = t.detach().contiguous().to(at::kFloat);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

PretrainReport PretrainBert(const std::vector<std::vector<std::string>>& text_groups, const std::string& out_dir,
                            const PretrainOptions& o, const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  if (o.hidden_size % o.num_heads)
    Throw(ErrorCode::kInvalidArgument, "hidden_size {} is not a multiple of num_heads {}", o.hidden_size, o.num_heads);
  PretrainReport rep;
  // 1. WordPiece vocabulary from the corpus' words.
  WordPieceTokenizer basic({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}, TokenizerConfig{});
  std::map<std::string, uint64_t> counts;
  for (const auto& g : text_groups)
    for (const auto& t : g)
      for (auto& w : basic.BasicTokenize(t)) ++counts[w];
  if (counts.empty()) Throw(ErrorCode::kInvalidArgument, "pretraining corpus has no words");
  WordPieceTokenizer tok(LearnWordPieceVocab(counts, size_t(o.vocab_size)), TokenizerConfig{});
  rep.vocab_size = tok.vocab_size();
  std::vector<std::vector<int32_t>> seqs;
  std::vector<std::vector<size_t>> groups;  // groups of >= 2 non-empty texts, as indices into seqs
  for (const auto& g : text_groups) {
    std::vector<size_t> members;
    for (const auto& t : g) {
      auto ids = tok.Encode(t, size_t(o.max_len));
      if (ids.size() <= 2) continue;
      rep.tokens += ids.size() - 2;
      members.push_back(seqs.size());
      seqs.push_back(std::move(ids));
    }
    if (members.size() >= 2) groups.push_back(std::move(members));
  }
  rep.texts = seqs.size();
  rep.groups = groups.size();
  if (seqs.empty()) Throw(ErrorCode::kInvalidArgument, "pretraining corpus has no non-empty text");
  ctx.log().info("pretrain: {} texts, {} tokens, vocabulary {}, {} groups of 2+ texts", rep.texts, rep.tokens,
                 rep.vocab_size, rep.groups);
  bool contrastive = o.contrastive_steps > 0 && groups.size() >= 2;
  // With a time cap, each stage has its share; the masked LM comes first.
  double mlm_seconds = o.max_seconds <= 0 ? 0 : contrastive ? o.max_seconds * (1 - o.contrastive_share) : o.max_seconds;

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
    // Decay by whichever budget runs out first, steps or seconds.
    double done = double(step) / double(o.steps);
    if (mlm_seconds > 0) done = std::max(done, elapsed() / mlm_seconds);
    double lr = bert::ScheduledRate(o.learning_rate, done, 0.1);
    at::Tensor hidden = bert::Forward(c, w, ids, mask);
    at::Tensor sel = labels.view({-1}).ne(-100).nonzero().squeeze(1);
    at::Tensor h = hidden.view({-1, H}).index_select(0, sel);
    h = at::layer_norm(bert::Activation(c, at::linear(h, head_w, head_b)), {H}, head_ln_w, head_ln_b, c.layer_norm_eps);
    at::Tensor logits = at::linear(h, w.word, out_bias);
    at::Tensor loss = torch::nn::functional::cross_entropy(logits, labels.view({-1}).index_select(0, sel));
    losses.push_back(bert::ClippedStep(opt, params, loss, lr));
    progress.Add();
    rep.steps = step + 1;
    if (mlm_seconds > 0 && elapsed() > mlm_seconds) {
      ctx.log().info("pretrain: masked LM stops at step {} after {:.1f}s (its time share)", step + 1, elapsed());
      break;
    }
  }
  progress.Finish();
  std::tie(rep.first_loss, rep.last_loss) = bert::FirstLastMean(losses);
  rep.mlm_seconds = elapsed();
  if (contrastive) {
    double left = o.max_seconds > 0 ? std::max(1.0, o.max_seconds - elapsed()) : 0;
    auto cs = bert::TrainContrastive(c, w, seqs, groups, tok.pad_id(), o, left, ctx);
    rep.contrastive_steps = cs.steps;
    rep.contrastive_first_loss = cs.first_loss;
    rep.contrastive_last_loss = cs.last_loss;
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
  ctx.log().info(
      "pretrain: {} steps, masked-LM loss {:.3f} -> {:.3f}; {} contrastive steps, loss {:.3f} -> {:.3f}; "
      "{:.1f}s; wrote {}",
      rep.steps, rep.first_loss, rep.last_loss, rep.contrastive_steps, rep.contrastive_first_loss,
      rep.contrastive_last_loss, rep.seconds, out_dir);
  return rep;
}
#endif

PretrainReport PretrainBert(const std::vector<std::string>& texts, const std::string& out_dir,
                            const PretrainOptions& opts, const Context& ctx) {
  std::vector<std::vector<std::string>> groups;
  groups.reserve(texts.size());
  for (const auto& t : texts) groups.push_back({t});
  return PretrainBert(groups, out_dir, opts, ctx);
}

}  // namespace adpilot
