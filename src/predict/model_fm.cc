// `fm`: factorisation machine (Rendle 2010) with a linear term, trained by
// AdaGrad with L2. Pair interactions use the O(nk) identity
// Σ_{a<b} <v_a, v_b> x_a x_b = ½ Σ_f [(Σ_a v_af x_a)² − Σ_a v_af² x_a²].
#include <cmath>
#include <limits>
#include <random>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "predict/model_util.h"

namespace adpilot::predict {
namespace {

constexpr int kMaxK = 256;

class FmModel : public SgdModel {
 public:
  std::string name() const override { return "fm"; }
  void Describe(OptionSet& o) override {
    o.Add("k", &k_, "latent factors per feature").Range(1, kMaxK);
    o.Add("learning_rate", &eta_, "AdaGrad learning rate").Min(1e-9).Alias("eta");
    o.Add("l2", &l2_, "L2 on the factors").Min(0);
    o.Add("l2_linear", &l2_linear_, "L2 on the linear weights").Min(0);
    o.Add("norm", &norm_, "scale interactions by 1/|x|^2 per example, as libffm does");
    o.Add("init_scale", &init_, "factors start uniform in [0, init_scale/sqrt(k))").Min(0);
    o.Add("norm_select", &norm_select_,
          "with --valid: train with and without the 1/|x|^2 scaling and keep the one with the lower "
          "valid logloss (the choice is stored in `norm`, and this flag is then saved as false)");
  }
  void Init(const Context& ctx) override {
    dim_ = size_t(hasher().mask()) + 1;
    stride_ = 2 * (1 + size_t(k_));
    state_.assign((dim_ + 1) * stride_, 0.0f);
    auto rng = ctx.Rng("fm-init");
    std::uniform_real_distribution<float> u(0, float(init_ / std::sqrt(double(k_))));
    for (size_t j = 0; j <= dim_; ++j) {
      float* b = &state_[j * stride_];
      for (int f = 0; f < k_; ++f) b[1 + f] = j == dim_ ? 0 : u(rng);
      // AdaGrad accumulators start at 1 (libffm): the first steps are not huge.
      for (int f = 0; f <= k_; ++f) b[1 + k_ + f] = 1.0f;
    }
  }

  double Margin(const Example& ex) const override {
    double s[kMaxK];
    return Forward(ex, s, nullptr);
  }

  Explanation Explain(const Example& ex) const override {
    std::vector<double> per(hasher().num_fields(), 0.0);
    double s[kMaxK];
    Forward(ex, s, nullptr);
    double r = Scale(ex);
    for (const Feature& a : ex.features) {
      const float* va = Block(a.index);
      // Feature a's share of the pair term: ½ x_a <v_a, s − v_a x_a> (each pair split in half).
      double pair = 0;
      for (int f = 0; f < k_; ++f) pair += va[1 + f] * a.value * (s[f] - va[1 + f] * a.value);
      per[a.field] += va[0] * a.value + 0.5 * r * pair;
    }
    return MakeExplanation(*this, Block(dim_)[0], std::move(per));
  }

  std::span<float> Parameters() override { return state_; }

 protected:
  // Which scaling suits a data set depends on its size: on the 7-8k-row
  // Criteo/Avazu samples the 1/|x|^2 scaling wins on their dev sets, on the
  // 200k-2.5M-auction generated worlds it loses (docs/predict.md). Both runs
  // start from the same initial state; the loser is discarded.
  TrainReport DoTrain(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx) override {
    if (!norm_select_ || !valid || cfg.online) return SgdModel::DoTrain(train, valid, cfg, ctx);
    const std::vector<float> start = state_;
    std::vector<float> best_state;
    TrainReport best;
    double best_ll = std::numeric_limits<double>::infinity();
    bool best_norm = norm_;
    uint64_t seen = 0;
    for (bool n : {false, true}) {
      state_ = start;
      norm_ = n;
      TrainReport r = SgdModel::DoTrain(train, valid, cfg, ctx);
      seen += r.examples_seen;
      double ll = std::numeric_limits<double>::infinity();
      for (const auto& e : r.epochs) ll = std::min(ll, e.valid_logloss);
      ctx.log().info("fm: norm {}: best valid logloss {:.5f} (epoch {})", n, ll, r.best_epoch);
      if (ll < best_ll) {
        best_ll = ll;
        best = std::move(r);
        best_state = state_;
        best_norm = n;
      }
    }
    state_ = std::move(best_state);
    norm_ = best_norm;
    norm_select_ = false;  // the saved model records the choice, a warm start keeps it
    best.examples_seen = seen;
    ctx.log().info("fm: kept norm {}", norm_);
    return best;
  }

