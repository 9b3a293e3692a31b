// The evaluate stage's A/B commands: abtest (readout of per-unit rows or
// per-variant aggregates) and abtest plan (power / sample size). Their options
// are declared here once; the CLI and `adpilot run` bind from them.
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "adpilot/abtest.h"
#include "adpilot/command.h"
#include "adpilot/error.h"
#include "adpilot/table.h"
#include "adpilot/text.h"

namespace adpilot::abtest {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> ParseSplit(const std::string& s) {
  std::vector<double> out;
  if (s.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(',', start);
    std::string part = s.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
    try {
      size_t used = 0;
      out.push_back(std::stod(part, &used));
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      Throw(ErrorCode::kInvalidArgument, "--split: expected comma-separated numbers like 50,50, got '{}'", s);
    }
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

class AbtestCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "abtest --data world/experiment.csv --variant-col variant --control control --metric converted --covariate "
        "pre_revenue",
        "abtest --data units.csv --variant-col variant --control lin --metric clicks --sequential"};
  }
  void Describe(OptionSet& s) override {
    s.Add("data", &data_, "CSV: one row per unit (or per variant with --aggregates)").Required();
    s.Add("variant_col", &ab_.variant_col, "column holding the variant name").Required();
    s.Add("control", &ab_.control, "value of the control variant").Required();
    s.Add("metric", &ab_.metrics, "metric column (repeatable; 'num/den' for a ratio metric); the first decides")
        .Required();
    s.Add("covariate", &ab_.covariate, "pre-period covariate column for CUPED");
    s.Add("sequential", &ab_.sequential, "always-valid mSPRT p-values: safe to peek");
    s.Add("timestamp_col", &ab_.timestamp, "order of sequential looks (default: file order)");
    s.Add("msprt_tau", &ab_.msprt_tau, "mSPRT mixing sd (0 = 0.1 pooled sd)").Min(0);
    s.Add("split", &split_, "planned shares per variant, control first (default equal), e.g. 50,50");
    s.Add("alpha", &ab_.alpha, "significance level").Range(1e-6, 0.5);
    s.Add("power", &ab_.power, "power for the remaining-sample estimate").Range(0.05, 0.9999);
    s.Add("mde", &ab_.mde,
          "smallest effect worth detecting, an absolute difference of the first metric (0.01 = one point on a "
          "proportion); 'stop' for futility needs the interval inside +-mde (0 = 5% of the control mean)")
        .Min(0);
    s.Add("dp_epsilon", &ab_.dp_epsilon,
          "differential privacy: release only noisy counts and sums spending this epsilon in all (0 = off)")
        .Min(0);
    s.Add("dp_delta", &ab_.dp_delta, "with --dp-epsilon: > 0 uses Gaussian noise with this delta in all").Range(0, 0.5);
    s.Add("dp_clip", &dp_clip_,
          "with --dp-epsilon: each unit's metric is clipped to LO:HI, the contribution bound (default 0:1)");
    s.Add("aggregates", &aggregates_, "rows are per-variant totals: --n-col and --metric (successes or sum)");
    s.Add("n_col", &agg_.n_col, "units column with --aggregates");
    s.Add("sum_sq_col", &agg_.sum_sq_col, "sum of squares column with --aggregates (mean metric)");
  }

  nlohmann::json Run(const Context& ctx) override {
    Table t = ReadCsvTable(data_);
    ab_.split = ParseSplit(split_);
    if (!dp_clip_.empty()) {
      size_t c = dp_clip_.find(':');
      double lo = 0, hi = 0;
      if (c == std::string::npos || !ParseDouble(dp_clip_.substr(0, c), lo) || !ParseDouble(dp_clip_.substr(c + 1), hi))
        Throw(ErrorCode::kInvalidArgument, "--dp-clip '{}': expected LO:HI, e.g. 0:100", dp_clip_);
      ab_.dp_clip_lo = lo, ab_.dp_clip_hi = hi;
    }
    if (ab_.dp_delta > 0 && !(ab_.dp_epsilon > 0)) Throw(ErrorCode::kInvalidArgument, "--dp-delta needs --dp-epsilon");
    if (aggregates_ && ab_.dp_epsilon > 0)
      Throw(ErrorCode::kInvalidArgument, "--dp-epsilon needs per-unit rows (the contribution bound), not --aggregates");
    if (!aggregates_) return ToJson(AnalyzeExperiment(t, ab_, ctx));
    agg_.variant_col = ab_.variant_col;
    agg_.control = ab_.control;
    agg_.metric_col = ab_.metrics.front();
    agg_.alpha = ab_.alpha;
    agg_.power = ab_.power;
    agg_.split = ab_.split;
    agg_.mde = ab_.mde;
    return ToJson(AnalyzeAggregates(t, agg_));
  }

