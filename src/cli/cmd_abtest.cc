// adpilot abtest [plan]: A/B readout of per-unit rows or per-variant aggregates,
// and the power / sample-size calculator.
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/abtest.h"
#include "adpilot/error.h"
#include "adpilot/registry.h"
#include "adpilot/table.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

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

void InstallPlan(CLI::App* ab) {
  struct Args {
    double baseline = -1, mean = 0, sd = -1, mde = 0, mde_abs = 0, alpha = 0.05, power = 0.8, ratio = 1, n = 0;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* plan = ab->add_subcommand("plan", "power and sample size for a planned test");
  plan->add_option("--baseline", a->baseline, "control conversion rate (proportion metric)");
  plan->add_option("--mean", a->mean, "control mean (mean metric; with --sd)");
  plan->add_option("--sd", a->sd, "standard deviation per unit (mean metric)");
  plan->add_option("--mde", a->mde, "minimum detectable effect as relative lift (0.05 = +5%)");
  plan->add_option("--mde-abs", a->mde_abs, "minimum detectable effect as an absolute difference");
  plan->add_option("--alpha", a->alpha, "two-sided significance level")->check(CLI::Range(1e-6, 0.5));
  plan->add_option("--power", a->power, "target power")->check(CLI::Range(0.05, 0.9999));
  plan->add_option("--ratio", a->ratio, "treatment units per control unit")->check(CLI::Range(1e-3, 1e3));
  plan->add_option("--n", a->n, "units per control arm: report the power reached instead");
  plan->add_flag("--json", a->json, "print one JSON object on stdout");
  plan->callback([a] {
    double d = 0, base = 0, target = 0;
    nlohmann::json j;
    if (a->baseline >= 0) {
      if (!(a->baseline > 0 && a->baseline < 1))
        Throw(ErrorCode::kInvalidArgument, "--baseline must be a rate in (0, 1), got {}", a->baseline);
      base = a->baseline;
      target = a->mde_abs != 0 ? base + a->mde_abs : base * (1 + a->mde);
      if (!(target > 0 && target < 1))
        Throw(ErrorCode::kInvalidArgument, "--mde moves the rate {} to {}, outside (0, 1)", base, target);
      d = abtest::CohenH(base, target);
      j["metric"] = "proportion";
      j["effect_size"] = d;
    } else if (a->sd > 0) {
      base = a->mean;
      double delta = a->mde_abs != 0 ? a->mde_abs : a->mde * a->mean;
      target = base + delta;
      d = delta / a->sd;
      j["metric"] = "mean";
      j["effect_size"] = d;
    } else {
      Throw(ErrorCode::kInvalidArgument, "plan: give --baseline RATE (proportions) or --mean M --sd S (means)");
    }
    if (d == 0) Throw(ErrorCode::kInvalidArgument, "plan: give a non-zero --mde or --mde-abs");
    j["control"] = base;
    j["treatment"] = target;
    j["alpha"] = a->alpha;
    if (a->n > 0) {
      j["n_control"] = a->n;
      j["n_treatment"] = a->n * a->ratio;
      j["power"] = abtest::Power(std::fabs(d), a->n, a->alpha, a->ratio);
    } else {
      double n1 = abtest::SampleSize(std::fabs(d), a->alpha, a->power, a->ratio);
      j["power"] = a->power;
      j["n_control_exact"] = n1;
      j["n_control"] = std::ceil(n1);
      j["n_treatment"] = std::ceil(n1 * a->ratio);
      j["n_total"] = std::ceil(n1) + std::ceil(n1 * a->ratio);
    }
    if (a->json) {
      PrintJson(j);
      return;
    }
    if (a->n > 0)
      fmt::print("with {} control and {} treatment units, power to detect {:.6g} -> {:.6g} is {:.3f} (alpha {})\n", a->n,
                 a->n * a->ratio, base, target, j["power"].get<double>(), a->alpha);
    else
      fmt::print("to detect {:.6g} -> {:.6g} with power {} at alpha {}: {} control + {} treatment units ({} in all)\n", base,
                 target, a->power, a->alpha, j["n_control"].get<double>(), j["n_treatment"].get<double>(),
                 j["n_total"].get<double>());
  });
}

void InstallAbtest(CLI::App& app, Globals& g) {
  struct Args {
    std::string data, variant_col, control, covariate, timestamp, split, n_col = "n", sum_sq_col;
    std::vector<std::string> metrics;
    bool sequential = false, json = false, aggregates = false;
    double alpha = 0.05, power = 0.8, tau = 0;
  };
  auto a = std::make_shared<Args>();
  auto* ab = app.add_subcommand("abtest", "read out an A/B test: lift, intervals, CUPED, mSPRT, SRM, verdict");
  ab->require_subcommand(0, 1);
  ab->add_option("--data", a->data, "CSV: one row per unit (or per variant with --aggregates)");
  ab->add_option("--variant-col", a->variant_col, "column holding the variant name");
  ab->add_option("--control", a->control, "value of the control variant");
  ab->add_option("--metric", a->metrics, "metric column (repeatable; 'num/den' for a ratio metric); the first decides");
  ab->add_option("--covariate", a->covariate, "pre-period covariate column for CUPED");
  ab->add_flag("--sequential", a->sequential, "always-valid mSPRT p-values: safe to peek");
  ab->add_option("--timestamp-col", a->timestamp, "order of sequential looks (default: file order)");
  ab->add_option("--msprt-tau", a->tau, "mSPRT mixing sd (default 0.1 pooled sd)");
  ab->add_option("--split", a->split, "planned shares per variant, control first (default equal), e.g. 50,50");
  ab->add_option("--alpha", a->alpha, "significance level")->check(CLI::Range(1e-6, 0.5));
  ab->add_option("--power", a->power, "power for the remaining-sample estimate")->check(CLI::Range(0.05, 0.9999));
  ab->add_flag("--aggregates", a->aggregates, "rows are per-variant totals: --n-col and --metric (successes or sum)");
  ab->add_option("--n-col", a->n_col, "units column with --aggregates");
  ab->add_option("--sum-sq-col", a->sum_sq_col, "sum of squares column with --aggregates (mean metric)");
  ab->add_flag("--json", a->json, "print one JSON object on stdout");
  InstallPlan(ab);
  ab->callback([a, ab, &g] {
    if (!ab->get_subcommands().empty()) return;
    for (auto [flag, v] : {std::pair<const char*, std::string*>{"--data", &a->data}, {"--variant-col", &a->variant_col},
                           {"--control", &a->control}})
      if (v->empty()) Throw(ErrorCode::kInvalidArgument, "abtest: {} is required", flag);
    if (a->metrics.empty()) Throw(ErrorCode::kInvalidArgument, "abtest: --metric is required");
    Context ctx = MakeContext(g);
    Table t = ReadCsvTable(a->data);
    abtest::AbReport rep;
    std::vector<double> split = ParseSplit(a->split);
    if (a->aggregates) {
      abtest::AggregateOptions o;
      o.variant_col = a->variant_col;
      o.control = a->control;
      o.n_col = a->n_col;
      o.metric_col = a->metrics.front();
      o.sum_sq_col = a->sum_sq_col;
      o.alpha = a->alpha;
      o.power = a->power;
      o.split = split;
      rep = abtest::AnalyzeAggregates(t, o);
    } else {
      abtest::AbOptions o;
      o.variant_col = a->variant_col;
      o.control = a->control;
      o.metrics = a->metrics;
      o.covariate = a->covariate;
      o.timestamp = a->timestamp;
      o.sequential = a->sequential;
      o.alpha = a->alpha;
      o.power = a->power;
      o.split = split;
      o.msprt_tau = a->tau;
      rep = abtest::AnalyzeExperiment(t, o, ctx);
    }
    if (a->json) PrintJson(abtest::ToJson(rep));
    else fmt::print("{}", abtest::FormatReport(rep));
  });
}

ADPILOT_CLI_COMMAND(70, InstallAbtest);

}  // namespace
}  // namespace adpilot::cli
