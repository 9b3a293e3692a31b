// The model's parameter layout, its natural-scale view (names, summaries,
// initial points) and predictions; the log density itself is in mmm_log_density.cc.
#include "schedule/mmm_density.h"

#include <cmath>

#include <fmt/format.h>
#include <Eigen/Core>

#include "adpilot/error.h"

namespace adpilot::mmm {
namespace {

constexpr double kTwoPi = 6.283185307179586;

double Logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

MmmDensity::MmmDensity(const MmmModel& m) : m_(m) {
  const MmmData& d = m.data;
  const MmmOptions& o = m.options;
  n_ = d.rows();
  const int C = int(d.channels.size()), K = o.fourier_order, Q = int(d.controls.size());
  p_lin_ = 1 + (o.trend ? 1 : 0) + 2 * K + Q;
  X_.resize(n_, p_lin_);
  lin_prior_mean_ = Eigen::VectorXd::Zero(p_lin_);
  lin_prior_sd_.resize(p_lin_);
  for (int t = 0; t < n_; ++t) {
    int j = 0;
    X_(t, j++) = 1.0;
    if (o.trend) X_(t, j++) = n_ > 1 ? double(t) / double(n_ - 1) : 0.0;
    for (int k = 1; k <= K; ++k) {
      X_(t, j++) = std::sin(kTwoPi * k * t / o.seasonality_period);
      X_(t, j++) = std::cos(kTwoPi * k * t / o.seasonality_period);
    }
    for (int q = 0; q < Q; ++q) X_(t, j++) = (d.control(t, q) - m.control_mean[q]) / m.control_sd[q];
  }
  {
    int j = 0;
    lin_prior_mean_[j] = o.prior_intercept_mean;
    lin_prior_sd_[j++] = o.prior_intercept_sd;
    if (o.trend) lin_prior_sd_[j++] = o.prior_trend_sd;
    for (int k = 0; k < 2 * K; ++k) lin_prior_sd_[j++] = o.prior_season_sd;
    for (int q = 0; q < Q; ++q) lin_prior_sd_[j++] = o.prior_control_sd;
  }
  y_.resize(n_);
  mask_ = Eigen::VectorXd::Zero(n_);
  for (int t = 0; t < n_; ++t) {
    y_[t] = std::isfinite(d.kpi[t]) ? d.kpi[t] / m.y_scale : 0.0;
    if (t < m.train_rows && std::isfinite(d.kpi[t])) {
      mask_[t] = 1.0;
      ++n_obs_;
    }
  }
  ref_.assign(C, 1.0);
  if (m.ref_spend.size() == size_t(C)) ref_ = m.ref_spend;
  x_.resize(n_, C);
  for (int c = 0; c < C; ++c) x_.col(c) = d.spend.col(c) / m.x_scale[c];
  ADP_CHECK(int(o.channel_specs.size()) == C);
  int off = p_lin_;
  for (int c = 0; c < C; ++c) {
    const ChannelSpec& s = o.channel_specs[c];
    Chan ch{ParseAdstock(s.adstock), ParseSaturation(s.saturation), s.max_lag, 0, 0};
    ch.na = AdstockParamCount(ch.adstock);
    ch.ns = SaturationParamCount(ch.saturation);
    ch_.push_back(ch);
    off_.push_back(off);
    off += 1 + ch.na + ch.ns;
  }
  // Pooled ROAS prior, non-centred: log beta_eff_c = mu + tau * eta_c + a_c, where
  // exp(mu) is the common ROAS at reference spend (data units) and a_c converts a
  // ROAS into channel c's scaled effect at its reference spend.
  if (o.roas_prior == "pooled") {
    pool_ = off;
    off += 2;
  }
  double xs_sum = 0;
  for (int c = 0; c < C; ++c) {
    const double xs = c < int(m.x_scale.size()) ? m.x_scale[c] : 1.0;
    xs_sum += xs;
    eff_off_.push_back(std::log(ref_[c] * xs / m.y_scale));
  }
  mu0_ = std::log(o.prior_roas_media_share * m.y_scale / xs_sum);
  dim_ = off + 1;
}

double MmmDensity::LogEffect(const Eigen::VectorXd& q, int c) const {
  if (pool_ < 0) return q[off_[c]];
  return q[pool_] + std::exp(q[pool_ + 1]) * q[off_[c]] + eff_off_[c];
}

ChannelParams MmmDensity::Natural(const Eigen::VectorXd& q, int c) const {
  const Chan& ch = ch_[c];
  int o = off_[c];
  ChannelParams p;
  if (ch.adstock == AdstockKind::kGeometric) p.adstock[0] = Logistic(q[o + 1]);
  else {
    p.adstock[0] = std::exp(q[o + 1]);
    p.adstock[1] = std::exp(q[o + 2]);
  }
  for (int j = 0; j < ch.ns; ++j) p.saturation[j] = std::exp(q[o + 1 + ch.na + j]);
  p.beta = std::exp(LogEffect(q, c)) * EffectScale(ch.saturation, p.saturation, ref_[c], nullptr);
  return p;
}

double MmmDensity::Sigma(const Eigen::VectorXd& q) const { return std::exp(q[dim_ - 1]); }

std::vector<std::string> MmmDensity::ParamNames() const {
  std::vector<std::string> names{"intercept"};
  const MmmOptions& o = m_.options;
  if (o.trend) names.push_back("trend");
  for (int k = 1; k <= o.fourier_order; ++k) {
    names.push_back(fmt::format("season_sin{}", k));
    names.push_back(fmt::format("season_cos{}", k));
  }
  for (const auto& c : m_.data.controls) names.push_back("control_" + c);
  for (size_t c = 0; c < ch_.size(); ++c) {
    const std::string& n = m_.data.channels[c];
    names.push_back("beta_" + n);
    if (ch_[c].adstock == AdstockKind::kGeometric) names.push_back("alpha_" + n);
    else {
      names.push_back("shape_" + n);
      names.push_back("scale_" + n);
    }
    if (ch_[c].saturation == SaturationKind::kHill) {
      names.push_back("K_" + n);
      names.push_back("gamma_" + n);
    } else {
      names.push_back("lambda_" + n);
    }
  }
  if (pool_ >= 0) {
    names.push_back("roas_level");   // common ROAS at reference spend (geometric mean over channels)
    names.push_back("roas_spread");  // sd of log ROAS across channels
  }
  names.push_back("sigma");
  return names;
}

double MmmDensity::NaturalValue(const Eigen::VectorXd& q, int i) const {
  if (i < p_lin_) return q[i];
  if (i == dim_ - 1) return std::exp(q[i]);
  if (pool_ >= 0 && (i == pool_ || i == pool_ + 1)) return std::exp(q[i]);
  for (size_t c = 0; c < ch_.size(); ++c) {
    int o = off_[c];
    if (i == o) return Natural(q, int(c)).beta;
    if (i == o + 1 && ch_[c].adstock == AdstockKind::kGeometric) return Logistic(q[i]);
    if (i >= o && i < o + 1 + ch_[c].na + ch_[c].ns) return std::exp(q[i]);
  }
  return q[i];
}

Eigen::VectorXd MmmDensity::InitialPoint(std::mt19937_64& rng) const {
  std::uniform_real_distribution<double> u(-0.3, 0.3);
  const MmmOptions& o = m_.options;
  Eigen::VectorXd q(dim_);
  for (int j = 0; j < p_lin_; ++j) q[j] = lin_prior_mean_[j] + u(rng) * lin_prior_sd_[j];
  const int C = int(ch_.size());
  for (int c = 0; c < C; ++c) {
    int i = off_[c];
    q[i++] = pool_ >= 0 ? u(rng) : std::log(0.5 / C) + u(rng);
    if (ch_[c].adstock == AdstockKind::kGeometric) q[i++] = std::log(0.3 / 0.7) + u(rng);
    else {
      q[i++] = std::log(o.prior_weibull_shape_median) + u(rng);
      q[i++] = std::log(o.prior_weibull_scale_median) + u(rng);
    }
    if (ch_[c].saturation == SaturationKind::kHill) {
      q[i++] = std::log(o.prior_hill_k_median * ref_[c]) + u(rng);
      q[i++] = std::log(o.prior_hill_gamma_median) + u(rng);
    } else {
      q[i++] = std::log(o.prior_logistic_lambda_median / ref_[c]) + u(rng);
    }
  }
  if (pool_ >= 0) {
    q[pool_] = mu0_ + u(rng);
    q[pool_ + 1] = std::log(0.3) + u(rng);
  }
  double var = 0, mean = 0;
  for (int t = 0; t < n_; ++t) mean += mask_[t] * y_[t];
  mean /= std::max(1, n_obs_);
  for (int t = 0; t < n_; ++t) var += mask_[t] * (y_[t] - mean) * (y_[t] - mean);
  var /= std::max(1, n_obs_ - 1);
  q[dim_ - 1] = std::log(std::max(1e-3, 0.5 * std::sqrt(var))) + u(rng);
  return q;
}

void MmmDensity::Predict(const Eigen::VectorXd& q, Eigen::VectorXd& baseline, Eigen::MatrixXd& contrib) const {
  baseline = X_ * q.head(p_lin_);
  const int C = int(ch_.size());
  contrib.resize(n_, C);
  std::vector<double> w, a(n_);
  for (int c = 0; c < C; ++c) {
    ChannelParams p = Natural(q, c);
    AdstockWeights(ch_[c].adstock, p.adstock, ch_[c].max_lag, true, w);
    Convolve(x_.col(c).data(), n_, w, a.data());
    for (int t = 0; t < n_; ++t) contrib(t, c) = p.beta * Saturate(ch_[c].saturation, a[t], p.saturation);
  }
}

}  // namespace adpilot::mmm
