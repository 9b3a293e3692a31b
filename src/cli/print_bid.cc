// Text output of `adpilot bid simulate|compare|ab|train` (the commands live in src/deliver).
#include <string>

#include <fmt/format.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

std::string S(const json& j, const char* key) { return j.at(key).get<std::string>(); }
uint64_t U(const json& j, const char* key) { return j.at(key).get<uint64_t>(); }

// A sweep (--campaigns, --budget-ratios): one line per run.
void PrintSweep(const json& out) {
  fmt::print("{:<10} {:<10} {:<10} {:>8} {:>8} {:>12} {:>12} {:>9}\n", "campaign", "c0", "strategy", "clicks", "imps",
             "spend", "budget", "hindsight");
  for (const json& r : out["runs"])
    fmt::print("{:<10} {:<10.5f} {:<10} {:>8} {:>8} {:>12.0f} {:>12.0f} {:>9.0f}\n", r.value("campaign", "-"),
               Num(r, "budget_ratio"), S(r, "resolved_strategy"), U(r, "clicks"), U(r, "impressions"), Num(r, "spend"),
               Num(r, "budget"), Num(r, "hindsight_optimal_clicks"));
}

void PrintSimulate(const json& r, const json&) {
  if (r.contains("runs")) return PrintSweep(r);
  const std::string strategy = S(r, "strategy"), resolved = S(r, "resolved_strategy");
  const json& fb = r["pctr_foresight"];
  fmt::print(
      "strategy     {}{}\nauctions     {}\nbids         {}\nimpressions  {}\nclicks       {}\n"
      "conversions  {}\nspend        {:.0f}\nbudget       {:.0f}\nwin rate     {:.4f}\n"
      "CPM          {:.2f}\neCPC         {:.2f}\nhindsight    {:.0f} clicks\n"
      "expected     {:.1f} clicks (sum of won pCTR; pCTR foresight bound {:.1f}, its purchase {:.0f} clicks)\n",
      strategy, resolved != strategy ? " (picked " + resolved + " on the tuning log)" : "", U(r, "auctions"),
      U(r, "bids"), U(r, "impressions"), U(r, "clicks"), U(r, "conversions"), Num(r, "spend"), Num(r, "budget"),
      Num(r, "win_rate"), Num(r, "cpm"), Num(r, "ecpc"), Num(r, "hindsight_optimal_clicks"), Num(r, "expected_clicks"),
      Num(fb, "expected_clicks"), Num(fb, "clicks"));
}

void PrintCompare(const json& out, const json&) {
  // "expected" = the sum of the won auctions' pCTR: what the bidder controls,
  // next to the pCTR-foresight bound printed once per budget ratio (and
  // campaign, with --campaigns: then each line starts with it).
  const json& rows = out["rows"];
  const bool many = out.contains("campaigns");
  auto camp = [&](const json& row) { return many ? fmt::format("{:<10} ", row.value("campaign", "")) : std::string(); };
  fmt::print("{}{:<10} {:<10} {:>9} {:>9} {:>8} {:>12} {:>12}\n", many ? fmt::format("{:<10} ", "campaign") : "", "c0",
             "strategy", "clicks", "expected", "imps", "spend", "budget");
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    const double ratio = Num(row, "budget_ratio");
    const std::string name = S(row, "strategy"), resolved = S(row, "resolved_strategy");
    fmt::print("{}{:<10.5f} {:<10} {:>9} {:>9.1f} {:>8} {:>12.0f} {:>12.0f}{}\n", camp(row), ratio, name,
               U(row, "clicks"), Num(row, "expected_clicks"), U(row, "impressions"), Num(row, "spend"),
               Num(row, "budget"), resolved != name ? "  (picked " + resolved + ")" : "");
    if (i + 1 == rows.size() || Num(rows[i + 1], "budget_ratio") != ratio || camp(rows[i + 1]) != camp(row)) {
      const json& fb = row["pctr_foresight"];
      fmt::print(
          "{}{:<10.5f} {:<10} {:>9.0f} {:>9.1f}  (knows every price and pCTR in advance: the expected-click bound)\n",
          camp(row), ratio, "foresight", Num(fb, "clicks"), Num(fb, "expected_clicks"));
    }
  }
}

void PrintAb(const json& j, const json&) {
  const json &a = j["arms"][0], &b = j["arms"][1];
  fmt::print("{} episodes -> {}: {} gets {} ({} clicks), {} gets {} ({} clicks)\n", U(j, "episodes"), S(j, "units"),
             S(a, "strategy"), U(a, "episodes"), U(a, "clicks"), S(b, "strategy"), U(b, "episodes"), U(b, "clicks"));
}

void PrintTrain(const json& j, const json&) {
  fmt::print("{} policy written to {}\n{}\n", S(j, "strategy"), S(j, "out"), j["params"].dump());
}

ADPILOT_CLI_PRINTER("bid simulate", PrintSimulate);
ADPILOT_CLI_PRINTER("bid compare", PrintCompare);
ADPILOT_CLI_PRINTER("bid ab", PrintAb);
ADPILOT_CLI_PRINTER("bid train", PrintTrain);

}  // namespace
}  // namespace adpilot::cli
