// The schedule section of the `adpilot run` report (adpilot/report_section.h):
// `mmm fit` (mmm_page.cc) and `mmm allocate`: the recommended split with its
// interval, beside the current split and, on a generated world, the true optimum.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/report_section.h"
#include "schedule/report_parts.h"

namespace adpilot {
namespace {

using namespace charts;
using schedule_report::AddMmmPages;
using schedule_report::CsvRows;
using schedule_report::WorldTruth;

double Spend(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_array() && !v.empty() && v[0].is_number()) return v[0].get<double>();
  return std::nan("");
}

// The curve's KPI at `spend`, by linear interpolation on its grid.
double OnCurve(const json& curve, const std::string& channel, double spend) {
  double x0 = 0, y0 = 0;
  bool have = false;
  for (const auto& p : curve) {
    if (p.value("channel", "") != channel) continue;
    double x = Num(p, "spend"), y = Num(p, "kpi");
    if (have && x >= spend && x > x0) return y0 + (y - y0) * (spend - x0) / (x - x0);
    x0 = x, y0 = y, have = true;
  }
  return have ? y0 : std::nan("");
}

// The expected KPI change as a share of the current split's, with its
// interval; the one sentence the key figure and the caption both quote.
struct Change {
  Estimate pct;
  std::string value, note, sentence;
};

Change KpiChange(const json& o) {
  Change c;
  const double cur = Num(o, "current_kpi");
  if (!std::isfinite(cur) || cur == 0 || !std::isfinite(Num(o, "expected_kpi"))) return c;
  c.pct = {100 * (Num(o, "expected_kpi") / cur - 1), 100 * Num(o, "uplift_low") / cur,
           100 * Num(o, "uplift_high") / cur};
  // Keeping the current split (shrinkage step 0): every draw's uplift is 0.
  const bool kept = o.contains("shrink") && o["shrink"].is_object() && o["shrink"].value("enabled", false) &&
                    o["shrink"].value("t", 1.0) == 0.0;
  if (kept) {
    c.value = "0% (kept)";
    c.note = "the current split: no move away from it has a positive 5% posterior quantile of the KPI change";
    c.sentence = "The recommendation keeps the current split: the posterior does not agree that any move pays";
    return c;
  }
  auto zero = [](double v) { return std::fabs(v) < 0.05 ? 0.0 : v; };  // no "-0.0%"
  c.pct = {zero(c.pct.value), zero(c.pct.low), zero(c.pct.high)};
  c.value = c.pct.has_interval() ? fmt::format("{:+.1f}% ({:+.1f}% to {:+.1f}%)", c.pct.value, c.pct.low, c.pct.high)
                                 : fmt::format("{:+.1f}%", c.pct.value);
  if (!c.pct.has_interval()) {
    c.note = "recommended vs current split; no interval";
  } else if (c.pct.uncertain()) {
    c.note = "90% interval spans 0: may not beat the current split";
  } else {
    c.note = "recommended vs current split, 90% interval";
  }
  c.sentence = fmt::format("The recommended split is expected to change the KPI by {} against the current split",
                           WithInterval(c.pct, "{:+.1f}%", 90));
  c.sentence +=
      c.pct.uncertain() ? ": the interval holds 0, so the model cannot promise it beats the current one." : ".";
  return c;
}

// The last `bench/calibration/mmm_allocation.py` run: how the default recommendation
// scored against the true optimum over simulated markets (docs/calibration.md).
void AllocationCalibrationBadge(Report& r, const json& calibration) {
  if (!calibration.is_object() || !calibration.contains("mmm_allocation")) return;
  const json& m = calibration["mmm_allocation"];
  const int n = m.value("markets", 0);
  r.AddKeyFigure(
      "Allocation calibration",
      fmt::format("{:.1f}% vs {:.1f}%", 100 * m.value("default_vs_oracle", 0.0),
                  100 * m.value("current_vs_oracle", 0.0)),
      fmt::format("share of the true optimum's KPI reached by the recommended vs the current split over {} simulated "
                  "markets; lost more than 1% to the current split in {}; the 90% uplift interval held the true "
                  "uplift in {} of {} ({}, commit {})",
                  n, m.value("markets_losing_over_1pct", 0), m.value("uplift_covered", 0), n, m.value("date", "?"),
                  m.value("commit", "?")));
}

void Allocation(Report& r, const json& o, const json* fit, const json& truth) {
  std::map<std::string, double> current, recommended, optimum;
  for (auto it = o["allocation"].begin(); it != o["allocation"].end(); ++it) recommended[it.key()] = Spend(it.value());
  if (o.contains("current_allocation") && o["current_allocation"].is_object())
    for (auto it = o["current_allocation"].begin(); it != o["current_allocation"].end(); ++it)
      current[it.key()] = Spend(it.value());
  if (truth.is_object() && truth.contains("mmm") && truth["mmm"].contains("oracle") &&
      truth["mmm"]["oracle"].contains("split") && truth["mmm"]["oracle"]["split"].is_object())
    for (auto it = truth["mmm"]["oracle"]["split"].begin(); it != truth["mmm"]["oracle"]["split"].end(); ++it)
      optimum[it.key()] = Spend(it.value());
  json vals = json::array();
  int toward = 0, judged = 0;
  std::string worst;
  double worst_gap = -1;
  for (const auto& [ch, rec] : recommended) {
    vals.push_back({{"channel", ch}, {"split", "recommended"}, {"spend", rec}});
    if (current.count(ch)) vals.push_back({{"channel", ch}, {"split", "current"}, {"spend", current[ch]}});
    if (optimum.count(ch)) {
      vals.push_back({{"channel", ch}, {"split", "true optimum"}, {"spend", optimum[ch]}});
      if (current.count(ch)) {
        ++judged;
        // A move toward the optimum: same direction, and not past it by more than it was off.
        toward += std::abs(rec - optimum[ch]) < std::abs(current[ch] - optimum[ch]);
        if (std::abs(rec - optimum[ch]) > worst_gap) worst_gap = std::abs(rec - optimum[ch]), worst = ch;
      }
    }
  }
  Change change = KpiChange(o);
  if (!change.value.empty()) r.AddKeyFigure("expected KPI change", change.value, change.note);
  std::string caption = change.sentence.empty() ? "Recommended split per channel." : change.sentence;
  if (o.contains("shrink") && o["shrink"].is_object() && o["shrink"].value("enabled", false)) {
    const json& sh = o["shrink"];
    if (sh.value("t", 1.0) == 0.0) caption += ".";
    caption += fmt::format(
        " It moves {:.0f}% of the way from the current split to the split with the highest expected KPI (expected "
        "change there {:+.1f}%): the step whose {:g}% posterior quantile of the KPI change is highest, so the model "
        "recommends only what its posterior agrees pays.",
        100 * sh.value("t", 0.0), 100 * sh.value("unshrunk_uplift", 0.0) / std::max(1e-300, Num(o, "current_kpi")),
        100 * sh.value("quantile", 0.0));
  }
  if (judged)
    caption += fmt::format(
        " Against the world's true optimum, {} of {} channels move closer; {} stays furthest off ({:.0f} recommended, "
        "{:.0f} true).",
        toward, judged, worst, recommended[worst], optimum[worst]);
  r.AddChart(
      optimum.empty() ? "Budget split: current and recommended" : "Budget split: current, recommended, true optimum",
      {{"data", {{"values", vals}}},
       {"width", 460},
       {"height", 240},
       {"mark", {{"type", "bar"}, {"tooltip", true}}},
       {"encoding",
        {{"x", Enc("channel", "nominal", "channel")},
         {"xOffset", {{"field", "split"}}},
         {"y", Enc("spend", "quantitative", "spend per period")},
         {"color", Enc("split", "nominal", "split")}}}},
      caption);
  if (!fit) return;
  json curves = CsvRows(fit->value("csv_dir", ""), "response_curves.csv");
  if (curves.empty() || !curves[0].contains("kpi")) return;
  json marks = json::array();
  for (const auto& [ch, rec] : recommended) {
    marks.push_back({{"channel", ch}, {"spend", rec}, {"kpi", OnCurve(curves, ch, rec)}, {"split", "recommended"}});
    if (current.count(ch))
      marks.push_back(
          {{"channel", ch}, {"spend", current[ch]}, {"kpi", OnCurve(curves, ch, current[ch])}, {"split", "current"}});
  }
  json x = Enc("spend", "quantitative", "weekly spend"), color = Enc("channel", "nominal", "channel");
  json layers = json::array();
  if (curves[0].contains("kpi_low"))
    layers.push_back({{"mark", {{"type", "area"}, {"opacity", 0.15}}},
                      {"encoding",
                       {{"x", x},
                        {"y", Enc("kpi_low", "quantitative", "incremental KPI")},
                        {"y2", {{"field", "kpi_high"}}},
                        {"color", color}}}});
  layers.push_back({{"mark", {{"type", "line"}, {"tooltip", true}}},
                    {"encoding", {{"x", x}, {"y", Enc("kpi", "quantitative", "incremental KPI")}, {"color", color}}}});
  layers.push_back({{"data", {{"values", marks}}},
                    {"mark", {{"type", "point"}, {"filled", true}, {"size", 90}, {"tooltip", true}}},
                    {"encoding",
                     {{"x", x},
                      {"y", Enc("kpi", "quantitative", "incremental KPI")},
                      {"color", color},
                      {"shape", Enc("split", "nominal", "split")}}}});
  r.AddChart("Response curves with current and recommended spend",
             {{"data", {{"values", curves}}}, {"width", 460}, {"height", 300}, {"layer", layers}},
             "Each curve (90% band) flattens where extra spend stops paying; the allocator moves money from where the "
             "curves are flat to where they are steep, within the range of spend the data observed.");
}

// "How far to trust an interval": the last `bench/calibration/mmm_roas.py`
// run, with its date and commit (docs/calibration.md).
void RoasCalibrationBadge(Report& r, const json& calibration) {
  if (!calibration.is_object() || !calibration.contains("mmm_roas")) return;
  const json& m = calibration["mmm_roas"];
  r.AddKeyFigure("MMM calibration", fmt::format("{} of {}", m.value("covered", 0), m.value("intervals", 0)),
                 fmt::format("90% ROAS intervals that held the true ROAS over {} simulated markets ({}, commit {})",
                             m.value("markets", 0), m.value("date", "?"), m.value("commit", "?")));
}

void ScheduleSection(Report& r, const ReportInputs& in) {
  const json truth = WorldTruth(in);
  const json* fit = nullptr;
  for (const auto* s : in.steps) {
    const json& o = s->output;
    if (o.contains("channels") && o["channels"].is_array() && o.contains("r2")) {
      if (!fit) RoasCalibrationBadge(r, in.calibration);
      fit = &o;
      AddMmmPages(r, o, truth);
    }
    if (o.contains("allocation") && o["allocation"].is_object()) {
      AllocationCalibrationBadge(r, in.calibration);
      Allocation(r, o, fit, truth);
    }
  }
}

}  // namespace

ADPILOT_REPORT_SECTION("schedule", 50, "Where the budget should go", ScheduleSection);

}  // namespace adpilot
