// Text output of `adpilot mmm fit|allocate|split` (the commands live in src/schedule).
#include <cmath>

#include <fmt/format.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

void PrintFit(const json& r, const json& opts) {
  fmt::print("{:<20} {:>10} {:>22} {:>10} {:>8}\n", "channel", "roas", "90% interval", "mroas", "share");
  for (const auto& c : r["channels"])
    fmt::print("{:<20} {:>10.4g} [{:>9.4g}, {:>9.4g}] {:>10.4g} {:>7.1f}%\n", c["name"].get<std::string>(),
               Num(c, "roas"), Num(c, "roas_low"), Num(c, "roas_high"), Num(c, "mroas"),
               100 * Num(c, "contribution_share"));
  const json &train = r["train"], &hold = r["holdout"];
  fmt::print("train R2 {:.3f}  holdout ({} rows) R2 {:.3f} NRMSE {:.3f} MAPE {:.3f}\n", Num(train, "r2"),
             hold["rows"].get<int64_t>(), Num(hold, "r2"), Num(hold, "nrmse"), Num(hold, "mape"));
  fmt::print("R-hat max {:.3f}  bulk ESS min {:.0f}  divergences {}  {:.1f} s  model {}\n", Num(r, "rhat_max"),
             Num(r, "ess_min"), r["divergences"].get<int64_t>(), Num(r, "seconds"), opts["out"].get<std::string>());
}

void PrintAllocate(const json& al, const json&) {
  fmt::print("{:<20} {:>14} {:>14} {:>12}\n", "channel", "recommended", "current", "mroas");
  for (const auto& c : al["channels"]) {
    std::string note, src = c["bound"].get<std::string>();
    if (c["at_bound"].get<bool>())
      note = src == "guard" ? "  (at the observed range's end)" : src == "lock" ? "  (locked)" : "  (at bound)";
    fmt::print("{:<20} {:>14.6g} {:>14.6g} {:>12.4g}{}\n", c["name"].get<std::string>(), Num(c, "spend"),
               Num(c, "current"), Num(c, "marginal_roas"), note);
  }
  const json& g = al["guard"];
  if (g["enabled"].get<bool>()) {
    double q = g["quantiles"][0].get<double>(), lo = Num(g, "widened_lo"), hi = Num(g, "widened_hi");
    fmt::print(
        "extrapolation guard: each unbounded channel within the {:g}%-{:g}% quantiles of its observed adstocked "
        "spend{} (--no-guard to lift)\n",
        100 * q, 100 * (1 - q),
        hi != 1 || lo != 1 ? fmt::format(", ends widened x{:.3g} / x{:.3g} to fit the budget", lo, hi) : std::string());
  }
  int periods = al["periods"].get<int>();
  fmt::print("expected KPI per period {:.6g} vs current split {:.6g}: uplift {:.6g} [{:.6g}, {:.6g}] {}\n",
             Num(al, "expected_kpi"), Num(al, "current_kpi"), Num(al, "uplift"), Num(al, "uplift_low"),
             Num(al, "uplift_high"),
             periods > 0 ? fmt::format("over {} periods", periods) : std::string("in steady state"));
}

void PrintSplit(const json& s, const json&) {
  fmt::print("{:<20} {:>14} {:>10} {:>14}\n", "campaign", "spend", "bid", "kpi");
  for (const auto& c : s["campaigns"])
    fmt::print("{:<20} {:>14.6g} {:>10.4g} {:>14.6g}\n", c["name"].get<std::string>(), Num(c, "spend"), Num(c, "bid"),
               Num(c, "kpi"));
  fmt::print("expected KPI {:.6g}; every campaign bids value x pCTR x pCVR / {:.6g}\n", Num(s, "expected_kpi"),
             Num(s, "lambda"));
}

ADPILOT_CLI_PRINTER("mmm fit", PrintFit);
ADPILOT_CLI_PRINTER("mmm allocate", PrintAllocate);
ADPILOT_CLI_PRINTER("mmm split", PrintSplit);

}  // namespace
}  // namespace adpilot::cli
