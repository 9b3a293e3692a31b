// The schedule section of the `adpilot run` report (adpilot/report_section.h):
// `mmm fit` and `mmm allocate`: fit quality, response curves and the recommended split.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/report_section.h"
#include "adpilot/table.h"

namespace adpilot {
namespace {

using namespace charts;

void ScheduleSection(Report& r, const ReportInputs& in) {
  const auto& steps = in.steps;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (o.contains("channels") && o["channels"].is_array() && o.contains("r2")) {
      json vals = json::array();
      std::string top;
      double top_roas = -1;
      for (const auto& c : o["channels"]) {
        vals.push_back({{"channel", c.value("name", "")},
                        {"roas", Num(c, "roas")},
                        {"low", Num(c, "roas_low")},
                        {"high", Num(c, "roas_high")}});
        if (Num(c, "roas") > top_roas) {
          top_roas = Num(c, "roas");
          top = c.value("name", "");
        }
      }
      json spec = {
          {"data", {{"values", vals}}},
          {"width", 420},
          {"height", 220},
          {"layer",
           {{{"mark", {{"type", "bar"}, {"tooltip", true}}},
             {"encoding", {{"x", Enc("channel", "nominal", "channel")}, {"y", Enc("roas", "quantitative", "ROAS")}}}},
            {{"mark", {{"type", "rule"}, {"color", "#1d2330"}}},
             {"encoding",
              {{"x", Enc("channel", "nominal", "channel")},
               {"y", Enc("low", "quantitative", "ROAS")},
               {"y2", {{"field", "high"}}}}}}}}};
      r.AddKeyFigure("MMM fit R²", fmt::format("{:.3f}", Num(o, "r2")),
                     fmt::format("R-hat max {:.3f}", Num(o, "rhat_max")));
      r.AddChart("ROAS per channel with 90% credible interval", spec,
                 fmt::format("{} returns the most per unit of spend (ROAS {:.2f}); bars show the posterior mean, lines "
                             "the 90% interval.",
                             top, top_roas));
      std::string csv = (std::filesystem::path(in.run_dir) / "schedule" / "csv" / "response_curves.csv").string();
      if (std::filesystem::exists(csv)) {
        json curves = CsvRowsJson(csv);
        if (!curves.empty() && curves[0].contains("spend") && curves[0].contains("channel")) {
          std::string mean = curves[0].contains("kpi") ? "kpi" : (curves[0].contains("mean") ? "mean" : "");
          if (!mean.empty()) {
            json layers = json::array();
            if (curves[0].contains(mean + "_low") && curves[0].contains(mean + "_high"))
              layers.push_back({{"mark", {{"type", "area"}, {"opacity", 0.2}}},
                                {"encoding",
                                 {{"x", Enc("spend", "quantitative", "weekly spend")},
                                  {"y", Enc(mean + "_low", "quantitative", "incremental KPI")},
                                  {"y2", {{"field", mean + "_high"}}},
                                  {"color", Enc("channel", "nominal", "channel")}}}});
            layers.push_back({{"mark", {{"type", "line"}, {"tooltip", true}}},
                              {"encoding",
                               {{"x", Enc("spend", "quantitative", "weekly spend")},
                                {"y", Enc(mean, "quantitative", "incremental KPI")},
                                {"color", Enc("channel", "nominal", "channel")}}}});
            r.AddChart("Response curves with 90% bands",
                       {{"data", {{"values", curves}}}, {"width", 420}, {"height", 280}, {"layer", layers}},
                       "Each curve flattens where extra spend stops paying: the allocator moves money to where the "
                       "curves are steepest.");
          }
        }
      }
    }
    if (o.contains("allocation") && o["allocation"].is_object()) {
      json vals = json::array();
      const json* world_truth = nullptr;
      (void)world_truth;
      json current = json::object();
      if (o.contains("channels") && o["channels"].is_array())
        for (const auto& c : o["channels"])
          if (c.contains("name") && c.contains("current") && c["current"].is_number())
            current[c["name"].get<std::string>()] = c["current"];
      for (auto it = o["allocation"].begin(); it != o["allocation"].end(); ++it) {
        double rec = it.value().is_number()
                         ? it.value().get<double>()
                         : (it.value().is_array() && !it.value().empty() ? it.value()[0].get<double>() : 0);
        vals.push_back({{"channel", it.key()}, {"split", "recommended"}, {"spend", rec}});
        if (current.contains(it.key()) && current[it.key()].is_number())
          vals.push_back({{"channel", it.key()}, {"split", "current"}, {"spend", current[it.key()].get<double>()}});
      }
      std::string oracle_path = (std::filesystem::path(in.run_dir) / "world" / "truth.json").string();
      if (std::filesystem::exists(oracle_path)) {
        std::ifstream in(oracle_path);
        json truth = json::parse(in, nullptr, false);
        if (truth.is_object() && truth.contains("mmm") && truth["mmm"].contains("oracle"))
          for (auto it = truth["mmm"]["oracle"]["split"].begin(); it != truth["mmm"]["oracle"]["split"].end(); ++it)
            vals.push_back({{"channel", it.key()}, {"split", "true optimum"}, {"spend", it.value().get<double>()}});
      }
      json spec = {{"data", {{"values", vals}}},
                   {"width", 460},
                   {"height", 240},
                   {"mark", {{"type", "bar"}, {"tooltip", true}}},
                   {"encoding",
                    {{"x", Enc("channel", "nominal", "channel")},
                     {"xOffset", {{"field", "split"}}},
                     {"y", Enc("spend", "quantitative", "spend per period")},
                     {"color", Enc("split", "nominal", "split")}}}};
      double exp_kpi = Num(o, "expected_kpi"), cur_kpi = Num(o, "current_kpi");
      r.AddKeyFigure("expected KPI change",
                     std::isfinite(exp_kpi) && std::isfinite(cur_kpi) && cur_kpi != 0
                         ? fmt::format("{:+.1f}%", 100 * (exp_kpi / cur_kpi - 1))
                         : "n/a",
                     "recommended vs current split");
      r.AddChart("Budget split: current, recommended, true optimum", spec,
                 std::isfinite(exp_kpi) && std::isfinite(cur_kpi)
                     ? fmt::format("The recommended split is expected to yield {:.0f} KPI against {:.0f} for the "
                                   "current split ({:+.1f}%).",
                                   exp_kpi, cur_kpi, cur_kpi != 0 ? 100 * (exp_kpi / cur_kpi - 1) : 0.0)
                     : "Recommended split per channel.");
    }
  }
}

}  // namespace

ADPILOT_REPORT_SECTION("schedule", 50, "Where the budget should go", ScheduleSection);

}  // namespace adpilot
