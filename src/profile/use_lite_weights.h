// Internal to the profile stage: USE-Lite's tensors read out of a TF.js graph
// model (model.json's weightsManifest over its binary shards), and the small
// GEMM the forward pass runs on (oneDNN's sgemm when the build has it, else Eigen's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace adpilot::use_lite {

// A dense layer's int8 form (libtorch's dynamically quantised linear: int8
// weights per output channel, activations quantised per call).
class QuantizedDense {
 public:
  virtual ~QuantizedDense() = default;
  // y = x @ W + b (y += with accumulate), x: rows x in, y: rows x out.
  virtual void Apply(const float* x, size_t rows, float* y, bool accumulate) const = 0;
};

struct Dense {
  std::string w_name, b_name;  // the tensors' names in model.json (SaveWeights writes them back)
  int in = 0, out = 0;
  std::vector<float> w;                        // in x out, row-major (x @ w)
  std::vector<float> b;                        // out
  std::shared_ptr<const QuantizedDense> int8;  // set by Quantize
};

struct Norm {
  std::string scale_name, bias_name;
  std::vector<float> scale, bias;
};

struct Layer {
  Norm attn_norm, ffn_norm;
  Dense qkv, out, ffn1, ffn2;
  Dense residual;  // layer 0 only: the residual input projected to the wider stream
  int heads = 0, depth = 0;
  float query_scale = 0;
};

struct Weights {
  int vocab = 0, embed_dim = 0, dim = 0, max_tokens = 0;
  std::string embedding_name;
  std::vector<float> embedding;       // vocab x embed_dim
  std::vector<float> inv_timescales;  // embed_dim / 2
  Layer layers[2];
  Dense tanh;
  float norm_eps = 0, l2_eps = 0;
};

// Reads dir/model.json and its shards; throws kNotFound / kBadInput (exit 2) naming the file.
Weights LoadWeights(const std::string& dir);

// Writes `w` as a USE-Lite folder `out_dir` in the layout of `src_dir` (the
// folder it was loaded from): the same model.json, vocab.json and shard
// files, with every trainable tensor (embedding, layer norms, dense layers)
// replaced by w's values; graph constants stay as they were. Each file is
// written atomically. LoadWeights(out_dir) reads it back.
void SaveWeights(const Weights& w, const std::string& src_dir, const std::string& out_dir);

// Gives every dense layer of the transformer its int8 form (the embedding,
// attention products and the final tanh layer stay float32). Throws
// kUnsupported in a build without libtorch or without a quantised engine.
void Quantize(Weights& w);

// Keeps libtorch's intra-op pool to one thread while alive, as SingleThreadedBlas.
class SingleThreadedTorch {
 public:
  SingleThreadedTorch();
  ~SingleThreadedTorch();
  SingleThreadedTorch(const SingleThreadedTorch&) = delete;
  SingleThreadedTorch& operator=(const SingleThreadedTorch&) = delete;

 private:
  int previous_ = 0;
};

// C[m x n] (+)= A[m x k] @ B[k x n] (B transposed when trans_b: B is n x k),
// row-major with leading dimensions; single-threaded (callers parallelise).
void Gemm(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool accumulate,
          bool trans_b = false);

// Keeps oneDNN's GEMM on the calling thread while alive (its OpenMP team
// size is per thread): the encoder's threads are its own.
class OneGemmThread {
 public:
  OneGemmThread();
  ~OneGemmThread();
  OneGemmThread(const OneGemmThread&) = delete;
  OneGemmThread& operator=(const OneGemmThread&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace adpilot::use_lite
