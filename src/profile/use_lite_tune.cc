// Fine-tuning USE-Lite (adpilot/use_lite.h): the weights go into libtorch
// tensors, a padded-batch forward pass computes what use_lite_encoder.cc does
// on packed texts (checked against it in tests/profile/use_lite_test.cc), the
// contrastive stage of `profile pretrain` trains them, and SaveWeights writes
// them back in the TF.js layout the encoder loads.
#ifdef ADPILOT_WITH_TORCH
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include <torch/torch.h>

#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/progress.h"
#include "adpilot/use_lite.h"
#include "profile/bert_impl.h"
#include "profile/use_lite_weights.h"

namespace adpilot {
// Named, not anonymous: this file shares a unity translation unit with the
// BERT files (adpilot_torch_group).
namespace use_lite_tune {

using use_lite::Dense;
using use_lite::Norm;

at::Tensor T(const std::vector<float>& v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone().requires_grad_(true);
}

void Back(const at::Tensor& t, std::vector<float>& v) {
  at::Tensor c = t.detach().contiguous();
  std::copy(c.data_ptr<float>(), c.data_ptr<float>() + c.numel(), v.begin());
}

struct TDense {
  at::Tensor w, b;  // [in, out], [out]
  at::Tensor operator()(const at::Tensor& x) const { return at::matmul(x, w) + b; }
};
struct TNorm {
  at::Tensor scale, bias;
};
struct TLayer {
  TNorm attn_norm, ffn_norm;
  TDense qkv, out, ffn1, ffn2;
};

class TorchUseLite {
 public:
  explicit TorchUseLite(const use_lite::Weights& w) : w_(w) {
    embedding_ = T(w.embedding, {w.vocab, w.embed_dim});
    for (int l = 0; l < 2; ++l) {
      const auto& L = w.layers[l];
      layers_[l] = {N(L.attn_norm), N(L.ffn_norm), D(L.qkv), D(L.out), D(L.ffn1), D(L.ffn2)};
    }
    residual_ = D(w.layers[0].residual);
    tanh_ = D(w.tanh);
    inv_ = torch::from_blob(const_cast<float*>(w.inv_timescales.data()), {int64_t(w.inv_timescales.size())},
                            torch::kFloat32)
               .clone();
  }

  std::vector<at::Tensor> Parameters() const {
    std::vector<at::Tensor> p = {embedding_, residual_.w, residual_.b, tanh_.w, tanh_.b};
    for (const auto& L : layers_)
      for (const at::Tensor& t : {L.attn_norm.scale, L.attn_norm.bias, L.ffn_norm.scale, L.ffn_norm.bias, L.qkv.w,
                                  L.qkv.b, L.out.w, L.out.b, L.ffn1.w, L.ffn1.b, L.ffn2.w, L.ffn2.b})
        p.push_back(t);
    return p;
  }

  // ids [B, T] (pad anything), mask [B, T] (1 = token): unit vectors [B, 512].
  at::Tensor Forward(const at::Tensor& ids, const at::Tensor& mask) const {
    const int64_t len = ids.size(1);
    at::Tensor pos = torch::arange(len, torch::kFloat32).unsqueeze(1) * inv_.unsqueeze(0);  // [T, e/2]
    at::Tensor timing = torch::cat({pos.sin(), pos.cos()}, 1);
    at::Tensor x0 = 2 * embedding_.index_select(0, ids.reshape({-1})).reshape({ids.size(0), len, -1}) + timing;
    // Padded keys get the graph's -1e9 bias; padded queries are never pooled.
    at::Tensor bias = (1 - mask).unsqueeze(1).unsqueeze(1) * -1e9f;  // [B, 1, 1, T]
    at::Tensor x = Attention(0, x0, bias) + residual_(x0);
    x = x + Ffn(0, x);
    x = x + Attention(1, x, bias);
    x = x + Ffn(1, x);
    at::Tensor m = mask.unsqueeze(2);
    at::Tensor pooled = (x * m).sum(1) / m.sum(1).clamp_min(1);
    at::Tensor v = torch::tanh(tanh_(pooled));
    return v / (v * v).sum(1, true).clamp_min(w_.l2_eps).sqrt();
  }

