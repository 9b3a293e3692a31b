// Explanations for the deep models: integrated gradients (Sundararajan et al.
// 2017) per field, from the all-zero input (every pooled field embedding and
// the profile vector zero) to the example, with `ig_steps` midpoint Riemann
// steps. Contributions sum to margin - baseline margin up to the integration
// error, which is reported as its own entry so the explanation stays additive.
#ifdef ADPILOT_WITH_TORCH

#include <algorithm>
#include <cmath>

#include "adpilot/error.h"
#include "predict/deep/deep_model.h"
#include "predict/model_util.h"

namespace adpilot::predict::deep {

Explanation DeepModel::Explain(const Example& ex) const {
  torch::NoGradGuard no_grad;
  Batch b;
  MakeBatch(std::span<const Example>(&ex, 1), b);
  auto idx = torch::from_blob(b.idx.data(), {int64_t(b.idx.size())}, torch::kInt64);
  auto x = Pool(b, table_.index_select(0, idx)).clone();  // 1 x F x W
  torch::Tensor p;
  if (pdim_ > 0) p = torch::from_blob(b.profile.data(), {1, pdim_}, torch::kFloat32).clone();
  const int64_t m = ig_steps_;
  auto alpha = (torch::arange(m, torch::kFloat32) + 0.5f) / float(m);
  double margin = Forward(x, p, false).item<double>();
  double base = Forward(torch::zeros_like(x), pdim_ > 0 ? torch::zeros_like(p) : p, false).item<double>();
  torch::Tensor gx, gp;
  {
    torch::AutoGradMode grad(true);
    auto xs = (alpha.view({m, 1, 1}) * x).detach().requires_grad_(true);  // m x F x W
    torch::Tensor ps;
    if (pdim_ > 0) ps = (alpha.view({m, 1}) * p).detach().requires_grad_(true);
    Forward(xs, ps, false).sum().backward();
    gx = xs.grad();
    if (pdim_ > 0) gp = ps.grad();
  }
  // Attribution = input x mean gradient along the path, summed over the field's vector.
  auto per = (gx.mean(0) * x[0]).sum(1).contiguous();
  const float* pf = per.data_ptr<float>();
  Explanation e;
  e.bias = base;
  e.margin = margin;
  const auto& names = hasher().field_names();
  double total = 0;
  for (int64_t f = 0; f < fields_; ++f) {
    if (pf[f] == 0) continue;
    e.fields.push_back({uint32_t(f), size_t(f) < names.size() ? names[size_t(f)] : "(other)", double(pf[f])});
    total += pf[f];
  }
  if (pdim_ > 0) {
    double v = (gp.mean(0) * p[0]).sum().item<double>();
    e.fields.push_back({uint32_t(fields_), "(user profile)", v});
    total += v;
  }
  // The completeness gap of the Riemann sum, kept so the entries add up exactly.
  double gap = margin - base - total;
  e.fields.push_back({uint32_t(fields_ + 1), "(integrated-gradients residual)", gap});
  std::sort(e.fields.begin(), e.fields.end(),
            [](const auto& a, const auto& b) { return std::abs(a.value) > std::abs(b.value); });
  double prob = Sigmoid(margin);
  e.probability = calibrator().kind() == Calibrator::Kind::kNone ? prob : calibrator().Apply(prob);
  return e;
}

}  // namespace adpilot::predict::deep

#endif  // ADPILOT_WITH_TORCH
