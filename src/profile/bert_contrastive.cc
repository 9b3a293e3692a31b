// Contrastive stage of pre-training: a user's texts, split in two halves, give
// two mean-pooled vectors that should be closer to each other than to the
// other users' halves in the batch (InfoNCE in both directions). No labels:
// only which texts belong to the same user (or item). Mean pooling of a
// masked-LM-only model is dominated by frequent tokens (anisotropy); this
// stage shapes exactly the vector the profiler uses, the mean over a user's
// texts of their mean-pooled encodings.
#ifdef ADPILOT_WITH_TORCH
#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

#include <torch/torch.h>

#include "adpilot/context.h"
#include "adpilot/progress.h"
#include "profile/bert_impl.h"

namespace adpilot::bert {

at::Tensor HalvesInfoNce(const at::Tensor& vectors, const std::vector<int64_t>& owner, size_t groups,
                         double temperature) {
  const int64_t G = int64_t(groups);
  // Mean of each half's text vectors: a [2G, T] averaging matrix.
  at::Tensor avg = torch::zeros({2 * G, int64_t(owner.size())});
  auto aa = avg.accessor<float, 2>();
  std::vector<int> count(size_t(2 * G), 0);
  for (int64_t o : owner) ++count[size_t(o)];
  for (size_t t = 0; t < owner.size(); ++t) aa[owner[t]][int64_t(t)] = 1.f / float(count[size_t(owner[t])]);
  // Centred on the batch mean before the cosine, as segments and lookalikes
  // centre user vectors: the common direction of all vectors carries no
  // information and would otherwise hold every logit near 1 / temperature.
  at::Tensor halves = at::matmul(avg, vectors);
  halves = halves - halves.mean(0, true);
  halves = halves / halves.norm(2, {1}, true).clamp_min(1e-9);
  at::Tensor a = halves.slice(0, 0, G), b = halves.slice(0, G, 2 * G);
  at::Tensor logits = at::matmul(a, b.t()) / temperature;
  at::Tensor target = torch::arange(G, torch::kLong);
  return (torch::nn::functional::cross_entropy(logits, target) +
          torch::nn::functional::cross_entropy(logits.t(), target)) /
         2;
}

HalvesSampler::HalvesSampler(const std::vector<std::vector<size_t>>& groups, size_t batch_groups, size_t per_half)
    : all_(groups), batch_groups_(batch_groups), per_half_(per_half), order_(groups.size()), cursor_(groups.size()) {
  std::iota(order_.begin(), order_.end(), size_t(0));
}

void HalvesSampler::Next(std::mt19937_64& rng, std::vector<size_t>& texts, std::vector<int64_t>& owner) {
  texts.clear(), owner.clear();
  const size_t G = batch_groups_;
  for (size_t g = 0; g < G; ++g) {
    if (cursor_ == order_.size()) {
      std::shuffle(order_.begin(), order_.end(), rng);
      cursor_ = 0;
    }
    std::vector<size_t> m = all_[order_[cursor_++]];
    std::shuffle(m.begin(), m.end(), rng);
    const size_t half = m.size() / 2;
    for (size_t i = 0; i < m.size(); ++i) {
      const bool second = i >= half;
      if ((second ? i - half : i) >= per_half_) continue;
      texts.push_back(m[i]);
      owner.push_back(int64_t(second ? G + g : g));
    }
  }
}

ContrastiveStats TrainContrastive(const BertConfig& c, Weights& w, const std::vector<std::vector<int32_t>>& seqs,
                                  const std::vector<std::vector<size_t>>& groups, int32_t pad, const PretrainOptions& o,
                                  double max_seconds, const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  std::vector<at::Tensor> params;
  for (auto& s : Slots(c, w)) params.push_back(*s.tensor);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.contrastive_learning_rate).weight_decay(0.01));
  auto rng = ctx.Rng("pretrain-contrastive");
  size_t G = std::min(groups.size(), size_t(o.contrastive_batch));
  size_t per_half = size_t(std::max(1, o.contrastive_texts));
  std::vector<double> losses;
  Progress progress(ctx, "contrastive", uint64_t(o.contrastive_steps), "steps");
  HalvesSampler sampler(groups, G, per_half);
  ContrastiveStats st;
  std::vector<size_t> texts;
  std::vector<int64_t> owner;  // row of the half (0..2G-1) each sequence belongs to
  for (int step = 0; step < o.contrastive_steps; ++step) {
    sampler.Next(rng, texts, owner);
    std::vector<const std::vector<int32_t>*> batch;
    for (size_t t : texts) batch.push_back(&seqs[t]);
    auto [ids, mask] = PadBatch(batch, pad);
    at::Tensor pooled = Pool(Forward(c, w, ids, mask), mask, false, false);  // [T, H]
    at::Tensor loss = HalvesInfoNce(pooled, owner, G, o.temperature);
    double done = double(step) / double(o.contrastive_steps);
    if (max_seconds > 0) done = std::max(done, elapsed() / max_seconds);
    losses.push_back(ClippedStep(opt, params, loss, ScheduledRate(o.contrastive_learning_rate, done, 0.1)));
    progress.Add();
    st.steps = step + 1;
    if (max_seconds > 0 && elapsed() > max_seconds) {
      ctx.log().info("pretrain: contrastive stage stops at step {} after {:.1f}s (its time share)", step + 1,
                     elapsed());
      break;
    }
  }
  progress.Finish();
  std::tie(st.first_loss, st.last_loss) = FirstLastMean(losses);
  return st;
}

}  // namespace adpilot::bert
#endif
