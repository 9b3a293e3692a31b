#include "schedule/mmm_density.h"

#include <cmath>
#include <limits>

#include <Eigen/Core>
#include <fmt/format.h>

#include "adpilot/error.h"

namespace adpilot::mmm {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kTwoPi = 6.283185307179586;

double Logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Saturate() over a whole series with Eigen's vectorised exp/log: the sampler's
// hot loop. dps holds ds/dparam_j at [j * n + t].
void SaturateAll(SaturationKind kind, const double* p, int n, const double* a, double* s, double* dsda, double* dps) {
  using Arr = Eigen::Map<const Eigen::ArrayXd>;
  using OutArr = Eigen::Map<Eigen::ArrayXd>;
  Arr A(a, n);
  OutArr S(s, n), D(dsda, n);
  if (kind == SaturationKind::kHill) {
    const double K = p[0], g = p[1], lk = std::log(K);
    // a = 0 maps to a tiny positive value: s = 0 and all derivatives 0 there, as in Saturate().
    Eigen::ArrayXd la = A.max(1e-300).log();
    Eigen::ArrayXd diff = lk - la;
    Eigen::ArrayXd e = (g * diff).min(700.0).exp();
    S = 1.0 / (1.0 + e);
    Eigen::ArrayXd dz = -S * (1.0 - S);
    D = -dz * g / A.max(1e-300);
    OutArr(dps, n) = dz * (g / K);
    OutArr(dps + n, n) = dz * diff;
  } else {
    const double lam = p[0];
    Eigen::ArrayXd e = (-lam * A).exp();
    S = (1.0 - e) / (1.0 + e);
    Eigen::ArrayXd d = 0.5 * (1.0 - S * S);
    D = d * lam;
    OutArr(dps, n) = d * A;
  }
}

}  // namespace

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
  if (ny == 0 || !(ys > 0)) Throw(ErrorCode::kBadInput, "{}: the KPI has no non-zero value in the training rows", d.file);
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
      Throw(ErrorCode::kBadInput, "{}: control '{}' is constant in the training rows: it cannot be told apart from the intercept",
            d.file, d.controls[k]);
    m.control_mean[k] = mean;
    m.control_sd[k] = std::sqrt(var);
  }
}

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

