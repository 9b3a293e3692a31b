#include "cli/run_charts.h"

#include <algorithm>

#include <fmt/format.h>

namespace adpilot::cli {

namespace {

using nlohmann::json;

json Bar(const json& values, const std::string& x, const std::string& y, const std::string& xtitle,
         const std::string& ytitle) {
  return {{"data", {{"values", values}}},
          {"mark", {{"type", "bar"}, {"tooltip", true}}},
          {"width", 420},
          {"height", 220},
          {"encoding",
           {{"x", {{"field", x}, {"type", "nominal"}, {"sort", "-y"}, {"title", xtitle}}},
            {"y", {{"field", y}, {"type", "quantitative"}, {"title", ytitle}}}}}};
}

void DataCharts(Report& r, const std::vector<const StepResult*>& steps) {
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("fields") || !o.contains("rows")) continue;
    r.AddKeyFigure("rows", fmt::format("{}", o["rows"].get<uint64_t>()), s->name);
    r.AddKeyFigure("label rate", fmt::format("{:.2f}%", 100 * o.value("label_rate", 0.0)), s->name);
    json vals = json::array();
    std::string worst;
    double worst_share = -1;
    for (const auto& f : o["fields"]) {
      double m = f.value("missing_share", 0.0);
      vals.push_back({{"field", f.value("name", "")}, {"missing", m}, {"distinct", f.value("distinct", 0)}});
      if (m > worst_share) {
        worst_share = m;
        worst = f.value("name", "");
      }
    }
    r.AddChart(fmt::format("Missing share per field ({})", s->name), Bar(vals, "field", "missing", "field", "share missing"),
               fmt::format("{} rows with a {:.2f}% label rate and {} bad rows; the most incomplete field is {} ({:.0f}% missing).",
                           o["rows"].get<uint64_t>(), 100 * o.value("label_rate", 0.0), o.value("bad_rows", 0),
                           worst, 100 * worst_share));
    json card = Bar(vals, "field", "distinct", "field", "distinct values");
    card["encoding"]["y"]["scale"] = {{"type", "log"}};
    r.AddChart(fmt::format("Cardinality per field ({})", s->name), card,
               "High-cardinality fields are where hashing and field-aware models earn their keep.");
  }
}

}  // namespace

void AddStageCharts(Report& r, const std::string& stage, const std::vector<const StepResult*>& steps,
                    const ChartContext& cc) {
  (void)cc;
  if (stage == "data") DataCharts(r, steps);
}

}  // namespace adpilot::cli
