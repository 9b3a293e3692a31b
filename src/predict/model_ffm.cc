// `ffm`: field-aware factorisation machine as in libffm (Juan et al. 2016):
// feature j keeps one latent vector per field, pair (a, b) uses
// <v[j_a, f_b], v[j_b, f_a]>, AdaGrad with accumulators starting at 1 and
// instance-wise 1/|x|² scaling; plus a linear term and bias. The k-loops are
// compiled for k = 4, 8, 16 with constant trip counts so the compiler emits
// SIMD; other k use the scalar loop.
#include <cmath>
#include <random>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "predict/model_util.h"

namespace adpilot::predict {
namespace {

class FfmModel : public SgdModel {
 public:
  std::string name() const override { return "ffm"; }
  void Describe(OptionSet& o) override {
    o.Add("k", &k_, "latent factors per (feature, field)").Range(1, 256);
    o.Add("eta", &eta_, "AdaGrad learning rate").Min(1e-9);
    o.Add("l2", &l2_, "L2 on the factors (libffm lambda)").Min(0);
    o.Add("l2_linear", &l2_linear_, "L2 on the linear weights").Min(0);
    o.Add("linear", &linear_, "learn the linear term and bias (libffm has none)");
    o.Add("norm", &norm_, "scale interactions by 1/|x|^2 per example, as libffm does");
    o.Add("init_scale", &init_, "factors start uniform in [0, init_scale/sqrt(k))").Min(0);
  }

  void Init(const Context& ctx) override {
    Shape();
    state_.assign(size_, 0.0f);
    for (size_t j = 0; j <= dim_; ++j) state_[2 * j + 1] = 1.0f;
    auto rng = ctx.Rng("ffm-init");
    std::uniform_real_distribution<float> u(0, float(init_ / std::sqrt(double(k_))));
    for (size_t j = 0; j < dim_ * fields_; ++j) {
      float* b = &state_[pair_off_ + j * 2 * k_];
      for (int f = 0; f < k_; ++f) {
        b[f] = u(rng);
        b[k_ + f] = 1.0f;
      }
    }
  }

  double Margin(const Example& ex) const override {
    switch (k_) {
      case 4: return Pairs<4, false>(ex, 0);
      case 8: return Pairs<8, false>(ex, 0);
      case 16: return Pairs<16, false>(ex, 0);
      default: return Pairs<0, false>(ex, 0);
    }
  }

  Explanation Explain(const Example& ex) const override {
    std::vector<double> per(hasher().num_fields(), 0.0);
    double r = Scale(ex);
    const auto& fs = ex.features;
    for (size_t a = 0; a < fs.size(); ++a) {
      if (linear_) per[fs[a].field] += W(fs[a].index) * fs[a].value;
      for (size_t b = a + 1; b < fs.size(); ++b) {
        const float* va = V(fs[a].index, fs[b].field);
        const float* vb = V(fs[b].index, fs[a].field);
        double d = 0;
        for (int f = 0; f < k_; ++f) d += va[f] * vb[f];
        double t = d * fs[a].value * fs[b].value * r;
        per[fs[a].field] += 0.5 * t;
        per[fs[b].field] += 0.5 * t;
      }
    }
    return MakeExplanation(*this, linear_ ? W(dim_) : 0.0, std::move(per));
  }

  std::span<float> Parameters() override { return state_; }

 protected:
  double Step(const Example& ex) override {
    double m = Margin(ex);
    double kappa = (Sigmoid(m) - ex.label) * ex.weight;
    switch (k_) {
      case 4: Pairs<4, true>(ex, kappa); break;
      case 8: Pairs<8, true>(ex, kappa); break;
      case 16: Pairs<16, true>(ex, kappa); break;
      default: Pairs<0, true>(ex, kappa); break;
    }
    return LogLossFromMargin(m, ex.label) * ex.weight;
  }

