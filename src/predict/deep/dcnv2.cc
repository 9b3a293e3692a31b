// `dcnv2` (Wang et al., WWW 2021): x0 = [e_1 … e_F, profile]; full-rank cross
// layers x_{l+1} = x0 ⊙ (W_l x_l + b_l) + x_l learn bounded-degree feature
// crosses explicitly; the DNN is stacked on the cross output
// (`--structure stacked`) or runs beside it on x0 with both outputs
// concatenated (`parallel`), then one linear unit gives the logit.
#ifdef ADPILOT_WITH_TORCH

#include "adpilot/options.h"
#include "predict/deep/deep_model.h"

namespace adpilot::predict::deep {
namespace {

class DcnV2 : public DeepModel {
 public:
  std::string name() const override { return "dcnv2"; }

 protected:
  void DescribeNet(OptionSet& o) override {
    o.Add("cross_layers", &cross_layers_, "dcnv2: number of cross layers").Range(0, 16);
    o.Add("structure", &structure_, "dcnv2: DNN stacked on the cross network, or parallel to it")
        .Choices({"stacked", "parallel"});
  }
  bool linear_column() const override { return false; }
  void DeclareNet() override {
    int64_t d = fields() * k_ + profile_dim();
    for (int l = 0; l < cross_layers_; ++l) {
      Declare("cross" + std::to_string(l) + ".w", {d, d}, Kind::kWeight);
      Declare("cross" + std::to_string(l) + ".b", {d}, Kind::kBias);
    }
    DeclareMlp("dnn", d);
    int64_t out = structure_ == "parallel" ? d + MlpOut(d) : MlpOut(d);
    Declare("out.w", {1, out}, Kind::kWeight);
    Declare("out.b", {1}, Kind::kBias);
  }
  torch::Tensor Forward(const torch::Tensor& x, const torch::Tensor& profile, bool training) const override {
    auto x0 = x.reshape({x.size(0), fields() * k_});
    if (profile.defined()) x0 = torch::cat({x0, profile}, 1);
    auto xl = x0;
    for (int l = 0; l < cross_layers_; ++l) {
      std::string p = "cross" + std::to_string(l);
      xl = x0 * torch::nn::functional::linear(xl, Param(p + ".w"), Param(p + ".b")) + xl;
    }
    torch::Tensor h =
        structure_ == "parallel" ? torch::cat({xl, Mlp(x0, "dnn", training)}, 1) : Mlp(xl, "dnn", training);
    return torch::nn::functional::linear(h, Param("out.w"), Param("out.b")).squeeze(1);
  }

 private:
  int cross_layers_ = 2;
  std::string structure_ = "stacked";
};

ADPILOT_REGISTER(ModelRegistry, "dcnv2", "DCN-v2 (libtorch): full-rank cross network + DNN, stacked or parallel",
                 []() -> std::unique_ptr<Model> { return std::make_unique<DcnV2>(); });

}  // namespace
}  // namespace adpilot::predict::deep

#endif  // ADPILOT_WITH_TORCH
