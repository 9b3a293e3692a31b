// DeepModel: parameter layout in one flat buffer, initialisation, batching
// (pooled field embeddings + profile vectors) and scoring. Training is in
// deep_train.cc, the state file in deep_state.cc, explanations in deep_explain.cc.
#ifdef ADPILOT_WITH_TORCH

#include "predict/deep/deep_model.h"

#include <algorithm>
#include <random>
#include <string_view>

#include <fmt/format.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/options.h"
#include "adpilot/parallel.h"
#include "adpilot/text.h"

namespace adpilot::predict::deep {

std::vector<int64_t> ParseSizes(const std::string& s, const char* what) {
  std::vector<int64_t> out;
  if (s.empty()) return out;
  std::vector<std::string_view> parts;
  Split(s, ',', parts);
  if (s.back() == ',') parts.pop_back();  // "64,32," has always meant 64,32
  for (std::string_view part : parts) {
    auto v = ParseInt<int64_t>(Trim(part, " "), {.plus = false});
    if (!v || *v < 1 || *v > 65536)
      Throw(ErrorCode::kInvalidArgument, "--{} '{}': expected comma-separated layer sizes in [1, 65536]", what, s);
    out.push_back(*v);
  }
  return out;
}

void DeepModel::Describe(OptionSet& o) {
  o.Add("k", &k_, "embedding size per field").Range(1, 256);
  o.Add("hidden", &hidden_, "DNN hidden layer sizes, comma-separated (\"\" = none)");
  o.Add("dropout", &dropout_, "dropout after each hidden layer (training only)").Range(0, 0.95);
  o.Add("batch_norm", &batch_norm_, "batch normalisation after each hidden linear layer");
  o.Add("learning_rate", &lr_, "Adam learning rate of the dense layers").Min(1e-12).Alias("lr");
  o.Add("emb_lr", &emb_lr_, "row-wise sparse AdaGrad learning rate of the embedding table").Min(1e-12);
  o.Add("l2", &l2_, "L2 on the embedding rows touched by a batch").Min(0);
  o.Add("dense_l2", &dense_l2_, "L2 weight decay of the dense layers (Adam)").Min(0);
  o.Add("init_scale", &init_scale_, "embeddings start N(0, init_scale^2)").Min(0);
  o.Add("emb_acc_init", &emb_acc_init_,
        "initial row-wise AdaGrad accumulator (0 = the first update of a row is a full --emb-lr step)")
      .Min(0);
  o.Add("batch_size", &batch_size_, "deep models: examples per mini-batch").Range(1, 1 << 20);
  o.Add("ig_steps", &ig_steps_, "explain: integrated-gradients steps").Range(1, 4096);
  o.Add("profile", &profile_.path, "ProfileStore file of user vectors (adpilot profile embed) joined by user");
  o.Add("profile_field", &profile_.field, "field holding the user for --profile-key gen-token|token");
  o.Add("profile_key", &profile_.key,
        "join: gen-token (field = generator's hex hash of the user id), token (field = user id), "
        "user-id (reader's user-id column)")
      .Choices({"gen-token", "token", "user-id"});
  o.Add("profile_norm", &profile_.norm,
        "profile vectors: dim (standardise each dimension over users) or unit (centre, then scale each "
        "user's vector to length 1, so no rare dimension dominates the first layer)")
      .Choices({"dim", "unit"});
  DescribeNet(o);
}

void DeepModel::Declare(const std::string& name, std::vector<int64_t> shape, Kind kind) {
  ParamSlot p;
  p.name = name;
  p.shape = std::move(shape);
  p.kind = kind;
  p.numel = 1;
  for (int64_t d : p.shape) p.numel *= d;
  params_.push_back(std::move(p));
}

size_t DeepModel::Index(const std::string& name) const {
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return i;
  Throw(ErrorCode::kInternal, "{}: no parameter '{}'", this->name(), name);
}

torch::Tensor DeepModel::Param(const std::string& name) const {
  if (name == "table") return table_;
  return params_[Index(name)].view;
}

std::vector<int64_t> DeepModel::HiddenSizes() const { return ParseSizes(hidden_, "hidden"); }

int64_t DeepModel::MlpOut(int64_t in) const {
  auto h = HiddenSizes();
  return h.empty() ? in : h.back();
}

void DeepModel::DeclareMlp(const std::string& prefix, int64_t in) {
  int i = 0;
  for (int64_t h : HiddenSizes()) {
    std::string p = prefix + std::to_string(i++);
    Declare(p + ".w", {h, in}, Kind::kWeight);
    Declare(p + ".b", {h}, Kind::kBias);
    if (batch_norm_) {
      Declare(p + ".bn_gamma", {h}, Kind::kOne);
      Declare(p + ".bn_beta", {h}, Kind::kZero);
      Declare(p + ".bn_mean", {h}, Kind::kBuffer0);
      Declare(p + ".bn_var", {h}, Kind::kBuffer1);
    }
    in = h;
  }
}

torch::Tensor DeepModel::Mlp(torch::Tensor x, const std::string& prefix, bool training) const {
  size_t n = HiddenSizes().size();
  for (size_t i = 0; i < n; ++i) {
    std::string p = prefix + std::to_string(i);
    x = torch::nn::functional::linear(x, Param(p + ".w"), Param(p + ".b"));
    if (batch_norm_) {
      // Batch statistics need two rows; a lone row (last batch) uses the running ones.
      bool bn_train = training && x.size(0) > 1;
      x = torch::batch_norm(x, Param(p + ".bn_gamma"), Param(p + ".bn_beta"), Param(p + ".bn_mean"),
                            Param(p + ".bn_var"), bn_train, 0.1, 1e-5, false);
    }
    x = torch::relu(x);
    if (dropout_ > 0) x = torch::dropout(x, dropout_, training);
  }
  return x;
}

torch::Tensor DeepModel::Embeddings(const torch::Tensor& fields) const {
  return linear_column() ? fields.narrow(2, 1, k_) : fields;
}

void DeepModel::Allocate() {
  fields_ = hasher().num_fields();
  allocated_k_ = k_;
  width_ = k_ + (linear_column() ? 1 : 0);
  rows_ = int64_t(hasher().mask()) + 1;
  ParseSizes(hidden_, "hidden");
  params_.clear();
  DeclareNet();
  int64_t off = rows_ * width_;
  for (auto& p : params_) {
    p.offset = off;
    off += p.numel;
  }
  flat_ = torch::zeros({off}, torch::kFloat32);
  table_ = flat_.narrow(0, 0, rows_ * width_).view({rows_, width_});
  // from_blob views: independent autograd leaves whose storage is flat_'s.
  float* base = flat_.data_ptr<float>();
  for (auto& p : params_) p.view = torch::from_blob(base + p.offset, p.shape, torch::kFloat32);
  acc_ = torch::zeros({rows_}, torch::kFloat32);
  profile_field_ = hasher().schema().FieldIndex(profile_.field);
}

std::string DeepModel::ShapeText(bool planned) {
  std::vector<ParamSlot> saved;
  if (planned) {
    // DeclareNet() reads the options (k_, hidden_, ...) and fields()/profile_dim().
    saved.swap(params_);
    DeclareNet();
  }
  std::string s = fmt::format("k={}", planned ? k_ : allocated_k_);
  for (const auto& p : params_) s += fmt::format(", {} [{}]", p.name, fmt::join(p.shape, ","));
  if (planned) params_.swap(saved);
  return s;
}

void DeepModel::CheckShape() {
  std::string have = ShapeText(false), want = ShapeText(true);
  if (have != want)
    Throw(ErrorCode::kInvalidArgument,
          "{}: the options ask for a different network than the model being trained has (a warm start "
          "with --init keeps the model's shape; drop the shape flags or train a new model): model has {}; "
          "options ask for {}",
          name(), have, want);
}

void DeepModel::InitValues(const Context& ctx) {
  auto rng = ctx.Rng(name() + "-init");
  std::normal_distribution<float> emb(0.0f, float(init_scale_));
  float* t = table_.data_ptr<float>();
  int64_t first = linear_column() ? 1 : 0;  // first-order weights start at 0
  for (int64_t r = 0; r < rows_; ++r)
    for (int64_t c = first; c < width_; ++c) t[r * width_ + c] = emb(rng);
  // A positive start damps the first steps of rare rows (libffm starts its
  // accumulators at 1); with 0, one noisy example moves a row by a full step.
  acc_.fill_(float(emb_acc_init_));
  for (auto& p : params_) {
    float* d = p.view.data_ptr<float>();
    switch (p.kind) {
      case Kind::kWeight: {
        // Glorot uniform on [out, in].
        double fan = double(p.shape[0] + (p.shape.size() > 1 ? p.shape[1] : 1));
        std::uniform_real_distribution<float> u(-float(std::sqrt(6.0 / fan)), float(std::sqrt(6.0 / fan)));
        for (int64_t i = 0; i < p.numel; ++i) d[i] = u(rng);
        break;
      }
      case Kind::kOne:
      case Kind::kBuffer1:
        std::fill(d, d + p.numel, 1.0f);
        break;
      default:
        std::fill(d, d + p.numel, 0.0f);
        break;
    }
  }
}

void DeepModel::Init(const Context& ctx) {
  LoadProfile(ctx);
  Allocate();
  InitValues(ctx);
}

const float* DeepModel::ProfileRow(const Example& ex) const {
  if (pdim_ == 0) return nullptr;
  uint64_t key = 0;
  if (profile_.key == "user-id") {
    if (ex.user_id.empty()) return nullptr;
    key = Hash64(ex.user_id);
  } else {
    auto it = std::find_if(ex.features.begin(), ex.features.end(),
                           [&](const Feature& f) { return int(f.field) == profile_field_; });
    if (it == ex.features.end()) return nullptr;
    key = it->index;
  }
  auto it = profile_index_.find(key);
  return it == profile_index_.end() ? nullptr : profile_data_.data() + it->second * size_t(pdim_);
}

void DeepModel::MakeBatch(std::span<const Example> ex, Batch& b) const {
  b.rows = int64_t(ex.size());
  b.idx.clear();
  b.val.clear();
  b.slot.clear();
  b.label.resize(ex.size());
  b.weight.resize(ex.size());
  b.profile.assign(size_t(pdim_) * ex.size(), 0.0f);
  b.profile_hits = 0;
  for (size_t r = 0; r < ex.size(); ++r) {
    const Example& e = ex[r];
    b.label[r] = e.label;
    b.weight[r] = e.weight;
    for (const Feature& f : e.features) {
      if (int64_t(f.field) >= fields_) continue;
      b.idx.push_back(int64_t(f.index));
      b.val.push_back(f.value);
      b.slot.push_back(int64_t(r) * fields_ + f.field);
    }
    if (const float* p = ProfileRow(e)) {
      std::copy(p, p + pdim_, b.profile.begin() + r * size_t(pdim_));
      ++b.profile_hits;
    }
  }
}

torch::Tensor DeepModel::Pool(const Batch& b, const torch::Tensor& rows) const {
  auto n = int64_t(b.idx.size());
  auto val = torch::from_blob(const_cast<float*>(b.val.data()), {n, 1}, torch::kFloat32);
  auto slot = torch::from_blob(const_cast<int64_t*>(b.slot.data()), {n}, torch::kInt64);
  auto pooled = torch::zeros({b.rows * fields_, width_}, torch::kFloat32).index_add(0, slot, rows * val);
  return pooled.view({b.rows, fields_, width_});
}

torch::Tensor DeepModel::Logits(const Batch& b, bool training) const {
  auto idx = torch::from_blob(const_cast<int64_t*>(b.idx.data()), {int64_t(b.idx.size())}, torch::kInt64);
  auto fields = Pool(b, table_.index_select(0, idx));
  torch::Tensor prof;
  if (pdim_ > 0) prof = torch::from_blob(const_cast<float*>(b.profile.data()), {b.rows, pdim_}, torch::kFloat32);
  return Forward(fields, prof, training);
}

double DeepModel::Margin(const Example& ex) const {
  c10::InferenceMode guard;
  thread_local Batch b;
  MakeBatch(std::span<const Example>(&ex, 1), b);
  return double(Logits(b, false).item<float>());
}

void DeepModel::MarginBatch(std::span<const Example> ex, std::span<double> out, const Context& ctx) const {
  ADP_CHECK(ex.size() == out.size());
  // Chunks are scored on ctx.threads caller threads, each with one intra-op
  // torch thread: measured on the shared 2-core machine, 2 intra-op threads
  // made batches of 256 35x slower (OpenMP regions waiting on a descheduled
  // thread), while independent chunks degrade gracefully.
  if (torch::get_num_threads() != 1) torch::set_num_threads(1);
  constexpr size_t kChunk = 4096;
  size_t chunks = (ex.size() + kChunk - 1) / kChunk;
  ParallelFor(std::min<int>(std::max(1, ctx.threads), int(chunks)), chunks, [&](size_t cb, size_t ce, int) {
    c10::InferenceMode guard;
    Batch b;
    for (size_t c = cb; c < ce; ++c) {
      size_t s = c * kChunk, n = std::min(kChunk, ex.size() - s);
      MakeBatch(ex.subspan(s, n), b);
      auto m = Logits(b, false).contiguous();
      const float* p = m.data_ptr<float>();
      for (size_t i = 0; i < n; ++i) out[s + i] = double(p[i]);
    }
  });
}

}  // namespace adpilot::predict::deep

#endif  // ADPILOT_WITH_TORCH