double MmmDensity::LogDensity(const Eigen::VectorXd& q, Eigen::VectorXd* grad) const {
  const MmmOptions& o = m_.options;
  const int C = int(ch_.size());
  for (int i = p_lin_; i < dim_; ++i)
    if (!(std::fabs(q[i]) < 30)) return kNegInf;  // far outside any prior mass; keeps exp() finite
  Eigen::VectorXd mu = X_ * q.head(p_lin_);
  struct Work {
    ChannelParams p;
    std::vector<double> w, dw, a, s, dsda, dps;
  };
  std::vector<Work> work(C);
  for (int c = 0; c < C; ++c) {
    Work& k = work[c];
    const Chan& ch = ch_[c];
    k.p = Natural(q, c);
    try {
      AdstockWeights(ch.adstock, k.p.adstock, ch.max_lag, true, k.w, grad ? &k.dw : nullptr);
    } catch (const Error&) {
      return kNegInf;
    }
    k.a.resize(n_);
    k.s.resize(n_);
    k.dsda.resize(n_);
    k.dps.resize(size_t(n_) * ch.ns);
    Convolve(x_.col(c).data(), n_, k.w, k.a.data());
    SaturateAll(ch.saturation, k.p.saturation, n_, k.a.data(), k.s.data(), k.dsda.data(), k.dps.data());
    for (int t = 0; t < n_; ++t) mu[t] += k.p.beta * k.s[t];
  }
  const double sigma = std::exp(q[dim_ - 1]);
  Eigen::VectorXd r = (y_ - mu).cwiseProduct(mask_);
  const double rss = r.squaredNorm();
  double lp = -n_obs_ * std::log(sigma) - 0.5 * rss / (sigma * sigma);
  // Lift tests: measured incremental KPI of a channel over a date range.
  std::vector<double> lift_resid(m_.lifts.size());
  for (size_t i = 0; i < m_.lifts.size(); ++i) {
    const LiftTest& L = m_.lifts[i];
    double pred = 0;
    for (int t = L.start; t <= L.end; ++t) pred += work[L.channel].p.beta * work[L.channel].s[t];
    double se = L.se / m_.y_scale;
    lift_resid[i] = (L.lift / m_.y_scale - pred) / se;
    lp -= 0.5 * lift_resid[i] * lift_resid[i];
  }
  // Priors (with log-Jacobians of the transforms).
  for (int j = 0; j < p_lin_; ++j) {
    double z = (q[j] - lin_prior_mean_[j]) / lin_prior_sd_[j];
    lp -= 0.5 * z * z;
  }
  auto lognormal = [&](double eta, double median, double logsd, double* g) {
    double z = (eta - std::log(median)) / logsd;
    if (g) *g += -z / logsd;
    return -0.5 * z * z;
  };
  Eigen::VectorXd dummy;
  Eigen::VectorXd& G = grad ? *grad : dummy;
  if (grad) {
    G.setZero(dim_);
    for (int j = 0; j < p_lin_; ++j) G[j] = -(q[j] - lin_prior_mean_[j]) / (lin_prior_sd_[j] * lin_prior_sd_[j]);
  }
  for (int c = 0; c < C; ++c) {
    const Chan& ch = ch_[c];
    const Work& k = work[c];
    const int off = off_[c];
    const bool gp = grad != nullptr;
    if (pool_ >= 0) {  // eta_c ~ N(0, 1)
      lp += -0.5 * q[off] * q[off];
      if (gp) G[off] += -q[off];
    } else {  // beta_eff ~ HalfNormal(prior_beta_sd), sampled on the log scale
      const double b = std::exp(q[off]), bsd2 = o.prior_beta_sd * o.prior_beta_sd;
      lp += -0.5 * b * b / bsd2 + q[off];
      if (gp) G[off] += -b * b / bsd2 + 1.0;
    }
    if (ch.adstock == AdstockKind::kGeometric) {
      double al = k.p.adstock[0];
      lp += o.prior_alpha_a * std::log(al) + o.prior_alpha_b * std::log1p(-al);
      if (gp) G[off + 1] += o.prior_alpha_a * (1 - al) - o.prior_alpha_b * al;
    } else {
      lp += lognormal(q[off + 1], o.prior_weibull_shape_median, o.prior_weibull_shape_logsd, gp ? &G[off + 1] : nullptr);
      lp += lognormal(q[off + 2], o.prior_weibull_scale_median, o.prior_weibull_scale_logsd, gp ? &G[off + 2] : nullptr);
    }
    int os = off + 1 + ch.na;
    if (ch.saturation == SaturationKind::kHill) {
      // K and lambda are scaled to the channel's reference spend (see EffectScale).
      lp += lognormal(q[os], o.prior_hill_k_median * ref_[c], o.prior_hill_k_logsd, gp ? &G[os] : nullptr);
      lp += lognormal(q[os + 1], o.prior_hill_gamma_median, o.prior_hill_gamma_logsd, gp ? &G[os + 1] : nullptr);
    } else {
      lp += lognormal(q[os], o.prior_logistic_lambda_median / ref_[c], o.prior_logistic_lambda_logsd, gp ? &G[os] : nullptr);
    }
  }
  if (pool_ >= 0) {
    const double z = (q[pool_] - mu0_) / o.prior_roas_mu_sd, tau = std::exp(q[pool_ + 1]);
    const double tsd2 = o.prior_roas_tau_sd * o.prior_roas_tau_sd;
    lp += -0.5 * z * z - 0.5 * tau * tau / tsd2 + q[pool_ + 1];
    if (grad) {
      G[pool_] += -z / o.prior_roas_mu_sd;
      G[pool_ + 1] += -tau * tau / tsd2 + 1.0;
    }
  }
  lp += -0.5 * sigma * sigma / (o.prior_sigma_sd * o.prior_sigma_sd) + q[dim_ - 1];
  if (!std::isfinite(lp)) return kNegInf;
  if (!grad) return lp;

  // Likelihood gradient: dlp/dmu_t = r_t / sigma^2 on observed rows.
  Eigen::VectorXd g = r / (sigma * sigma);
  G.head(p_lin_) += X_.transpose() * g;
  G[dim_ - 1] += -n_obs_ + rss / (sigma * sigma) - sigma * sigma / (o.prior_sigma_sd * o.prior_sigma_sd) + 1.0;
  std::vector<double> gc(n_), h(n_);
  for (int c = 0; c < C; ++c) {
    const Chan& ch = ch_[c];
    const Work& k = work[c];
    const int off = off_[c], L = ch.max_lag;
    for (int t = 0; t < n_; ++t) gc[t] = g[t];
    for (size_t i = 0; i < m_.lifts.size(); ++i) {
      const LiftTest& lt = m_.lifts[i];
      if (lt.channel != c) continue;
      double se = lt.se / m_.y_scale;
      for (int t = lt.start; t <= lt.end; ++t) gc[t] += lift_resid[i] / se;
    }
    const double b = k.p.beta;
    double gb = 0;
    for (int t = 0; t < n_; ++t) gb += gc[t] * k.s[t];
    // d lp / d log beta_eff, mapped onto the sampled parameters.
    const double gl = gb * b;
    if (pool_ >= 0) {
      const double tau = std::exp(q[pool_ + 1]);
      G[off] += gl * tau;
      G[pool_] += gl;
      G[pool_ + 1] += gl * tau * q[off];
    } else {
      G[off] += gl;
    }
    // beta = beta_eff * h(saturation params): the extra path from the saturation parameters.
    double dh[2] = {0, 0};
    EffectScale(ch.saturation, k.p.saturation, ref_[c], dh);
    const double beff = std::exp(LogEffect(q, c));
    for (int j = 0; j < ch.ns; ++j) G[off + 1 + ch.na + j] += gb * beff * dh[j];
    for (int j = 0; j < ch.ns; ++j) {
      double s = 0;
      for (int t = 0; t < n_; ++t) s += gc[t] * k.dps[size_t(j) * n_ + t];
      G[off + 1 + ch.na + j] += b * s * k.p.saturation[j];
    }
    for (int t = 0; t < n_; ++t) h[t] = b * gc[t] * k.dsda[t];
    const double* x = x_.col(c).data();
    for (int j = 0; j < ch.na; ++j) {
      double s = 0;
      for (int l = 0; l < L; ++l) {
        double dwl = k.dw[size_t(j) * L + l];
        if (dwl == 0) continue;
        double acc = 0;
        for (int t = l; t < n_; ++t) acc += h[t] * x[t - l];
        s += acc * dwl;
      }
      double chain = ch.adstock == AdstockKind::kGeometric ? k.p.adstock[0] * (1 - k.p.adstock[0]) : k.p.adstock[j];
      G[off + 1 + j] += s * chain;
    }
  }
  return lp;
}

}  // namespace adpilot::mmm
