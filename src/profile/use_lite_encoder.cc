// USE-Lite's forward pass (adpilot/use_lite.h), as the TF.js graph computes it:
//   x0 = 2 * embedding(id) + [sin(t * inv), cos(t * inv)]   (t: the token's position)
//   layer 0: x1 = attn(LN(x0)) @ Wo + (x0 @ Wd + bd);  x2 = x1 + FFN(LN(x1))
//   layer 1: x3 = x2 + attn(LN(x2)) @ Wo;               x4 = x3 + FFN(LN(x3))
//   v = tanh(mean_t(x4) @ Wt + bt);  v / sqrt(max(|v|^2, eps))
// (the graph adds the embeddings to themselves once more beside the timing
// signal, hence the 2). Padding never reaches a real position in the graph
// (its keys get a -1e9 bias, the FFN runs on real tokens only), so the texts
// of a batch are packed end to end here: no padding, every dense layer one
// GEMM over the batch's tokens, attention per text and head.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <optional>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/progress.h"
#include "adpilot/use_lite.h"
#include "profile/use_lite_weights.h"

namespace adpilot {
namespace {

using use_lite::Dense;
using use_lite::Gemm;
using use_lite::Norm;

void AddBias(float* x, size_t rows, const std::vector<float>& b) {
  const size_t n = b.size();
  for (size_t r = 0; r < rows; ++r, x += n)
    for (size_t j = 0; j < n; ++j) x[j] += b[j];
}

// libtorch's quantised linear costs about a millisecond per call of fixed
// overhead: on fewer token rows than this fp32 is faster (bench_use_lite:
// int8 at batch 1 ran at 0.13x fp32), so int8 applies to larger calls only.
constexpr size_t kInt8MinRows = 64;

// y = x @ W + b (or y += when accumulate), in int8 when the layer has that form.
void Apply(const Dense& d, const float* x, size_t rows, float* y, bool accumulate = false) {
  if (d.int8 && rows >= kInt8MinRows) return d.int8->Apply(x, rows, y, accumulate);
  Gemm(int(rows), d.out, d.in, x, d.in, d.w.data(), d.out, y, d.out, accumulate);
  AddBias(y, rows, d.b);
}

void LayerNorm(const Norm& nm, const float* x, size_t rows, size_t dim, float eps, float* y) {
  for (size_t r = 0; r < rows; ++r, x += dim, y += dim) {
    float mean = 0;
    for (size_t j = 0; j < dim; ++j) mean += x[j];
    mean /= float(dim);
    float var = 0;
    for (size_t j = 0; j < dim; ++j) var += (x[j] - mean) * (x[j] - mean);
    var /= float(dim);
    const float inv = 1.0f / std::sqrt(var + eps);
    for (size_t j = 0; j < dim; ++j) y[j] = nm.scale[j] * inv * (x[j] - mean) + nm.bias[j];
  }
}

struct Batch {
  std::vector<size_t> start;  // token offset of each text; start.back() = tokens
  size_t texts() const { return start.size() - 1; }
  size_t tokens() const { return start.back(); }
  size_t len(size_t s) const { return start[s + 1] - start[s]; }
};

class UseLiteImpl : public UseLiteEncoder {
 public:
  UseLiteImpl(std::string dir, use_lite::Weights w, UseLiteTokenizer tok, UseLiteOptions opts)
      : dir_(std::move(dir)), w_(std::move(w)), tok_(std::move(tok)), opts_(opts) {}

  const UseLiteTokenizer& tokenizer() const override { return tok_; }
  const std::string& dir() const override { return dir_; }

  Matrix Embed(const std::vector<std::string>& texts, const Context& ctx) const override {
    std::vector<std::vector<int32_t>> ids(texts.size());
    ParallelFor(ctx.threads, texts.size(), [&](size_t b, size_t e, int) {
      for (size_t i = b; i < e; ++i) ids[i] = tok_.Encode(texts[i]);
    });
    return EmbedIds(ids, ctx);
  }