  void CopyBack(use_lite::Weights& w) const {
    Back(embedding_, w.embedding);
    for (int l = 0; l < 2; ++l) {
      auto& L = w.layers[l];
      const TLayer& t = layers_[l];
      Back(t.attn_norm.scale, L.attn_norm.scale), Back(t.attn_norm.bias, L.attn_norm.bias);
      Back(t.ffn_norm.scale, L.ffn_norm.scale), Back(t.ffn_norm.bias, L.ffn_norm.bias);
      for (auto [td, d] : {std::pair{&t.qkv, &L.qkv}, {&t.out, &L.out}, {&t.ffn1, &L.ffn1}, {&t.ffn2, &L.ffn2}})
        Back(td->w, d->w), Back(td->b, d->b);
    }
    Back(residual_.w, w.layers[0].residual.w), Back(residual_.b, w.layers[0].residual.b);
    Back(tanh_.w, w.tanh.w), Back(tanh_.b, w.tanh.b);
  }

 private:
  static TDense D(const Dense& d) { return {T(d.w, {d.in, d.out}), T(d.b, {d.out})}; }
  static TNorm N(const Norm& n) { return {T(n.scale, {int64_t(n.scale.size())}), T(n.bias, {int64_t(n.bias.size())})}; }
  at::Tensor LayerNorm(const TNorm& n, const at::Tensor& x) const {
    return torch::layer_norm(x, {x.size(2)}, n.scale, n.bias, w_.norm_eps);
  }
  at::Tensor Attention(int l, const at::Tensor& x, const at::Tensor& bias) const {
    const auto& L = w_.layers[l];
    const TLayer& t = layers_[l];
    const int64_t B = x.size(0), len = x.size(1), width = int64_t(L.heads) * L.depth;
    at::Tensor qkv = t.qkv(LayerNorm(t.attn_norm, x));  // [B, T, 3 width]
    auto heads = [&](int64_t part) {
      return qkv.slice(2, part * width, (part + 1) * width).reshape({B, len, L.heads, L.depth}).transpose(1, 2);
    };
    at::Tensor q = heads(0) * L.query_scale, k = heads(1), v = heads(2);  // [B, H, T, dk]
    at::Tensor att = torch::softmax(at::matmul(q, k.transpose(2, 3)) + bias, 3);
    at::Tensor ctx = at::matmul(att, v).transpose(1, 2).reshape({B, len, width});
    return t.out(ctx);
  }
  at::Tensor Ffn(int l, const at::Tensor& x) const {
    const TLayer& t = layers_[l];
    return t.ffn2(torch::relu(t.ffn1(LayerNorm(t.ffn_norm, x))));
  }

  const use_lite::Weights& w_;
  at::Tensor embedding_, inv_;
  TLayer layers_[2];
  TDense residual_, tanh_;
};

std::pair<at::Tensor, at::Tensor> Pad(const std::vector<const std::vector<int32_t>*>& batch, int max_tokens) {
  size_t len = 1;
  for (const auto* s : batch) len = std::max(len, std::min(s->size(), size_t(max_tokens)));
  at::Tensor ids = torch::zeros({int64_t(batch.size()), int64_t(len)}, torch::kLong);
  at::Tensor mask = torch::zeros({int64_t(batch.size()), int64_t(len)}, torch::kFloat32);
  auto ia = ids.accessor<int64_t, 2>();
  auto ma = mask.accessor<float, 2>();
  for (size_t b = 0; b < batch.size(); ++b)
    for (size_t t = 0; t < std::min(batch[b]->size(), size_t(max_tokens)); ++t) {
      ia[int64_t(b)][int64_t(t)] = (*batch[b])[t];
      ma[int64_t(b)][int64_t(t)] = 1;
    }
  return {ids, mask};
}

}  // namespace use_lite_tune

using use_lite_tune::Pad;
using use_lite_tune::TorchUseLite;

std::vector<std::vector<float>> UseLiteTorchForward(const std::string& model,
                                                    const std::vector<std::vector<int32_t>>& ids) {
  use_lite::Weights w = use_lite::LoadWeights(UseLiteDir(model));
  TorchUseLite m(w);
  torch::NoGradGuard no_grad;
  std::vector<const std::vector<int32_t>*> batch;
  for (const auto& s : ids) batch.push_back(&s);
  auto [t, mask] = Pad(batch, w.max_tokens);
  at::Tensor v = m.Forward(t, mask).contiguous();
  std::vector<std::vector<float>> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const float* row = v[int64_t(i)].data_ptr<float>();
    out[i].assign(row, row + v.size(1));
  }
  return out;
}

