// Private to src/predict/deep: the base of the libtorch CTR models (deepfm,
// dcnv2). It owns every learned number in ONE float tensor (`flat_`): the
// hashed embedding table first, then the dense layers and batch-norm
// statistics as non-owning views, so Parameters() is a single contiguous
// span (allreduce) and the model file stores plain named float arrays, no
// torch pickles. Forward passes are written with functional ops taking an
// explicit `training` flag, so scoring shares no mutable module state and is
// thread-safe.
#pragma once

#ifdef ADPILOT_WITH_TORCH

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "adpilot/model.h"

namespace adpilot::predict::deep {

// How the dense user-profile vectors are joined to examples.
//   gen-token: the field's token is the generator's 8-hex-digit hash of the
//              profile's user id (`adpilot gen world`: C1 = hex(XXH3-64("C1:" + id, 0x5eed)))
//   token:     the field's token is the profile's user id itself
//   user-id:   the reader's user-id column (formats that carry one)
struct ProfileConfig {
  std::string path;               // ProfileStore file ("" = no profile vectors)
  std::string field = "C1";       // field holding the user (gen-token, token)
  std::string key = "gen-token";  // gen-token | token | user-id
  std::string norm = "dim";       // dim | unit (see DeepModel::LoadProfile)
};

// One batch in tensor form: pooled field inputs are built from (idx, val, slot).
struct Batch {
  int64_t rows = 0;
  std::vector<int64_t> idx;   // hashed bucket of every feature
  std::vector<float> val;     // its value
  std::vector<int64_t> slot;  // row * fields + field
  std::vector<float> label, weight;
  std::vector<float> profile;  // rows x profile_dim (empty without profile)
  int64_t profile_hits = 0;    // rows whose user has a profile vector
};

class DeepModel : public Model {
 public:
  void Init(const Context& ctx) override;
  double Margin(const Example& ex) const override;
  void MarginBatch(std::span<const Example> ex, std::span<double> out, const Context& ctx) const override;
  Explanation Explain(const Example& ex) const override;
  std::span<float> Parameters() override { return {flat_.data_ptr<float>(), size_t(flat_.numel())}; }

  // Test hooks: a named parameter (a view into the flat buffer) and the
  // embedding table row width.
  torch::Tensor Param(const std::string& name) const;
  int64_t emb_width() const { return width_; }
  int64_t fields() const { return fields_; }
  int64_t profile_dim() const { return pdim_; }
  // Margins for a prepared batch (no grad).
  torch::Tensor Logits(const Batch& b, bool training) const;
  // Converts examples to a Batch (joins the profile vectors).
  void MakeBatch(std::span<const Example> ex, Batch& b) const;

 protected:
  // Layout of the dense parameters, declared by the subclass in Declare().
  enum class Kind { kWeight, kBias, kOne, kZero, kBuffer0, kBuffer1 };
  void Declare(const std::string& name, std::vector<int64_t> shape, Kind kind);
  // Subclass hooks.
  virtual void DescribeNet(OptionSet& o) = 0;
  virtual void DeclareNet() = 0;           // calls Declare() for each dense tensor
  virtual bool linear_column() const = 0;  // table rows carry a first-order weight
  // fields: rows x F x width (pooled per field); profile: rows x P or undefined.
  virtual torch::Tensor Forward(const torch::Tensor& fields, const torch::Tensor& profile, bool training) const = 0;

  void Describe(OptionSet& o) final;
  TrainReport DoTrain(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx) override;
  std::string SaveState() const override;
  void LoadState(std::string_view bytes) override;

  // Shared building blocks for subclasses.
  const torch::Tensor& P(size_t i) const { return params_[i].view; }
  size_t Index(const std::string& name) const;
  // x -> [Linear -> (BatchNorm) -> ReLU -> Dropout] per hidden layer named prefix0..
  torch::Tensor Mlp(torch::Tensor x, const std::string& prefix, bool training) const;
  void DeclareMlp(const std::string& prefix, int64_t in);
  std::vector<int64_t> HiddenSizes() const;
  int64_t MlpOut(int64_t in) const;
  torch::Tensor Embeddings(const torch::Tensor& fields) const;  // drops the linear column

  int k_ = 8;
  std::string hidden_ = "128,64";
  double dropout_ = 0.0;
  bool batch_norm_ = false;
  double lr_ = 1e-3, emb_lr_ = 0.05, l2_ = 0.0, init_scale_ = 0.01, emb_acc_init_ = 0.0, dense_l2_ = 0.0;
  int batch_size_ = 2048, ig_steps_ = 64;
  ProfileConfig profile_;

 private:
  struct ParamSlot {
    std::string name;
    std::vector<int64_t> shape;
    Kind kind;
    int64_t offset = 0, numel = 0;
    torch::Tensor view;
  };
  void Allocate();
  void InitValues(const Context& ctx);
  void LoadProfile(const Context& ctx);
  void BuildProfileIndex();
  const float* ProfileRow(const Example& ex) const;
  torch::Tensor Pool(const Batch& b, const torch::Tensor& rows) const;
  // "k=8: dnn0.w [128,312], ..." for the allocated tensors, or (planned = true)
  // for the tensors the current options would declare.
  std::string ShapeText(bool planned);
  // A warm start (--init) keeps the loaded shape: options that would change
  // it (k, hidden, cross layers, ...) are a kInvalidArgument naming both.
  void CheckShape();

  int64_t fields_ = 0, width_ = 0, rows_ = 0, pdim_ = 0;
  int allocated_k_ = 0;
  torch::Tensor flat_;   // every learned number (table first)
  torch::Tensor table_;  // view: rows_ x width_
  torch::Tensor acc_;    // row-wise Adagrad accumulators (rows_), saved, not in Parameters()
  std::vector<ParamSlot> params_;
  // Profile vectors by join key (bucket of the profile field, or XXH3-64 of the user id).
  std::vector<uint64_t> profile_keys_;
  std::vector<float> profile_data_;
  std::unordered_map<uint64_t, size_t> profile_index_;
  int profile_field_ = -1;

  friend class Trainer;
};

// Parses "256,128" (empty = no hidden layer).
std::vector<int64_t> ParseSizes(const std::string& s, const char* what);

}  // namespace adpilot::predict::deep

#endif  // ADPILOT_WITH_TORCH
