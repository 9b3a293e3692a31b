// libtorch internals of the BERT encoder, shared by the translation units
// that include torch (bert.cc: loading and inference; bert_pretrain.cc:
// masked-LM training; use_lite_tune.cc: the contrastive loss). Nothing else
// may include this header.
#pragma once

#include <random>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/native/quantized/PackedParams.h>

#include "adpilot/bert.h"

namespace adpilot::bert {

struct LayerWeights {
  at::Tensor q_w, q_b, k_w, k_b, v_w, v_b, ao_w, ao_b, ln1_w, ln1_b, i_w, i_b, o_w, o_b, ln2_w, ln2_b;
  // int8 prepacked query, key, value, attention output, intermediate, output; empty = float32.
  std::vector<c10::intrusive_ptr<LinearPackedParamsBase>> packed;
};

struct Weights {
  at::Tensor word, pos, type, ln_w, ln_b;
  std::vector<LayerWeights> layers;
};

// Hugging Face BertModel parameter names (no "bert." prefix) with the slot
// that holds each and its expected shape.
struct Slot {
  std::string name;
  at::Tensor* tensor;
  std::vector<int64_t> shape;
};
std::vector<Slot> Slots(const BertConfig& c, Weights& w);

// Last hidden states [B, L, H] for ids [B, L] (int64) and mask [B, L] (float, 1 = token).
at::Tensor Forward(const BertConfig& c, const Weights& w, const at::Tensor& ids, const at::Tensor& mask);

// Mean over unmasked tokens (sentence-transformers) or the [CLS] vector; optional L2.
at::Tensor Pool(const at::Tensor& hidden, const at::Tensor& mask, bool cls, bool normalize);

// Pads id sequences into ids [B, L] and mask [B, L].
std::pair<at::Tensor, at::Tensor> PadBatch(const std::vector<const std::vector<int32_t>*>& seqs, int32_t pad);

at::Tensor Activation(const BertConfig& c, const at::Tensor& x);

// Below this size one intra-op thread is faster than several (synchronisation
// dominates); parallelism then comes from independent batches.
bool SmallModel(const BertConfig& c);

// Replaces the float linear layers by int8 dynamically quantised ones
// (symmetric per-tensor weights; activations quantised per call). Throws
// kUnsupported when this libtorch has no quantised engine.
void QuantizeLinears(Weights& w);
void DropQuantization(Weights& w);

// Pre-training learning rate at `progress` in [0, 1] (the larger of the step
// and the time fraction used): linear warm-up over the first `warmup` share,
// then linear decay to 5% of `peak`.
double ScheduledRate(double peak, double progress, double warmup);

}  // namespace adpilot::bert
namespace torch::optim {
class Optimizer;
}
namespace adpilot::bert {

// One step of both pre-training stages: the AdamW learning rate set to `lr`,
// backward, gradients clipped to norm 1, step. Returns the loss.
double ClippedStep(torch::optim::Optimizer& opt, std::vector<at::Tensor>& params, const at::Tensor& loss, double lr);

// The contrastive stage (bert_contrastive.cc): `groups` index `seqs` (token
// ids); groups of two or more sequences are split into two random halves whose
// mean-pooled vectors are positives, other groups in-batch negatives.
// Trains the encoder weights `w` in place, for `o.contrastive_steps` steps or
// `max_seconds` (> 0).
struct ContrastiveStats {
  int steps = 0;
  double first_loss = 0, last_loss = 0;
};
ContrastiveStats TrainContrastive(const BertConfig& c, Weights& w, const std::vector<std::vector<int32_t>>& seqs,
                                  const std::vector<std::vector<size_t>>& groups, int32_t pad, const PretrainOptions& o,
                                  double max_seconds, const Context& ctx);

// The contrastive stage's loss: `vectors` [T, H] are the texts of a batch,
// owner[t] in [0, 2G) the half each belongs to (rows g and G + g are
// group g's two halves). Each half is the mean of its texts,
// centred on the batch mean and unit-normalised; InfoNCE in both directions
// at `temperature`.
at::Tensor HalvesInfoNce(const at::Tensor& vectors, const std::vector<int64_t>& owner, size_t groups,
                         double temperature);

// The contrastive stage's batches: `groups` (indices of texts) drawn without
// replacement within an epoch, so no group is its own negative; each group's
// texts shuffled and split in two halves of at most `per_half` texts.
class HalvesSampler {
 public:
  HalvesSampler(const std::vector<std::vector<size_t>>& groups, size_t batch_groups, size_t per_half);
  size_t groups() const { return batch_groups_; }  // G: halves g and G + g are group g's
  // The texts of the next batch and the half (0..2G-1) each belongs to.
  void Next(std::mt19937_64& rng, std::vector<size_t>& texts, std::vector<int64_t>& owner);

 private:
  const std::vector<std::vector<size_t>>& all_;
  size_t batch_groups_, per_half_;
  std::vector<size_t> order_;
  size_t cursor_;
};

// Mean of the first and of the last 20 values (half of them each when fewer than 40).
std::pair<double, double> FirstLastMean(const std::vector<double>& v);

}  // namespace adpilot::bert