UseLiteTuneReport FineTuneUseLite(const std::string& model, const std::vector<std::vector<std::string>>& text_groups,
                                  const std::string& out_dir, const PretrainOptions& o, const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const std::string src = UseLiteDir(model);
  if (std::filesystem::exists(out_dir) && std::filesystem::equivalent(src, out_dir))
    Throw(ErrorCode::kInvalidArgument, "{}: the fine-tuned model would overwrite the one it starts from", out_dir);
  auto encoder = UseLiteEncoder::Load(src);
  use_lite::Weights w = use_lite::LoadWeights(src);
  UseLiteTuneReport rep;
  std::vector<std::vector<int32_t>> seqs;
  std::vector<std::vector<size_t>> groups;
  for (const auto& g : text_groups) {
    std::vector<size_t> members;
    for (const auto& t : g) {
      std::vector<int32_t> ids = encoder->tokenizer().Encode(t);
      if (ids.empty()) continue;
      members.push_back(seqs.size());
      seqs.push_back(std::move(ids));
    }
    if (members.size() >= 2) groups.push_back(std::move(members));
  }
  rep.texts = seqs.size();
  rep.groups = groups.size();
  if (groups.size() < 2)
    Throw(ErrorCode::kInvalidArgument,
          "fine-tuning USE-Lite needs at least 2 users (groups) with 2 or more texts each; the corpus has {}",
          groups.size());
  if (o.contrastive_steps < 1) Throw(ErrorCode::kInvalidArgument, "--contrastive-steps must be at least 1 with --init");
  ctx.log().info("fine-tune use-lite: {} texts in {} groups of 2+ texts, {} contrastive steps", rep.texts, rep.groups,
                 o.contrastive_steps);
  torch::manual_seed(ctx.SubSeed("use-lite-tune"));
  TorchUseLite m(w);
  std::vector<at::Tensor> params = m.Parameters();
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.contrastive_learning_rate).weight_decay(0.01));
  auto rng = ctx.Rng("use-lite-tune");
  const size_t G = std::min(groups.size(), size_t(std::max(2, o.contrastive_batch)));
  const size_t per_half = size_t(std::max(1, o.contrastive_texts));
  bert::HalvesSampler sampler(groups, G, per_half);
  std::vector<double> losses;
  Progress progress(ctx, "fine-tune use-lite", uint64_t(o.contrastive_steps), "steps");
  progress.Begin();
  std::vector<size_t> texts;
  std::vector<int64_t> owner;
  for (int step = 0; step < o.contrastive_steps; ++step) {
    // Each group's texts in two halves: the halves' mean vectors are positives,
    // the batch's other groups negatives (InfoNCE both ways), as the BERT
    // contrastive stage does.
    sampler.Next(rng, texts, owner);
    std::vector<const std::vector<int32_t>*> batch;
    for (size_t t : texts) batch.push_back(&seqs[t]);
    auto [ids, mask] = Pad(batch, w.max_tokens);
    at::Tensor v = m.Forward(ids, mask);
    at::Tensor loss = bert::HalvesInfoNce(v, owner, G, o.temperature);
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, 1.0);
    // Linear decay after a 10% warm-up: a pretrained model needs small first steps.
    double done = double(step) / double(o.contrastive_steps);
    if (o.max_seconds > 0) done = std::max(done, elapsed() / o.max_seconds);
    const double lr = o.contrastive_learning_rate * (done < 0.1 ? (done + 0.01) / 0.11 : (1 - done) / 0.9);
    for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(std::max(0.0, lr));
    opt.step();
    losses.push_back(loss.item<double>());
    progress.Advance();
    rep.steps = step + 1;
    if (o.max_seconds > 0 && elapsed() > o.max_seconds) {
      ctx.log().info("fine-tune use-lite: stops at step {} after {:.1f}s (--max-seconds)", step + 1, elapsed());
      break;
    }
  }
  progress.Finish();
  std::tie(rep.first_loss, rep.last_loss) = bert::FirstLastMean(losses);
  m.CopyBack(w);
  use_lite::SaveWeights(w, src, out_dir);
  rep.seconds = elapsed();
  ctx.log().info("fine-tune use-lite: InfoNCE {:.3f} -> {:.3f} in {} steps, {:.1f}s; wrote {}", rep.first_loss,
                 rep.last_loss, rep.steps, rep.seconds, out_dir);
  return rep;
}

}  // namespace adpilot
#else
#include "adpilot/error.h"
#include "adpilot/use_lite.h"

namespace adpilot {

std::vector<std::vector<float>> UseLiteTorchForward(const std::string&, const std::vector<std::vector<int32_t>>&) {
  Throw(ErrorCode::kUnsupported, "this adpilot was built without libtorch: USE-Lite cannot be fine-tuned");
}

UseLiteTuneReport FineTuneUseLite(const std::string&, const std::vector<std::vector<std::string>>&, const std::string&,
                                  const PretrainOptions&, const Context&) {
  Throw(ErrorCode::kUnsupported, "this adpilot was built without libtorch: USE-Lite cannot be fine-tuned");
}

}  // namespace adpilot
#endif
