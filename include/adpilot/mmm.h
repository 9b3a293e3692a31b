// Bayesian marketing-mix model: KPI = baseline (intercept, trend, Fourier
// seasonality, controls) + sum over channels of beta * saturation(adstock(spend)),
// sampled with NUTS over several chains (split R-hat and bulk ESS per parameter),
// optionally calibrated by lift tests that enter the likelihood.
// Units: the model works on KPI / mean(KPI) and spend / mean(spend) per channel;
// every reported figure (contribution, ROAS, curves) is back in data units.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "adpilot/adstock.h"

namespace adpilot {
struct Context;
class OptionSet;
}  // namespace adpilot

namespace adpilot::mmm {

// Shape of one channel; [channel.NAME] tables of the config override the defaults.
struct ChannelSpec {
  std::string name;
  std::string adstock = "geometric";
  std::string saturation = "hill";
  int max_lag = 8;
};

struct MmmOptions {
  // Model.
  std::string adstock = "geometric";  // default for channels without a [channel.X] table
  std::string saturation = "hill";
  int max_lag = 8;
  int fourier_order = 2;
  double seasonality_period = 52.18;  // rows per season (weeks per year)
  bool trend = true;
  int holdout = 8;         // last rows kept out of the fit to measure fit quality
  std::string lift_tests;  // CSV: channel,start,end,lift,se (dates as in the data)
  // Sampler.
  int chains = 4;
  int warmup = 1000;
  int draws = 1000;
  int max_tree_depth = 10;
  double target_accept = 0.85;
  bool dense_metric = true;
  double rhat_warn = 1.05;
  double ess_warn = 100;
  // Priors, on the scaled model (KPI / mean KPI, spend / mean spend).
  double prior_intercept_mean = 0.5, prior_intercept_sd = 1.0;
  double prior_trend_sd = 0.5, prior_season_sd = 0.25, prior_control_sd = 0.25;
  // "half_normal": independent half-normal effects (prior_beta_sd);
  // "pooled": each channel's ROAS at its reference spend is log-normal around a
  // common level learned from the data (partial pooling, non-centred).
  std::string roas_prior = "half_normal";
  double prior_roas_media_share = 0.2;              // centre of the common level: media = this share of the KPI
  double prior_roas_mu_sd = 1.5;                    // normal sd of the log common level around that centre
  double prior_roas_tau_sd = 0.5;                   // half-normal sd of the spread of log ROAS across channels
  double prior_beta_sd = 0.5;                       // half_normal: each channel's effect at its reference spend
  double prior_sigma_sd = 0.5;                      // half-normal on the noise sd
  double prior_alpha_a = 1.0, prior_alpha_b = 3.0;  // Beta on geometric decay
  double prior_weibull_shape_median = 1.5, prior_weibull_shape_logsd = 0.5;
  double prior_weibull_scale_median = 2.0, prior_weibull_scale_logsd = 0.7;
  double prior_hill_k_median = 1.0, prior_hill_k_logsd = 0.7;
  double prior_hill_gamma_median = 1.0, prior_hill_gamma_logsd = 0.4;
  double prior_logistic_lambda_median = 1.0, prior_logistic_lambda_logsd = 1.0;

  // Resolved per-channel shapes (filled by ResolveChannels).
  std::vector<ChannelSpec> channel_specs;