  double Step(const Example& ex) override {
    double s[kMaxK];
    double m = Forward(ex, s, nullptr);
    double kappa = (Sigmoid(m) - ex.label) * ex.weight;
    double r = Scale(ex);
    Ada(Block(dim_), 0, kappa, 0);
    for (const Feature& a : ex.features) {
      float* b = Block(a.index);
      Ada(b, 0, kappa * a.value, l2_linear_);
      for (int f = 0; f < k_; ++f) {
        double grad = kappa * r * a.value * (s[f] - b[1 + f] * a.value);
        Ada(b, 1 + f, grad, l2_);
      }
    }
    return LogLossFromMargin(m, ex.label) * ex.weight;
  }

  std::string SaveState() const override { return SaveFloats(state_); }
  void LoadState(std::string_view bytes) override {
    dim_ = size_t(hasher().mask()) + 1;
    stride_ = 2 * (1 + size_t(k_));
    LoadFloats(bytes, state_, (dim_ + 1) * stride_, "fm");
    norm_select_ = false;  // a warm start keeps the loaded model's scaling unless asked again
  }

 private:
  float* Block(size_t j) { return &state_[j * stride_]; }
  const float* Block(size_t j) const { return &state_[j * stride_]; }
  double Scale(const Example& ex) const {
    if (!norm_) return 1.0;
    double n = 0;
    for (const Feature& f : ex.features) n += double(f.value) * f.value;
    return n > 0 ? 1.0 / n : 1.0;
  }
  // Margin; leaves s[f] = Σ_a v_af x_a for the gradient.
  double Forward(const Example& ex, double* s, double*) const {
    double lin = Block(dim_)[0], sq = 0;
    for (int f = 0; f < k_; ++f) s[f] = 0;
    for (const Feature& a : ex.features) {
      const float* b = Block(a.index);
      lin += b[0] * a.value;
      for (int f = 0; f < k_; ++f) {
        double t = b[1 + f] * a.value;
        s[f] += t;
        sq += t * t;
      }
    }
    double pair = -sq;
    for (int f = 0; f < k_; ++f) pair += s[f] * s[f];
    return lin + 0.5 * Scale(ex) * pair;
  }
  // AdaGrad on parameter `i` of a block, with L2 `l2` (accumulator at i + 1 + k).
  void Ada(float* b, int i, double grad, double l2) {
    double g = grad + l2 * b[i];
    float& G = b[1 + k_ + i];
    G = float(G + g * g);
    b[i] = float(b[i] - eta_ * g / std::sqrt(double(G)));
  }

  // Defaults chosen on the validation split of the generated world
  // (docs/predict.md): without the 1/|x|^2 scaling pair effects are not
  // divided by the ~40 active features; the stronger L2 then curbs overfitting.
  int k_ = 8;
  double eta_ = 0.05, l2_ = 1e-4, l2_linear_ = 1e-6, init_ = 0.1;
  bool norm_ = false, norm_select_ = true;
  size_t dim_ = 0, stride_ = 0;
  std::vector<float> state_;
};

ADPILOT_REGISTER(ModelRegistry, "fm", "factorisation machine, AdaGrad, linear term + L2",
                 []() -> std::unique_ptr<Model> { return std::make_unique<FmModel>(); });

}  // namespace
}  // namespace adpilot::predict
