// Log posterior of the marketing-mix model on the unconstrained scale, with its
// analytic gradient. Parameter layout: [linear baseline | per channel: log beta_eff
// (effect at the reference spend; under the pooled prior its standardised deviation eta),
// adstock (logit alpha | log shape, log scale), saturation (log K, log gamma |
// log lambda) | pooled prior: mu, log tau | log sigma].
#pragma once

#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "adpilot/mmm.h"

namespace adpilot::mmm {

class MmmDensity {
 public:
  // Uses m.data, m.options, m.lifts, m.train_rows; fills m's scales when `init_scales`.
  explicit MmmDensity(const MmmModel& m);

  int dim() const { return dim_; }
  int rows() const { return n_; }
  double LogDensity(const Eigen::VectorXd& q, Eigen::VectorXd* grad) const;

  // Scaled-unit predictions for all rows: baseline and per-channel contributions.
  void Predict(const Eigen::VectorXd& q, Eigen::VectorXd& baseline, Eigen::MatrixXd& contrib) const;
  ChannelParams Natural(const Eigen::VectorXd& q, int c) const;
  // log of channel c's effect at its reference spend (scaled KPI), under either prior.
  double LogEffect(const Eigen::VectorXd& q, int c) const;
  double Sigma(const Eigen::VectorXd& q) const;
  std::vector<std::string> ParamNames() const;
  // Natural-scale value of parameter i (what diagnostics and summaries report).
  double NaturalValue(const Eigen::VectorXd& q, int i) const;
  Eigen::VectorXd InitialPoint(std::mt19937_64& rng) const;

  const Eigen::MatrixXd& design() const { return X_; }
  int channel_offset(int c) const { return off_[c]; }

 private:
  struct Chan {
    AdstockKind adstock;
    SaturationKind saturation;
    int max_lag;
    int na, ns;
  };
  const MmmModel& m_;
  int n_ = 0, dim_ = 0, p_lin_ = 0;
  Eigen::MatrixXd X_;            // rows x p_lin design of the baseline
  Eigen::VectorXd y_, mask_;     // scaled KPI, 1 for rows in the likelihood
  Eigen::MatrixXd x_;            // scaled spend, rows x channels
  std::vector<double> ref_;      // per channel: reference spend (MmmModel::ref_spend)
  int pool_ = -1;                // pooled ROAS prior: index of mu (log tau follows); -1 = half-normal
  std::vector<double> eff_off_;  // pooled: log beta_eff_c - log ROAS_c
  double mu0_ = 0;               // pooled: prior centre of mu
  Eigen::VectorXd lin_prior_mean_, lin_prior_sd_;
  std::vector<Chan> ch_;
  std::vector<int> off_;
  int n_obs_ = 0;
};

// beta / beta_eff = 1 / s(r) at reference spend r (see mmm_density.cc); dh = d/dlog(param).
double EffectScale(SaturationKind kind, const double* p, double r, double* dh);

// Fills scales (KPI mean, spend means, control mean/sd) of m from its training rows.
void ComputeScales(MmmModel& m);

}  // namespace adpilot::mmm
