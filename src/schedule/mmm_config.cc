// MMM options (flags and TOML top level) and per-channel [channel.NAME] tables.
#include <limits>

#include <fmt/format.h>
#include <toml.hpp>

#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "adpilot/options.h"
#include "adpilot/toml_file.h"

namespace adpilot::mmm {

void MmmOptions::Describe(OptionSet& s) {
  const std::vector<std::string> adstocks{"geometric", "weibull_cdf", "weibull_pdf"}, sats{"hill", "logistic"};
  s.Add("adstock", &adstock, "default adstock of every channel").Choices(adstocks);
  s.Add("saturation", &saturation, "default saturation of every channel").Choices(sats);
  s.Add("max_lag", &max_lag, "default adstock window in rows (weeks)").Range(1, 104);
  s.Add("fourier_order", &fourier_order, "Fourier harmonics of the yearly season").Range(0, 10);
  s.Add("seasonality_period", &seasonality_period, "rows per season (52.18 for weekly data)").Min(2);
  s.Add("trend", &trend, "linear trend in the baseline");
  s.Add("holdout", &holdout, "last rows kept out of the fit to measure fit quality").Min(0);
  s.Add("lift_tests", &lift_tests, "CSV of lift tests: channel,start,end,lift,se");
  s.Add("chains", &chains, "MCMC chains").Range(1, 64);
  s.Add("warmup", &warmup, "warmup (adaptation) iterations per chain").Min(0);
  s.Add("draws", &draws, "posterior draws per chain").Min(10);
  s.Add("max_tree_depth", &max_tree_depth, "NUTS maximum tree depth").Range(1, 15);
  s.Add("target_accept", &target_accept, "NUTS target acceptance rate").Range(0.5, 0.99);
  s.Add("dense_metric", &dense_metric, "adapt a dense (full covariance) NUTS metric instead of a diagonal one");
  s.Add("rhat_warn", &rhat_warn, "warn when a parameter's R-hat exceeds this").Min(1);
  s.Add("ess_warn", &ess_warn, "warn when a parameter's bulk ESS is below this").Min(0);
  s.Add("prior_intercept_mean", &prior_intercept_mean, "normal prior mean of the intercept (scaled KPI)")
      .Range(-std::numeric_limits<double>::max(), std::numeric_limits<double>::max());  // any finite mean
  s.Add("prior_intercept_sd", &prior_intercept_sd, "normal prior sd of the intercept").Min(1e-6);
  s.Add("prior_trend_sd", &prior_trend_sd, "normal prior sd of the trend over the whole series").Min(1e-6);
  s.Add("prior_season_sd", &prior_season_sd, "normal prior sd of each Fourier coefficient").Min(1e-6);
  s.Add("prior_control_sd", &prior_control_sd, "normal prior sd of each standardised control").Min(1e-6);
  s.Add("roas_prior", &roas_prior,
        "channel effect prior: pooled (log ROAS of every channel around a common level learned from the data) or "
        "half_normal (independent effects, prior_beta_sd)")
      .Choices({"pooled", "half_normal"});
  s.Add("prior_roas_media_share", &prior_roas_media_share,
        "pooled: the common ROAS level is centred where media would make this share of the KPI")
      .Range(1e-4, 10);
  s.Add("prior_roas_mu_sd", &prior_roas_mu_sd, "pooled: normal sd of the log common ROAS level").Min(1e-3);
  s.Add("prior_roas_tau_sd", &prior_roas_tau_sd, "pooled: half-normal sd of the spread of log ROAS across channels")
      .Min(1e-3);
  s.Add("prior_beta_sd", &prior_beta_sd,
        "half_normal: sd of each channel's weekly effect at its typical spend (scaled KPI)")
      .Min(1e-6);
  s.Add("prior_sigma_sd", &prior_sigma_sd, "half-normal sd of the noise (scaled KPI)").Min(1e-6);
  s.Add("prior_alpha_a", &prior_alpha_a, "Beta(a, b) prior of geometric decay: a").Min(1e-3);
  s.Add("prior_alpha_b", &prior_alpha_b, "Beta(a, b) prior of geometric decay: b").Min(1e-3);
  s.Add("prior_weibull_shape_median", &prior_weibull_shape_median, "log-normal median of the Weibull shape").Min(1e-3);
  s.Add("prior_weibull_shape_logsd", &prior_weibull_shape_logsd, "log-normal sd of the Weibull shape").Min(1e-3);
  s.Add("prior_weibull_scale_median", &prior_weibull_scale_median, "log-normal median of the Weibull scale (rows)")
      .Min(1e-3);
  s.Add("prior_weibull_scale_logsd", &prior_weibull_scale_logsd, "log-normal sd of the Weibull scale").Min(1e-3);
  s.Add("prior_hill_k_median", &prior_hill_k_median,
        "log-normal median of Hill K (x the channel's typical spend while on)")
      .Min(1e-3);
  s.Add("prior_hill_k_logsd", &prior_hill_k_logsd, "log-normal sd of Hill K").Min(1e-3);
  s.Add("prior_hill_gamma_median", &prior_hill_gamma_median, "log-normal median of the Hill exponent").Min(1e-3);
  s.Add("prior_hill_gamma_logsd", &prior_hill_gamma_logsd, "log-normal sd of the Hill exponent").Min(1e-3);
  s.Add("prior_logistic_lambda_median", &prior_logistic_lambda_median,
        "log-normal median of logistic lambda (/ the channel's typical spend while on)")
      .Min(1e-3);
  s.Add("prior_logistic_lambda_logsd", &prior_logistic_lambda_logsd, "log-normal sd of logistic lambda").Min(1e-3);
}

void ResolveChannels(const std::string& path, const std::vector<std::string>& channels, MmmOptions& o) {
  o.channel_specs.clear();
  for (const auto& c : channels) o.channel_specs.push_back(ChannelSpec{c, o.adstock, o.saturation, o.max_lag});
  if (path.empty()) return;
  toml::value root = ParseTomlFile(path);
  for (const auto& [key, v] : root.as_table()) {
    if (!v.is_table()) continue;  // top-level keys belong to MmmOptions
    if (key != "channel")
      Throw(ErrorCode::kInvalidArgument, "{}: unknown table [{}]; valid: [channel.NAME]", path, key);
    for (const auto& [name, tab] : v.as_table()) {
      auto it = std::find(channels.begin(), channels.end(), name);
      if (it == channels.end())
        Throw(ErrorCode::kInvalidArgument, "{}: [channel.{}] is not one of the channels ({})", path, name,
              fmt::join(channels, ", "));
      if (!tab.is_table()) Throw(ErrorCode::kInvalidArgument, "{}: channel.{} must be a table", path, name);
      ChannelSpec& spec = o.channel_specs[it - channels.begin()];
      OptionSet s("channel." + name);
      s.Add("adstock", &spec.adstock, "adstock").Choices({"geometric", "weibull_cdf", "weibull_pdf"});
      s.Add("saturation", &spec.saturation, "saturation").Choices({"hill", "logistic"});
      s.Add("max_lag", &spec.max_lag, "adstock window").Range(1, 104);
      std::string origin = fmt::format("{} [channel.{}]", path, name);
      for (const auto& [k, val] : tab.as_table()) {
        std::string text;
        if (val.is_string()) text = val.as_string();
        else if (val.is_integer()) text = std::to_string(val.as_integer());
        else if (val.is_floating()) text = fmt::format("{}", val.as_floating());
        else if (val.is_boolean()) text = val.as_boolean() ? "true" : "false";
        else Throw(ErrorCode::kInvalidArgument, "{}: key '{}' has an unsupported type", origin, k);
        s.SetFromString(k, text, origin);
      }
    }
  }
}

}  // namespace adpilot::mmm
