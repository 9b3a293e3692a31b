// The log posterior and its analytic gradient: the sampler's hot path.
#include "schedule/mmm_density.h"

#include <cmath>
#include <limits>

#include <Eigen/Core>

#include "adpilot/error.h"

namespace adpilot::mmm {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

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
      lp +=
          lognormal(q[off + 1], o.prior_weibull_shape_median, o.prior_weibull_shape_logsd, gp ? &G[off + 1] : nullptr);
      lp +=
          lognormal(q[off + 2], o.prior_weibull_scale_median, o.prior_weibull_scale_logsd, gp ? &G[off + 2] : nullptr);
    }
    int os = off + 1 + ch.na;
    if (ch.saturation == SaturationKind::kHill) {
      // K and lambda are scaled to the channel's reference spend (see EffectScale).
      lp += lognormal(q[os], o.prior_hill_k_median * ref_[c], o.prior_hill_k_logsd, gp ? &G[os] : nullptr);
      lp += lognormal(q[os + 1], o.prior_hill_gamma_median, o.prior_hill_gamma_logsd, gp ? &G[os + 1] : nullptr);
    } else {
      lp += lognormal(q[os], o.prior_logistic_lambda_median / ref_[c], o.prior_logistic_lambda_logsd,
                      gp ? &G[os] : nullptr);
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
