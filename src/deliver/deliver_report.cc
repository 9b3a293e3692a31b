// The deliver section of the `adpilot run` report (adpilot/report_section.h):
// `bid compare` and `bid simulate`: strategies replayed on the auction log, and the one picked.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/report_section.h"

namespace adpilot {
namespace {

using namespace charts;

// The strategy the run recommends, in one sentence that the key figure and
// the chart's caption both quote: `best`'s pick when it ran (chosen on the
// tuning half, so its replayed-half clicks are an honest test), with its
// paired interval against lin.
struct Pick {
  std::string name, value, note, sentence;
};

Pick Recommendation(const json& rows, const std::string& top, double top_clicks, double optimal) {
  Pick p;
  const json* row = nullptr;
  for (const auto& r : rows)
    if (r.value("strategy", "") == "best" && r.contains("resolved_strategy") && r["resolved_strategy"].is_string())
      row = &r;
  if (!row) {
    p.name = top;
    p.value = fmt::format("{} ({:.0f} clicks)", top, top_clicks);
    p.note = "most clicks on the replayed auctions (no tuning half: picked on the test itself)";
    p.sentence = fmt::format("{} got the most clicks ({:.0f}) on the replayed auctions.", top, top_clicks);
    return p;
  }
  p.name = (*row)["resolved_strategy"].get<std::string>();
  const double clicks = Num(*row, "clicks", 0);
  p.value = fmt::format("{} ({:.0f} clicks)", p.name, clicks);
  p.sentence =
      fmt::format("best picked {} on the tuning half; on the replayed half it got {:.0f} clicks", p.name, clicks);
  if (row->contains("vs_lin")) {
    const json& v = (*row)["vs_lin"];
    const double ref = Num(v, "reference_clicks", 0);
    if (ref > 0) {
      Estimate e{100 * Num(v, "clicks_diff") / ref, 100 * Num(v, "low") / ref, 100 * Num(v, "high") / ref};
      std::string d = WithInterval(e, "{:+.1f}%", 95);
      p.note = e.uncertain() ? fmt::format("{} vs lin: not distinguishable from lin", d) : d + " vs lin";
      p.sentence += fmt::format(", {} against lin{}", d, e.uncertain() ? " (the interval holds 0)" : "");
    }
  }
  if (top != p.name && top != "best")
    p.sentence += fmt::format("; {} did best on that half ({:.0f} clicks), but was not chosen there", top, top_clicks);
  if (std::isfinite(optimal) && optimal > 0)
    p.sentence += fmt::format(". The hindsight optimum, which knows every price in advance, gets {:.0f}", optimal);
  p.sentence += ".";
  if (p.note.empty()) p.note = "picked on the tuning half";
  return p;
}

void DeliverSection(Report& r, const ReportInputs& in) {
  const auto& steps = in.steps;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (o.contains("rows") && o["rows"].is_array()) {
      json vals = json::array(), clicks_bars = json::array();
      std::string top;
      double top_clicks = -1, optimal = std::nan("");
      for (const auto& row : o["rows"]) {
        std::string st = row.value("strategy", "");
        double clicks = Num(row, "clicks", 0);
        if (st == "best" && row.contains("resolved_strategy") && row["resolved_strategy"].is_string())
          st = "best (" + row["resolved_strategy"].get<std::string>() + ")";
        if (clicks > top_clicks && row.value("strategy", "") != "best") top_clicks = clicks, top = st;
        optimal = Num(row, "hindsight_optimal_clicks", optimal);
        clicks_bars.push_back({{"strategy", st}, {"clicks", clicks}});
        if (!row.contains("vs_lin")) continue;
        const json& v = row["vs_lin"];
        const double ref = Num(v, "reference_clicks", 0);
        if (ref <= 0 || !std::isfinite(Num(v, "low"))) continue;
        vals.push_back({{"strategy", st},
                        {"series", "difference from lin (95% interval)"},
                        {"pct", 100 * Num(v, "clicks_diff") / ref},
                        {"low", 100 * Num(v, "low") / ref},
                        {"high", 100 * Num(v, "high") / ref}});
      }
      if (o.contains("budget_scale") && o.contains("channel"))
        r.AddKeyFigure("replay budget from the allocation",
                       fmt::format("{:.2f}x the base budget", Num(o, "budget_scale")),
                       fmt::format("allocated / current spend of the {} channel", o.value("channel", "")));
      Pick pick = Recommendation(o["rows"], top, top_clicks, optimal);
      r.AddKeyFigure("bidding strategy", pick.value, pick.note);
      if (!vals.empty()) {
        json spec = Dots(vals, "strategy", "pct", "low", "high", "series", "strategy", "clicks vs lin (%)");
        // The zero line: a whisker that crosses it is no evidence of a difference.
        spec["layer"].push_back(ZeroRule());
        r.AddChart("Clicks against lin under the same budget", spec, pick.sentence);
      } else {
        r.AddChart("Clicks per strategy under the same budget",
                   Bar(clicks_bars, "strategy", "clicks", "strategy", "clicks"), pick.sentence);
      }
    }
  }
  json pacing = json::array();
  std::vector<std::string> names;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("hour_trace") || !o["hour_trace"].is_array()) continue;
    double total = Num(o, "spend", 0), cum = 0;
    int hour = 0;
    for (const auto& h : o["hour_trace"]) {
      cum += Num(h, "spend", 0);
      pacing.push_back(
          {{"strategy", o.value("strategy", s->name)}, {"hour", hour++}, {"spend_share", total > 0 ? cum / total : 0}});
    }
    names.push_back(o.value("strategy", s->name));
  }
  json samples = json::array();
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("bid_samples") || !o["bid_samples"].is_array()) continue;
    for (const auto& b : o["bid_samples"])
      samples.push_back({{"strategy", o.value("strategy", s->name)}, {"pctr", Num(b, "pctr")}, {"bid", Num(b, "bid")}});
  }
  if (!samples.empty()) {
    json spec = {{"data", {{"values", samples}}},
                 {"width", 420},
                 {"height", 280},
                 {"mark", {{"type", "point"}, {"opacity", 0.6}, {"tooltip", true}}},
                 {"encoding",
                  {{"x", Enc("pctr", "quantitative", "pCTR")},
                   {"y", Enc("bid", "quantitative", "bid")},
                   {"color", Enc("strategy", "nominal", "strategy")}}}};
    r.AddChart("Bid vs pCTR", spec,
               "lin bids in proportion to pCTR; budget-aware strategies bend the line, bidding less on cheap-looking "
               "auctions when budget is short and more when it is plentiful.");
  }
  if (!pacing.empty()) {
    pacing.push_back({{"strategy", "even pacing"}, {"hour", 0}, {"spend_share", 1.0 / 24}});
    pacing.push_back({{"strategy", "even pacing"}, {"hour", 23}, {"spend_share", 1.0}});
    r.AddChart("Spend pacing over the day (cumulative share)",
               Lines(pacing, "hour", "spend_share", "strategy", "hour of day", "share of the day's spend"),
               "A curve above the even-pacing line spends early and risks missing cheap evening traffic; below it, it "
               "holds budget back.");
  }
}

}  // namespace

ADPILOT_REPORT_SECTION("deliver", 60, "How to bid", DeliverSection);

}  // namespace adpilot