  Matrix EmbedIds(const std::vector<std::vector<int32_t>>& ids, const Context& ctx) const override {
    for (const auto& s : ids)
      for (int32_t id : s)
        if (id < 0 || id >= w_.vocab)
          Throw(ErrorCode::kInvalidArgument, "token id {} outside USE-Lite's vocabulary of {}", id, w_.vocab);
    Matrix out{ids.size(), size_t(kDim), std::vector<float>(ids.size() * size_t(kDim))};
    const size_t bs = size_t(std::max(1, opts_.batch_size));
    const size_t batches = (ids.size() + bs - 1) / bs;
    std::optional<use_lite::SingleThreadedTorch> torch;
    if (opts_.int8) torch.emplace();
    Progress progress(ctx, "use-lite", ids.size(), "texts");
    std::mutex mu;
    ParallelFor(std::min<int>(ctx.threads, int(std::max<size_t>(1, batches))), batches, [&](size_t b, size_t e, int) {
      use_lite::OneGemmThread one;
      for (size_t k = b; k < e; ++k) {
        size_t lo = k * bs, hi = std::min(ids.size(), lo + bs);
        Forward(ids, lo, hi, out.row(lo));
        std::lock_guard<std::mutex> lock(mu);
        progress.Add(hi - lo);
      }
    });
    return out;
  }

 private:
  // Texts [lo, hi) of `ids` into `dst` (hi - lo rows of kDim).
  void Forward(const std::vector<std::vector<int32_t>>& ids, size_t lo, size_t hi, float* dst) const {
    Batch bt;
    bt.start.push_back(0);
    for (size_t i = lo; i < hi; ++i)
      bt.start.push_back(bt.start.back() + std::min(ids[i].size(), size_t(w_.max_tokens)));
    const size_t n = bt.tokens(), e = size_t(w_.embed_dim), d = size_t(w_.dim);
    const size_t half = e / 2;
    std::vector<float> x0(n * e);
    for (size_t s = 0; s < bt.texts(); ++s)
      for (size_t t = 0; t < bt.len(s); ++t) {
        float* row = x0.data() + (bt.start[s] + t) * e;
        const float* emb = w_.embedding.data() + size_t(ids[lo + s][t]) * e;
        for (size_t j = 0; j < half; ++j) {
          const float a = float(t) * w_.inv_timescales[j];
          row[j] = 2 * emb[j] + std::sin(a);
          row[j + half] = 2 * emb[j + half] + std::cos(a);
        }
      }
    std::vector<float> x(n * d), h(n * std::max(e, d)), qkv, att, ffn;
    // Layer 0: its residual is projected from the embedding width to the model's.
    Layer(w_.layers[0], x0.data(), e, bt, h, qkv, att, x.data(), /*residual_is_input=*/false);
    Dense const& proj = w_.layers[0].residual;
    Apply(proj, x0.data(), n, x.data(), /*accumulate=*/true);
    Ffn(w_.layers[0], bt, x.data(), h, ffn);
    Layer(w_.layers[1], x.data(), d, bt, h, qkv, att, x.data(), /*residual_is_input=*/true);
    Ffn(w_.layers[1], bt, x.data(), h, ffn);
    // Mean over each text's tokens, then the tanh layer and L2 normalisation.
    std::vector<float> pooled(bt.texts() * d, 0.f);
    for (size_t s = 0; s < bt.texts(); ++s) {
      float* p = pooled.data() + s * d;
      for (size_t t = bt.start[s]; t < bt.start[s + 1]; ++t)
        for (size_t j = 0; j < d; ++j) p[j] += x[t * d + j];
      const float count = float(std::max<size_t>(1, bt.len(s)));
      for (size_t j = 0; j < d; ++j) p[j] /= count;
    }
    Apply(w_.tanh, pooled.data(), bt.texts(), dst);
    for (size_t s = 0; s < bt.texts(); ++s) {
      float* v = dst + s * size_t(kDim);
      float ss = 0;
      for (size_t j = 0; j < size_t(kDim); ++j) {
        v[j] = std::tanh(v[j]);
        ss += v[j] * v[j];
      }
      const float inv = 1.0f / std::sqrt(std::max(ss, w_.l2_eps));
      for (size_t j = 0; j < size_t(kDim); ++j) v[j] *= inv;
    }
  }