 private:
  std::string data_, split_, dp_clip_;
  bool aggregates_ = false;
  AbOptions ab_;
  AggregateOptions agg_;
};

class PlanCommand : public Command {
 public:
  std::vector<std::string> Examples() const override { return {"abtest plan --baseline 0.10 --mde 0.05"}; }
  void Describe(OptionSet& s) override {
    // A negative --baseline or --sd (the defaults) means not given.
    s.Add("baseline", &baseline_, "control conversion rate (proportion metric)").Range(-1, 1);
    s.Add("mean", &mean_, "control mean (mean metric; with --sd)").Range(-kInf, kInf);
    s.Add("sd", &sd_, "standard deviation per unit (mean metric)").Range(-1, kInf);
    s.Add("mde", &mde_, "minimum detectable effect as relative lift (0.05 = +5%)").Range(-kInf, kInf);
    s.Add("mde_abs", &mde_abs_, "minimum detectable effect as an absolute difference").Range(-kInf, kInf);
    s.Add("alpha", &alpha_, "two-sided significance level").Range(1e-6, 0.5);
    s.Add("power", &power_, "target power").Range(0.05, 0.9999);
    s.Add("ratio", &ratio_, "treatment units per control unit").Range(1e-3, 1e3);
    s.Add("n", &n_, "units per control arm: report the power reached instead (0 = solve for the sample size)").Min(0);
  }

  nlohmann::json Run(const Context&) override {
    double d = 0, base = 0, target = 0;
    nlohmann::json j;
    if (baseline_ >= 0) {
      if (!(baseline_ > 0 && baseline_ < 1))
        Throw(ErrorCode::kInvalidArgument, "--baseline must be a rate in (0, 1), got {}", baseline_);
      base = baseline_;
      target = mde_abs_ != 0 ? base + mde_abs_ : base * (1 + mde_);
      if (!(target > 0 && target < 1))
        Throw(ErrorCode::kInvalidArgument, "--mde moves the rate {} to {}, outside (0, 1)", base, target);
      d = CohenH(base, target);
      j["metric"] = "proportion";
      j["effect_size"] = d;
    } else if (sd_ > 0) {
      base = mean_;
      double delta = mde_abs_ != 0 ? mde_abs_ : mde_ * mean_;
      target = base + delta;
      d = delta / sd_;
      j["metric"] = "mean";
      j["effect_size"] = d;
    } else {
      Throw(ErrorCode::kInvalidArgument, "plan: give --baseline RATE (proportions) or --mean M --sd S (means)");
    }
    if (d == 0) Throw(ErrorCode::kInvalidArgument, "plan: give a non-zero --mde or --mde-abs");
    j["control"] = base;
    j["treatment"] = target;
    j["alpha"] = alpha_;
    if (n_ > 0) {
      j["n_control"] = n_;
      j["n_treatment"] = n_ * ratio_;
      j["power"] = Power(std::fabs(d), n_, alpha_, ratio_);
    } else {
      double n1 = SampleSize(std::fabs(d), alpha_, power_, ratio_);
      j["power"] = power_;
      j["n_control_exact"] = n1;
      j["n_control"] = std::ceil(n1);
      j["n_treatment"] = std::ceil(n1 * ratio_);
      j["n_total"] = std::ceil(n1) + std::ceil(n1 * ratio_);
    }
    return j;
  }

 private:
  double baseline_ = -1, mean_ = 0, sd_ = -1, mde_ = 0, mde_abs_ = 0, alpha_ = 0.05, power_ = 0.8, ratio_ = 1, n_ = 0;
};

ADPILOT_COMMAND("abtest", "evaluate", "read out an A/B test: lift, intervals, CUPED, mSPRT, SRM, verdict",
                AbtestCommand);
ADPILOT_COMMAND("abtest plan", "evaluate", "power and sample size for a planned test", PlanCommand);

}  // namespace
}  // namespace adpilot::abtest
