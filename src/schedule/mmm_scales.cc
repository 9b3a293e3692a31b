// Scales of the model (KPI and spend means, control standardisation, each
// channel's reference spend) and the effect parameterisation that uses them.
#include "schedule/mmm_density.h"

#include <cmath>

#include "adpilot/error.h"

namespace adpilot::mmm {

// The sampler works with each channel's effect at its reference spend r (its
// typical spend while on, in mean-spend units), beta_eff = beta * s(r), which
// the data pin down, instead of the maximum effect beta, which trades off
// against K and gamma (or lambda) along a curved ridge (deep NUTS trees,
// divergences). Anchoring at r rather than at the mean matters for a channel
// that is off most weeks: its mean spend lies where there are no data.
// Returns h = beta / beta_eff = 1 / s(r) and dh/dlog(param_j) in dh.
double EffectScale(SaturationKind kind, const double* p, double r, double* dh) {
  if (kind == SaturationKind::kHill) {
    double lkr = std::log(p[0] / r), kg = std::exp(p[1] * lkr);  // (K/r)^gamma
    if (dh) {
      dh[0] = p[1] * kg;
      dh[1] = p[1] * lkr * kg;
    }
    return 1.0 + kg;
  }
  const double lr = p[0] * r;
  double t = std::tanh(0.5 * lr);
  if (dh) dh[0] = lr * (-(1.0 - t * t) / (2.0 * t * t));
  return 1.0 / t;
}

void ComputeScales(MmmModel& m) {
  const MmmData& d = m.data;
  const int T = m.train_rows;
  double ys = 0;
  int ny = 0;
  for (int t = 0; t < T; ++t)
    if (std::isfinite(d.kpi[t])) {
      ys += std::fabs(d.kpi[t]);
      ++ny;
    }
  if (ny == 0 || !(ys > 0))
    Throw(ErrorCode::kBadInput, "{}: the KPI has no non-zero value in the training rows", d.file);
  m.y_scale = ys / ny;
  m.x_scale.assign(d.channels.size(), 0.0);
  for (size_t c = 0; c < d.channels.size(); ++c) {
    double s = d.spend.col(c).head(T).mean();
    if (!(s > 0))
      Throw(ErrorCode::kBadInput, "{}: channel '{}' has no spend in the training rows: its effect cannot be estimated",
            d.file, d.channels[c]);
    m.x_scale[c] = s;
  }
  m.ref_spend.assign(d.channels.size(), 1.0);
  for (size_t c = 0; c < d.channels.size(); ++c) {
    double sum = 0;
    int on = 0;
    for (int t = 0; t < T; ++t)
      if (d.spend(t, c) > 0) sum += d.spend(t, c), ++on;
    m.ref_spend[c] = on > 0 ? sum / on / m.x_scale[c] : 1.0;
  }
  m.control_mean.assign(d.controls.size(), 0.0);
  m.control_sd.assign(d.controls.size(), 1.0);
  for (size_t k = 0; k < d.controls.size(); ++k) {
    auto col = d.control.col(k).head(T);
    double mean = col.mean();
    double var = (col.array() - mean).square().sum() / std::max(1, T - 1);
    if (!(var > 0))
      Throw(ErrorCode::kBadInput,
            "{}: control '{}' is constant in the training rows: it cannot be told apart from the intercept", d.file,
            d.controls[k]);
    m.control_mean[k] = mean;
    m.control_sd[k] = std::sqrt(var);
  }
}

}  // namespace adpilot::mmm
