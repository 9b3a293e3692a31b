// `deepfm` (Guo et al., IJCAI 2017): a factorisation machine and a DNN that
// share the field embeddings. logit = bias + Σ_f w_f (first order) +
// ½ Σ_d [(Σ_f e_fd)² − Σ_f e_fd²] (pairwise FM) + DNN([e_1 … e_F, profile]).
// Each table row holds the first-order weight then the k-dim embedding; a
// field with several features (multi-valued, or crosses) pools them by sum.
#ifdef ADPILOT_WITH_TORCH

#include "adpilot/options.h"
#include "predict/deep/deep_model.h"

namespace adpilot::predict::deep {
namespace {

class DeepFm : public DeepModel {
 public:
  std::string name() const override { return "deepfm"; }

 protected:
  void DescribeNet(OptionSet&) override {}
  bool linear_column() const override { return true; }
  void DeclareNet() override {
    Declare("bias", {1}, Kind::kZero);
    int64_t in = fields() * k_ + profile_dim();
    DeclareMlp("dnn", in);
    Declare("out.w", {1, MlpOut(in)}, Kind::kWeight);
    Declare("out.b", {1}, Kind::kBias);
  }
  torch::Tensor Forward(const torch::Tensor& x, const torch::Tensor& profile, bool training) const override {
    auto n = x.size(0);
    auto first = x.select(2, 0).sum(1) + Param("bias");
    auto e = Embeddings(x);  // n x F x k
    auto s = e.sum(1);
    auto fm = 0.5 * (s * s - (e * e).sum(1)).sum(1);
    auto h = e.reshape({n, fields() * k_});
    if (profile.defined()) h = torch::cat({h, profile}, 1);
    h = Mlp(h, "dnn", training);
    auto deep = torch::nn::functional::linear(h, Param("out.w"), Param("out.b")).squeeze(1);
    return first + fm + deep;
  }
};

ADPILOT_REGISTER(ModelRegistry, "deepfm", "DeepFM (libtorch): FM + DNN sharing hashed field embeddings",
                 []() -> std::unique_ptr<Model> { return std::make_unique<DeepFm>(); });

}  // namespace
}  // namespace adpilot::predict::deep

#endif  // ADPILOT_WITH_TORCH
