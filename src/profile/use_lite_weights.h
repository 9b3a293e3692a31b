// Internal to the profile stage: USE-Lite's tensors read out of a TF.js graph
// model (model.json's weightsManifest over its binary shards), and the small
// GEMM the forward pass runs on (OpenBLAS when the build has it, else Eigen).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace adpilot::use_lite {

struct Dense {
  int in = 0, out = 0;
  std::vector<float> w;  // in x out, row-major (x @ w)
  std::vector<float> b;  // out
};

struct Norm {
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
  std::vector<float> embedding;       // vocab x embed_dim
  std::vector<float> inv_timescales;  // embed_dim / 2
  Layer layers[2];
  Dense tanh;
  float norm_eps = 0, l2_eps = 0;
};

// Reads dir/model.json and its shards; throws kNotFound / kCorruption naming the file.
Weights LoadWeights(const std::string& dir);

// C[m x n] (+)= A[m x k] @ B[k x n] (B transposed when trans_b: B is n x k),
// row-major with leading dimensions; single-threaded (callers parallelise).
void Gemm(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool accumulate,
          bool trans_b = false);

// Keeps OpenBLAS to one thread while alive (the encoder's threads are its
// own), restoring the previous count after.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace adpilot::use_lite