  void Describe(OptionSet& opts);
};

// Checks the [channel.NAME] tables of a TOML config (keys adstock, saturation,
// max_lag; every name must be one of `channels`) and fills o.channel_specs for
// all channels. Unknown tables or keys are kInvalidArgument naming key and file.
void ResolveChannels(const std::string& config_path, const std::vector<std::string>& channels, MmmOptions& o);

// Weekly (or any regular) time series for the model.
struct MmmData {
  std::string file;
  std::vector<std::string> dates;  // ISO YYYY-MM-DD, ascending
  std::vector<double> kpi;         // NaN: missing, excluded from the likelihood (reported)
  std::vector<std::string> channels, controls;
  Eigen::MatrixXd spend;             // rows x channels, >= 0
  Eigen::MatrixXd control;           // rows x controls
  std::vector<std::string> repairs;  // what loading changed, in words
  int rows() const { return int(dates.size()); }
};

// Reads a CSV with a header. Unsorted dates are sorted (reported); duplicate
// dates, gaps in the date grid, negative or non-numeric spend, a constant
// channel or control and too few rows are kBadInput errors naming the problem.
MmmData LoadMmmCsv(const std::string& path, const std::string& date_col, const std::string& kpi_col,
                   const std::vector<std::string>& channels, const std::vector<std::string>& controls);

struct LiftTest {
  int channel = 0;
  int start = 0, end = 0;   // row range [start, end]
  double lift = 0, se = 1;  // measured incremental KPI over the range, data units
};
std::vector<LiftTest> LoadLiftTests(const std::string& path, const MmmData& data);

// A fitted model: data, shapes, scales and posterior draws (unconstrained
// parameter vectors, one row per draw, chains stacked).
struct MmmModel {
  MmmOptions options;
  MmmData data;
  std::vector<LiftTest> lifts;
  int train_rows = 0;
  double y_scale = 1;
  std::vector<double> x_scale;
  // Per channel, its typical spend while on (mean over weeks with spend > 0) in
  // x_scale units: the point where the sampler's effect parameter and the
  // saturation priors are anchored (1 for a channel that is never off; > 1 for
  // a flighted one). Empty in files from before it existed: treated as all 1.
  std::vector<double> ref_spend;
  std::vector<double> control_mean, control_sd;
  Eigen::MatrixXd draws;
  int chains = 1;
  std::vector<std::string> param_names;
  uint64_t seed = 0;
};

// Natural parameters of one channel in one draw (scaled units).
struct ChannelParams {
  double beta = 0;
  double adstock[2] = {0, 0};
  double saturation[2] = {0, 0};
};
ChannelParams ChannelDraw(const MmmModel& m, int draw, int channel);
int NumChannels(const MmmModel& m);
// Lag weights of a channel's adstock in one draw.
std::vector<double> DrawAdstockWeights(const MmmModel& m, int draw, int channel);

struct Interval {
  double mean = 0, low = 0, high = 0;  // posterior mean and 90% credible interval
};
struct ParamSummary {
  std::string name;
  double mean = 0, sd = 0, q05 = 0, q95 = 0, rhat = 0, ess_bulk = 0;
};
struct ChannelSummary {
  std::string name, adstock, saturation;
  Interval roas, mroas, contribution;
  double contribution_share = 0;        // of all media contribution (posterior mean)
  double spend = 0;                     // over the training rows
  std::vector<double> adstock_weights;  // posterior mean
  std::vector<double> curve_spend;      // response curve grid (spend per period)
  std::vector<Interval> curve_kpi;      // steady-state KPI per period at that spend
};
struct FitQuality {
  int rows = 0;
  double r2 = 0, nrmse = 0, mape = 0;
};
struct MmmReport {
  std::vector<ChannelSummary> channels;
  FitQuality train, holdout;
  double rhat_max = 0, ess_min = 0;
  int divergences = 0;
  int64_t gradients = 0;       // log-density gradient evaluations, all chains
  double mean_tree_depth = 0;  // NUTS, after warmup
  double seconds = 0;
  int chains = 0, draws = 0;
  std::vector<ParamSummary> params;
  std::vector<std::string> warnings, repairs;
  // Per row: fitted mean, baseline mean, and per-channel contribution (mean, 90% interval).
  std::vector<double> fitted, baseline;
  Eigen::MatrixXd contrib_mean, contrib_low, contrib_high;
};

// Samples the posterior. `report` (optional) receives diagnostics and summaries.
MmmModel FitMmm(MmmData data, const MmmOptions& opts, const Context& ctx, MmmReport* report = nullptr);
// Summaries of a fitted model (ROAS, contributions, curves, fit quality, diagnostics).
MmmReport Summarize(const MmmModel& m, const Context& ctx);

void to_json(nlohmann::json& j, const MmmReport& r);
// contributions.csv, response_curves.csv, adstock.csv, params.csv under dir.
void WriteReportCsv(const MmmReport& r, const MmmModel& m, const std::string& dir);

// Model file: a container (adpilot/container.h): JSON (config, data, names) as
// its config, the draws as its payload. Version 1 files still load.
void SaveMmmModel(const MmmModel& m, const std::string& path);
MmmModel LoadMmmModel(const std::string& path);  // kCorruption on a bad file

}  // namespace adpilot::mmm