  std::string SaveState() const override { return SaveFloats(state_); }
  void LoadState(std::string_view bytes) override {
    Shape();
    LoadFloats(bytes, state_, size_, "ffm");
  }

 private:
  void Shape() {
    dim_ = size_t(hasher().mask()) + 1;
    fields_ = size_t(hasher().num_fields());
    pair_off_ = 2 * (dim_ + 1);
    size_ = pair_off_ + dim_ * fields_ * 2 * size_t(k_);
  }
  // Linear weight and its accumulator: (w, G) per bucket, bias at dim_.
  double W(size_t j) const { return state_[2 * j]; }
  const float* V(size_t j, size_t f) const { return &state_[pair_off_ + (j * fields_ + f) * 2 * k_]; }
  float* V(size_t j, size_t f) { return &state_[pair_off_ + (j * fields_ + f) * 2 * k_]; }
  double Scale(const Example& ex) const {
    if (!norm_) return 1.0;
    double n = 0;
    for (const Feature& f : ex.features) n += double(f.value) * f.value;
    return n > 0 ? 1.0 / n : 1.0;
  }
  void AdaLinear(size_t j, double grad, double l2) {
    float& w = state_[2 * j];
    float& G = state_[2 * j + 1];
    double g = grad + l2 * w;
    G = float(G + g * g);
    w = float(w - eta_ * g / std::sqrt(double(G)));
  }

  // kUpdate = false: returns the margin. kUpdate = true: one AdaGrad step with
  // loss derivative kappa (libffm's wTx with do_update).
  template <int K, bool kUpdate>
  double Pairs(const Example& ex, double kappa) const {
    const int k = K ? K : k_;
    const auto& fs = ex.features;
    double r = Scale(ex);
    double m = 0;
    if (linear_) {
      m = W(dim_);
      for (const Feature& a : fs) m += W(a.index) * a.value;
      if constexpr (kUpdate) {
        auto* self = const_cast<FfmModel*>(this);
        self->AdaLinear(dim_, kappa, 0);
        for (const Feature& a : fs) self->AdaLinear(a.index, kappa * a.value, l2_linear_);
      }
    }
    const float eta = float(eta_), lambda = float(l2_);
    for (size_t a = 0; a < fs.size(); ++a) {
      for (size_t b = a + 1; b < fs.size(); ++b) {
        // const_cast: Step() is the only caller with kUpdate, on a non-const model.
        float* va = const_cast<float*>(V(fs[a].index, fs[b].field));
        float* vb = const_cast<float*>(V(fs[b].index, fs[a].field));
        float v = float(fs[a].value * fs[b].value * r);
        if constexpr (!kUpdate) {
          float d = 0;
          for (int f = 0; f < k; ++f) d += va[f] * vb[f];
          m += double(d) * v;
        } else {
          float kv = float(kappa) * v;
          float* ga = va + k;
          float* gb = vb + k;
          for (int f = 0; f < k; ++f) {
            float g1 = lambda * va[f] + kv * vb[f];
            float g2 = lambda * vb[f] + kv * va[f];
            ga[f] += g1 * g1;
            gb[f] += g2 * g2;
            va[f] -= eta / std::sqrt(ga[f]) * g1;
            vb[f] -= eta / std::sqrt(gb[f]) * g2;
          }
        }
      }
    }
    return m;
  }

  int k_ = 4;
  double eta_ = 0.05, l2_ = 2e-5, l2_linear_ = 1e-6, init_ = 1.0;
  bool linear_ = true, norm_ = true;
  size_t dim_ = 0, fields_ = 0, pair_off_ = 0, size_ = 0;
  std::vector<float> state_;
};

ADPILOT_REGISTER(ModelRegistry, "ffm", "field-aware factorisation machine (libffm), AdaGrad, linear term + L2",
                 []() -> std::unique_ptr<Model> { return std::make_unique<FfmModel>(); });

}  // namespace
}  // namespace adpilot::predict