  // Attention block: y = attn(LN(x)) @ Wo + bo, added to y when residual_is_input
  // (y == x then), written to y otherwise (layer 0 adds its projected residual after).
  void Layer(const use_lite::Layer& L, const float* x, size_t in, const Batch& bt, std::vector<float>& h,
             std::vector<float>& qkv, std::vector<float>& att, float* y, bool residual_is_input) const {
    const size_t n = bt.tokens(), width = size_t(L.heads * L.depth), dk = size_t(L.depth);
    LayerNorm(L.attn_norm, x, n, in, w_.norm_eps, h.data());
    qkv.resize(n * 3 * width);
    Apply(L.qkv, h.data(), n, qkv.data());
    att.resize(n * width);
    std::vector<float> logits;
    const size_t ld = 3 * width;
    for (size_t s = 0; s < bt.texts(); ++s) {
      const size_t len = bt.len(s);
      if (!len) continue;
      float* base = qkv.data() + bt.start[s] * ld;
      logits.resize(len * len);
      for (int head = 0; head < L.heads; ++head) {
        float* q = base + size_t(head) * dk;
        const float* k = base + width + size_t(head) * dk;
        const float* v = base + 2 * width + size_t(head) * dk;
        for (size_t t = 0; t < len; ++t)
          for (size_t j = 0; j < dk; ++j) q[t * ld + j] *= L.query_scale;
        Gemm(int(len), int(len), int(dk), q, int(ld), k, int(ld), logits.data(), int(len), false, /*trans_b=*/true);
        for (size_t r = 0; r < len; ++r) {
          float* row = logits.data() + r * len;
          const float mx = *std::max_element(row, row + len);
          float sum = 0;
          for (size_t c = 0; c < len; ++c) sum += (row[c] = std::exp(row[c] - mx));
          for (size_t c = 0; c < len; ++c) row[c] /= sum;
        }
        Gemm(int(len), int(dk), int(len), logits.data(), int(len), v, int(ld),
             att.data() + bt.start[s] * width + size_t(head) * dk, int(width), false);
      }
    }
    Apply(L.out, att.data(), n, y, residual_is_input);
  }

  // x += FFN(LN(x)).
  void Ffn(const use_lite::Layer& L, const Batch& bt, float* x, std::vector<float>& h, std::vector<float>& f) const {
    const size_t n = bt.tokens(), d = size_t(w_.dim);
    LayerNorm(L.ffn_norm, x, n, d, w_.norm_eps, h.data());
    f.resize(n * size_t(L.ffn1.out));
    Apply(L.ffn1, h.data(), n, f.data());
    for (float& v : f) v = std::max(v, 0.f);
    Apply(L.ffn2, f.data(), n, x, /*accumulate=*/true);
  }

  std::string dir_;
  use_lite::Weights w_;
  UseLiteTokenizer tok_;
  UseLiteOptions opts_;
};

}  // namespace

std::shared_ptr<UseLiteEncoder> UseLiteEncoder::Load(const std::string& model, const UseLiteOptions& opts) {
  const std::string dir = UseLiteDir(model);
  use_lite::Weights w = use_lite::LoadWeights(dir);
  if (w.dim != kDim) Throw(ErrorCode::kBadInput, "{}/model.json: output width {}, expected {}", dir, w.dim, kDim);
  UseLiteTokenizer tok = UseLiteTokenizer::Load((std::filesystem::path(dir) / "vocab.json").string());
  if (tok.size() > size_t(w.vocab))
    Throw(ErrorCode::kBadInput, "{}: vocab.json has {} pieces, the embedding {} rows", dir, tok.size(), w.vocab);
  if (opts.int8) use_lite::Quantize(w);
  return std::make_shared<UseLiteImpl>(dir, std::move(w), std::move(tok), opts);
}

}  // namespace adpilot
