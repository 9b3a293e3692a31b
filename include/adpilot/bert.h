// BERT-family text encoder: loads a Hugging Face directory (config.json,
// model.safetensors or pytorch_model.bin, vocab.txt, tokenizer_config.json,
// optional sentence-transformers pooling config) and turns texts into vectors
// on the CPU with libtorch; and pre-trains a small encoder from raw text
// (masked-language-model objective) written in the same layout.
// libtorch stays behind this header: none of its types appear here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/tokenizer.h"

namespace adpilot {

struct Context;
class OptionSet;

struct BertConfig {
  std::string model_type = "bert";
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 512;
  int type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  std::string hidden_act = "gelu";  // gelu (erf), gelu_new / gelu_pytorch_tanh, relu
  int pad_token_id = 0;

  // Throws kNotFound (missing), kCorruption (malformed JSON or field, naming
  // the file and key) or kUnsupported (not a BERT-family architecture).
  static BertConfig FromFile(const std::string& path);
  nlohmann::json ToJson() const;  // the Hugging Face config.json
  void Validate(const std::string& origin) const;
};

struct EncoderOptions {
  // "mean" or "cls"; empty: the model's sentence-transformers pooling config, else mean.
  // "sif": mean weighted per token by sif_a / (sif_a + p(token)) (Arora et al.
  // 2017), p from SetTokenWeights' counts; plain mean until they are set.
  std::string pooling;
  double sif_a = 1e-3;
  // L2-normalise each vector; also switched on by a sentence-transformers Normalize module.
  bool normalize = false;
  int max_len = 128;    // tokens per text including [CLS] and [SEP]
  int batch_size = 32;  // texts per forward pass (padded to the longest in the batch)
  // int8 dynamic quantisation of the linear layers, kept only if pooled vectors
  // of a calibration batch keep cosine >= 0.99 to fp32 (else fp32 and a warning).
  bool quantize = false;
  void Describe(OptionSet& opts);
};

// True when this build has libtorch (otherwise every encoder call is kUnsupported).
bool BertAvailable();

class BertEncoder {
 public:
  // Loads DIR. Tensor names may carry a "bert." prefix. Missing or mis-shaped
  // tensors are kCorruption errors naming the file and the tensor.
  static std::unique_ptr<BertEncoder> Load(const std::string& dir, const EncoderOptions& opts, const Context& ctx);
  // A randomly initialised encoder (benchmarks, tests), N(0, 0.02) weights.
  static std::unique_ptr<BertEncoder> Random(const BertConfig& config, WordPieceTokenizer tokenizer,
                                             const EncoderOptions& opts, uint64_t seed);
  virtual ~BertEncoder() = default;

  // One pooled vector per text. Texts are sorted by length into batches (dynamic
  // padding, attention masks); the forward pass uses ctx.threads threads.
  // Invalid UTF-8 throws kBadInput; an empty text encodes as [CLS] [SEP].
  virtual std::vector<std::vector<float>> Embed(const std::vector<std::string>& texts, const Context& ctx) const = 0;
  virtual std::vector<std::vector<float>> EmbedIds(const std::vector<std::vector<int32_t>>& ids,
                                                   const Context& ctx) const = 0;
  // Last-layer hidden states of one padded batch, [batch][seq][hidden] flattened
  // (seq = longest sequence); for checks against a reference implementation.
  virtual std::vector<float> HiddenStates(const std::vector<std::vector<int32_t>>& ids, int& seq_len) const = 0;

  virtual int dim() const = 0;
  virtual const BertConfig& config() const = 0;
  virtual const WordPieceTokenizer& tokenizer() const = 0;
  virtual const EncoderOptions& options() const = 0;
  // Token counts (indexed by id) for "sif" pooling; the weights are
  // sif_a / (sif_a + count / total). Not thread-safe against Embed.
  virtual void SetTokenCounts(const std::vector<uint64_t>& counts) = 0;
  // Whether int8 quantisation is in effect, and the calibration cosine (-1: not tried).
  virtual bool quantized() const = 0;
  virtual double quantization_cosine() const = 0;
};

struct PretrainOptions {
  int vocab_size = 4000;
  int hidden_size = 64;
  int num_layers = 2;
  int num_heads = 2;
  int intermediate_size = 128;
  int max_len = 64;
  int batch_size = 32;
  int steps = 600;
  double learning_rate = 2e-3;
  double mask_prob = 0.15;
  double max_seconds = 0;  // > 0: stop training after this long (both stages together)
  // Second stage, contrastive (no labels): the mean-pooled vectors of two
  // disjoint halves of one group's texts (a user's texts) are positives, the
  // other groups of the batch negatives (InfoNCE, both directions). Mean-pooled
  // vectors of a masked-LM-only model are dominated by frequent tokens; this
  // stage trains exactly the user vector the profiler computes.
  int contrastive_steps = 500;  // 0: masked LM only
  int contrastive_batch = 32;   // groups per step
  int contrastive_texts = 3;    // texts per half at most
  double contrastive_learning_rate = 5e-3;
  double temperature = 0.2;        // tuned on a generated world of another seed (docs/profile.md)
  double contrastive_share = 0.9;  // of max_seconds, when both stages run
  void Describe(OptionSet& opts);
};

struct PretrainReport {
  size_t texts = 0, tokens = 0, vocab_size = 0;
  int steps = 0;
  double first_loss = 0, last_loss = 0;  // masked-LM cross-entropy, mean of the first/last 20 steps
  size_t groups = 0;                     // groups with at least two texts (contrastive stage)
  int contrastive_steps = 0;
  double contrastive_first_loss = 0, contrastive_last_loss = 0;  // InfoNCE, mean of the first/last 20 steps
  double mlm_seconds = 0, seconds = 0;
};

// Learns a WordPiece vocabulary from `texts`, trains a BertForMaskedLM from
// random weights and writes OUT_DIR/{config.json, model.safetensors, vocab.txt,
// tokenizer_config.json} (Hugging Face layout). Throws kInvalidArgument for an
// empty corpus. `groups` are texts that belong together (one user's texts, one
// movie's tags); the contrastive stage uses groups of two or more texts.
PretrainReport PretrainBert(const std::vector<std::vector<std::string>>& groups, const std::string& out_dir,
                            const PretrainOptions& opts, const Context& ctx);
// Every text its own group (masked LM only).
PretrainReport PretrainBert(const std::vector<std::string>& texts, const std::string& out_dir,
                            const PretrainOptions& opts, const Context& ctx);
void to_json(nlohmann::json& j, const PretrainReport& r);

}  // namespace adpilot
