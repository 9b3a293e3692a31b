// A randomised experiment with heterogeneous treatment effects: each unit's
// conversion probability under both variants is known, so uplift models and
// CUPED can be checked against the true individual and average effects.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/progress.h"
#include "gen/out_file.h"
#include "gen/parts.h"
#include "gen/random.h"

namespace adpilot::gen {

nlohmann::json WriteExperiment(const WorldConfig& cfg, const std::string& dir, const Context& ctx) {
  // Features and outcomes and the assignment use separate streams: the
  // assignment is independent of everything else by construction.
  Random rng = Random::Stream(ctx, "experiment");
  Random assign = Random::Stream(ctx, "experiment.assign");
  OutFile out(dir + "/experiment.csv"), truth(dir + "/uplift_truth.csv");
  out.Append("unit_id,variant,pre_revenue,age,tenure_months,mobile,region,past_purchases,converted,revenue\n");
  truth.Append("unit_id,p_control,p_treatment,uplift,revenue_uplift\n");
  const double s = cfg.uplift_strength;
  int64_t treated = 0, conv_c = 0, conv_t = 0;
  double sum_uplift = 0, sum_rev_uplift = 0, sum_pc = 0, sum_pt = 0;
  Progress progress(ctx, "gen experiment", uint64_t(cfg.experiment_units), "units");
  for (int64_t i = 0; i < cfg.experiment_units; ++i) {
    int age = int(std::clamp<long>(std::lround(rng.Normal(40, 13)), 18, 80));
    int tenure = int(rng.Below(120));
    int mobile = rng.Bernoulli(0.55) ? 1 : 0;
    int region = int(rng.Below(kRegions.size()));
    double engagement = rng.Normal();
    int64_t past = rng.Poisson(2.0 * std::exp(0.5 * engagement));
    double pre = std::round(std::exp(2.5 + 0.7 * engagement + rng.Normal(0, 0.3)) * 100) / 100;
    double base =
        -3.0 + 0.7 * engagement + 0.1 * double(std::min<int64_t>(past, 10)) - 0.01 * (age - 40) + 0.2 * mobile;
    double tau = s * (0.3 + 0.5 * (age < 35) + 0.4 * mobile - 0.3 * (tenure > 60) +
                      0.1 * double(std::min<int64_t>(past, 5)) - 0.5 * (region == 1));
    double pc = Sigmoid(base), pt = Sigmoid(base + tau);
    double value = std::exp(3.5 + 0.3 * engagement);  // expected revenue of a conversion
    bool treat = assign.Uniform() < cfg.treatment_share;
    bool converted = rng.Uniform() < (treat ? pt : pc);
    // Lognormal noise with mean 1 around the unit's conversion value.
    double noise = std::exp(rng.Normal(-0.08, 0.4));
    double revenue = converted ? std::round(value * noise * 100) / 100 : 0;
    std::string id = fmt::format("e{:07d}", i);
    out.Append(fmt::format("{},{},{:.2f},{},{},{},{},{},{},{:.2f}\n", id, treat ? "treatment" : "control", pre, age,
                           tenure, mobile, kRegions[size_t(region)], past, converted ? 1 : 0, revenue));
    truth.Append(fmt::format("{},{:.6g},{:.6g},{:.6g},{:.6g}\n", id, pc, pt, pt - pc, (pt - pc) * value));
    out.MaybeFlush();
    truth.MaybeFlush();
    treated += treat;
    (treat ? conv_t : conv_c) += converted;
    sum_uplift += pt - pc;
    sum_rev_uplift += (pt - pc) * value;
    sum_pc += pc;
    sum_pt += pt;
    progress.Add();
  }
  out.Commit();
  truth.Commit();
  double n = double(cfg.experiment_units);
  nlohmann::json j;
  j["file"] = "experiment.csv";
  j["uplift_file"] = "uplift_truth.csv";
  j["units"] = cfg.experiment_units;
  j["treated"] = treated;
  j["treatment_share"] = cfg.treatment_share;
  j["ate"] = sum_uplift / n;
  j["ate_revenue"] = sum_rev_uplift / n;
  j["control_rate"] = sum_pc / n;
  j["treatment_rate"] = sum_pt / n;
  j["observed_conversions"] = {{"control", conv_c}, {"treatment", conv_t}};
  j["model"] = {{"engagement", "e ~ N(0,1), latent, not in the file"},
                {"pre_revenue", "exp(2.5 + 0.7e + N(0, 0.3^2))"},
                {"p_control", "sigmoid(-3 + 0.7e + 0.1*min(past_purchases,10) - 0.01*(age-40) + 0.2*mobile)"},
                {"uplift_logit", fmt::format("{} * (0.3 + 0.5*[age<35] + 0.4*mobile - 0.3*[tenure_months>60] + "
                                             "0.1*min(past_purchases,5) - 0.5*[region=south])",
                                             s)},
                {"p_treatment", "sigmoid(logit(p_control) + uplift_logit)"},
                {"revenue", "converted * exp(3.5 + 0.3e) * lognormal(-0.08, 0.4)"}};
  return j;
}

}  // namespace adpilot::gen
