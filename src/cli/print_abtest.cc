// Text output of `adpilot abtest` and `adpilot abtest plan` (the commands live
// in src/evaluate/abtest), read from their JSON results.
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

// A number of the report; null (a value that was not finite) reads as NaN.
std::string Pct(double x) { return std::isfinite(x) ? fmt::format("{:+.2f}%", 100 * x) : "n/a"; }

void PrintReport(const json& r, const json&) {
  std::string s = fmt::format("{:<16} {:>10} {:>12} {:>24}\n", "variant", "n", "mean", "95% CI");
  for (const auto& v : r["variants"])
    s += fmt::format("{:<16} {:>10} {:>12.6g} {:>11.6g} .. {:<11.6g}\n", v["name"].get<std::string>(),
                     v["n"].get<uint64_t>(), Num(v, "mean"), Num(v, "mean_ci_low"), Num(v, "mean_ci_high"));
  s += "\n";
  const json& results = r["results"];
  for (const auto& m : results) {
    s += fmt::format("{} vs control, {} ({}, {}): lift {} [{} .. {}], p = {:.4g}", m["variant"].get<std::string>(),
                     m["metric"].get<std::string>(), m["kind"].get<std::string>(), m["test"].get<std::string>(),
                     Pct(Num(m, "lift")), Pct(Num(m, "ci_low")), Pct(Num(m, "ci_high")), Num(m, "p_value"));
    if (results.size() > 1) s += fmt::format(", BH p = {:.4g}", Num(m, "p_value_bh"));
    if (!std::isnan(Num(m, "always_valid_p"))) s += fmt::format(", always-valid p = {:.4g}", Num(m, "always_valid_p"));
    if (Num(m, "variance_reduction") != 0)
      s += fmt::format(", CUPED variance reduction {:.1f}%", 100 * Num(m, "variance_reduction"));
    s += "\n";
  }
  s += fmt::format("\nsample ratio check: chi2 = {:.3f}, p = {:.4g}{}\n", Num(r, "srm_chi2"), Num(r, "srm_p_value"),
                   r["srm_flag"].get<bool>() ? "  << MISMATCH" : "");
  s += fmt::format("verdict: {}\n  rule: {}\n  {}\n", r["verdict"].get<std::string>(), r.value("rule", ""),
                   r["reason"].get<std::string>());
  fmt::print("{}", s);
}

void PrintCalibrate(const json& j, const json&) {
  std::string s = fmt::format("{} simulated experiments per effect, {}{}; MDE {}\n", j["replicates"].get<int>(),
                              j["sequential"].get<bool>() ? "sequential (a look a day)" : "fixed horizon",
                              j["cuped"].get<bool>() ? ", CUPED" : "", Num(j, "mde"));
  auto rate = [](const json& r) {
    return fmt::format("{:>4}/{:<4} {:5.1f}% [{:.1f}, {:.1f}]", r["count"].get<int>(), r["n"].get<int>(),
                       100 * Num(r, "rate"), 100 * Num(r, "low"), 100 * Num(r, "high"));
  };
  s += fmt::format("{:<10} {:<28} {:<28} {:<28}\n", "effect", "ship", "futility stop", "interval covers");
  for (const json& sc : j["scenarios"])
    s += fmt::format("{:<10.4g} {:<28} {:<28} {:<28}\n", Num(sc, "effect"), rate(sc["ship"]), rate(sc["futility_stop"]),
                     rate(sc["coverage"]));
  fmt::print("{}", s);
}

void PrintPlan(const json& j, const json& opts) {
  double base = Num(j, "control"), target = Num(j, "treatment"), alpha = Num(j, "alpha");
  if (opts["n"].get<double>() > 0)
    fmt::print("with {} control and {} treatment units, power to detect {:.6g} -> {:.6g} is {:.3f} (alpha {})\n",
               Num(j, "n_control"), Num(j, "n_treatment"), base, target, Num(j, "power"), alpha);
  else
    fmt::print("to detect {:.6g} -> {:.6g} with power {} at alpha {}: {} control + {} treatment units ({} in all)\n",
               base, target, Num(j, "power"), alpha, Num(j, "n_control"), Num(j, "n_treatment"), Num(j, "n_total"));
}

ADPILOT_CLI_PRINTER("abtest", PrintReport);
ADPILOT_CLI_PRINTER("abtest plan", PrintPlan);
ADPILOT_CLI_PRINTER("abtest calibrate", PrintCalibrate);

}  // namespace
}  // namespace adpilot::cli
