// `lr`: logistic regression trained with FTRL-Proximal (McMahan et al. 2013):
// per-coordinate adaptive rates, L1 for sparsity, L2; weights are derived
// lazily from the (z, n) state, so untouched buckets cost nothing.
// --solver lbfgs fits the same model exactly instead (predict/lr_lbfgs.h).
#include <cmath>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "predict/lr_lbfgs.h"
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
    o.Add("solver", &solver_,
          "ftrl: online FTRL-Proximal (Hogwild; model averaging under mpirun); lbfgs: exact batch L-BFGS on "
          "sum logloss + lbfgs_l2/2 |w|^2, one gradient allreduce per pass, the same model on any number of ranks "
          "(l1 does not apply)")
        .Choices({"ftrl", "lbfgs"});
    o.Add("lbfgs_l2", &lbfgs_l2_,
          "lbfgs: L2 on the summed (not per-row) logloss; 10 is about FTRL's defaults on 10^5 rows")
        .Min(0);
    o.Add("lbfgs_passes", &lbfgs_passes_, "lbfgs: most passes over the data (objective evaluations)").Range(1, 100000);
    o.Add("lbfgs_tolerance", &lbfgs_tol_, "lbfgs: relative objective change that ends the fit").Min(0);
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
  TrainReport DoTrain(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx) override {
    if (solver_ == "ftrl") return SgdModel::DoTrain(train, valid, cfg, ctx);
    if (cfg.online) Throw(ErrorCode::kInvalidArgument, "lr --solver lbfgs reads the data many times; drop --online");
    if (l1_ > 0) ctx.log().info("lr --solver lbfgs: l1 {} does not apply (lbfgs_l2 {} does)", l1_, lbfgs_l2_);
    LbfgsConfig lc;
    lc.dim = dim_;
    lc.l2 = lbfgs_l2_;
    lc.max_passes = lbfgs_passes_;
    lc.tolerance = lbfgs_tol_;
    // A warm start continues from the current weights.
    std::vector<double> w(dim_ + 1);
    for (size_t i = 0; i <= dim_; ++i) w[i] = Weight(i);
    TrainReport r;
    FitLogisticLbfgs(train, lc, ctx, w, r);
    for (size_t i = 0; i <= dim_; ++i) SetWeight(i, w[i]);
    return r;
  }

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
  // The FTRL state (z, n = 0) whose weight is w, so Margin, Explain and the
  // model file need nothing of their own for lbfgs; l1 is moot there.
  void SetWeight(size_t i, double w) {
    double z = w == 0 ? 0.0 : -w * (beta_ / alpha_ + l2_) - std::copysign(l1_, w);
    state_[2 * i] = float(z);
    state_[2 * i + 1] = 0.0f;
  }
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
  std::string solver_ = "ftrl";
  double lbfgs_l2_ = 10;
  int lbfgs_passes_ = 100;
  double lbfgs_tol_ = 1e-9;
  size_t dim_ = 0;
  std::vector<float> state_;
};

ADPILOT_REGISTER(ModelRegistry, "lr", "logistic regression, FTRL-Proximal (L1/L2, per-coordinate rates)",
                 []() -> std::unique_ptr<Model> { return std::make_unique<LrModel>(); });

}  // namespace
}  // namespace adpilot::predict
