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

void DeliverSection(Report& r, const ReportInputs& in) {
  const auto& steps = in.steps;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (o.contains("rows") && o["rows"].is_array()) {
      json vals = json::array();
      std::string best, pick;
      double best_clicks = -1, pick_clicks = std::nan(""), lin_clicks = std::nan(""), optimal = std::nan("");
      for (const auto& row : o["rows"]) {
        std::string st = row.value("strategy", "");
        double clicks = Num(row, "clicks", 0);
        // `best` chose its strategy on the tuning half; show which one it is.
        if (st == "best" && row.contains("resolved_strategy") && row["resolved_strategy"].is_string()) {
          pick = row["resolved_strategy"].get<std::string>();
          pick_clicks = clicks;
          st = "best (" + pick + ")";
        }
        vals.push_back({{"strategy", st}, {"clicks", clicks}});
        if (clicks > best_clicks) {
          best_clicks = clicks;
          best = st;
        }
        if (st == "lin") lin_clicks = clicks;
        optimal = Num(row, "hindsight_optimal_clicks", optimal);
      }
      if (std::isfinite(optimal)) vals.push_back({{"strategy", "hindsight optimum"}, {"clicks", optimal}});
      if (o.contains("budget_scale") && o.contains("channel"))
        r.AddKeyFigure("replay budget from the allocation",
                       fmt::format("{:.2f}x the base budget", Num(o, "budget_scale")),
                       fmt::format("allocated / current spend of the {} channel", o.value("channel", "")));
      if (!pick.empty())
        r.AddKeyFigure(
            "bidding strategy picked on the tuning half", fmt::format("{} ({:.0f} clicks)", pick, pick_clicks),
            std::isfinite(lin_clicks) && lin_clicks > 0
                ? fmt::format("{:+.1f}% clicks over lin on the replayed half", 100 * (pick_clicks / lin_clicks - 1))
                : "replayed auctions");
      else
        r.AddKeyFigure("best bidding strategy", fmt::format("{} ({:.0f} clicks)", best, best_clicks),
                       "same budget, replayed auctions");
      r.AddChart("Clicks per strategy under the same budget", Bar(vals, "strategy", "clicks", "strategy", "clicks"),
                 fmt::format("{} wins {:.0f} clicks{}{}.", best, best_clicks,
                             std::isfinite(lin_clicks) && lin_clicks > 0
                                 ? fmt::format(", {:+.0f}% over lin", 100 * (best_clicks / lin_clicks - 1))
                                 : "",
                             std::isfinite(optimal) && optimal > 0
                                 ? fmt::format(", {:.0f}% of the hindsight optimum", 100 * best_clicks / optimal)
                                 : ""));
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
