// `lr`: logistic regression trained with FTRL-Proximal (McMahan et al. 2013):
// per-coordinate adaptive rates, L1 for sparsity, L2; weights are derived
// lazily from the (z, n) state, so untouched buckets cost nothing.
#include <cmath>

#include "adpilot/context.h"
#include "adpilot/options.h"
#include "predict/model_util.h"

namespace adpilot::predict {
namespace {

class LrModel : public SgdModel {
 public:
  std::string name() const override { return "lr"; }
  void Describe(OptionSet& o) override {
    o.Add("learning_rate", &alpha_, "FTRL learning rate (alpha)").Min(1e-9).Alias("alpha");
    o.Add("beta", &beta_, "FTRL beta (smooths early per-coordinate rates)").Min(0);
    o.Add("l1", &l1_, "L1 regularisation").Min(0);
    o.Add("l2", &l2_, "L2 regularisation").Min(0);
  }
  void Init(const Context&) override {
    dim_ = size_t(hasher().mask()) + 1;
    // Interleaved (z, n) per bucket; the bias lives in the extra slot dim_.
    state_.assign(2 * (dim_ + 1), 0.0f);
  }

  double Margin(const Example& ex) const override {
    double m = Weight(dim_);
    for (const Feature& f : ex.features) m += Weight(f.index) * f.value;
    return m;
  }

  Explanation Explain(const Example& ex) const override {
    std::vector<double> per(hasher().num_fields(), 0.0);
    for (const Feature& f : ex.features) per[f.field] += Weight(f.index) * f.value;
    return MakeExplanation(*this, Weight(dim_), std::move(per));
  }

  std::span<float> Parameters() override { return state_; }

 protected:
  double Step(const Example& ex) override {
    double m = Margin(ex);
    double p = Sigmoid(m);
    double g = (p - ex.label) * ex.weight;
    Update(dim_, g);
    for (const Feature& f : ex.features) Update(f.index, g * f.value);
    return LogLossFromMargin(m, ex.label) * ex.weight;
  }

  std::string SaveState() const override { return SaveFloats(state_); }
  void LoadState(std::string_view bytes) override {
    dim_ = size_t(hasher().mask()) + 1;
    LoadFloats(bytes, state_, 2 * (dim_ + 1), "lr");
  }

 private:
  double Weight(size_t i) const {
    double z = state_[2 * i], n = state_[2 * i + 1];
    if (std::abs(z) <= l1_) return 0;
    return -(z - std::copysign(l1_, z)) / ((beta_ + std::sqrt(n)) / alpha_ + l2_);
  }
  void Update(size_t i, double g) {
    float& z = state_[2 * i];
    float& n = state_[2 * i + 1];
    double w = Weight(i);
    double sigma = (std::sqrt(n + g * g) - std::sqrt(double(n))) / alpha_;
    z = float(z + g - sigma * w);
    n = float(n + g * g);
  }

  double alpha_ = 0.05, beta_ = 1.0, l1_ = 0.5, l2_ = 1.0;
  size_t dim_ = 0;
  std::vector<float> state_;
};

ADPILOT_REGISTER(ModelRegistry, "lr", "logistic regression, FTRL-Proximal (L1/L2, per-coordinate rates)",
                 []() -> std::unique_ptr<Model> { return std::make_unique<LrModel>(); });

}  // namespace
}  // namespace adpilot::predict
