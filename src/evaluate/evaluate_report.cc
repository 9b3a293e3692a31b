// The evaluate section of the `adpilot run` report (adpilot/report_section.h):
// `abtest`, `uplift` and `attribute`: verdicts, uplift curves and channel credit.
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/report_section.h"
#include "adpilot/table.h"

namespace adpilot {
namespace {

using namespace charts;

// "How far to trust a verdict": the last `bench/calibration/abtest.sh` run,
// summed over its designs, with its date and commit (docs/calibration.md).
void AbCalibrationBadge(Report& r, const json& calibration) {
  if (!calibration.is_object() || !calibration.contains("abtest")) return;
  const json& a = calibration["abtest"];
  r.AddKeyFigure("A/B calibration", fmt::format("{} of {}", a.value("covered", 0), a.value("experiments", 0)),
                 fmt::format("simulated experiments whose 95% interval held the true effect; false ships at no effect "
                             "{} of {} with daily peeking ({}, commit {})",
                             a.value("false_ships_sequential", 0), a.value("null_experiments_sequential", 0),
                             a.value("date", "?"), a.value("commit", "?")));
}

void EvaluateSection(Report& r, const ReportInputs& in) {
  const auto& steps = in.steps;
  bool badge_done = false;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (o.contains("variants") && o.contains("results") && o["results"].is_array()) {
      std::string control = "control";
      for (const auto& v : o["variants"])
        if (v.value("control", false)) control = v.value("name", control);
      json vals = json::array();
      for (const auto& res : o["results"])
        vals.push_back({{"metric", res.value("metric", "")},
                        {"series", fmt::format("{} vs {} (95% interval)", res.value("variant", "variant"), control)},
                        {"lift", 100 * Num(res, "lift")},
                        {"low", 100 * Num(res, "ci_low")},
                        {"high", 100 * Num(res, "ci_high")}});
      json spec = Dots(vals, "metric", "lift", "low", "high", "series", "metric", "relative lift (%)");
      spec["layer"].push_back(ZeroRule());
      r.AddKeyFigure(fmt::format("verdict ({})", s->name), o.value("verdict", "?"),
                     fmt::format("SRM p = {:.3f}", Num(o, "srm_p_value")));
      if (!badge_done) AbCalibrationBadge(r, in.calibration), badge_done = true;
      r.AddChart(fmt::format("Experiment readout ({}): lift with 95% intervals", s->name), spec, o.value("reason", ""));
      for (const auto& res : o["results"]) {
        if (!res.contains("sequential_path") || !res["sequential_path"].is_array()) continue;
        json path = json::array();
        for (const auto& p : res["sequential_path"]) path.push_back({{"units", Num(p, "n")}, {"p", Num(p, "p")}});
        json spec = Lines(path, "units", "p", "p", "units observed", "always-valid p-value (log)");
        spec["encoding"].erase("color");
        spec["encoding"]["y"]["scale"] = {{"type", "log"}};
        spec["layer"] = json::array({{{"mark", {{"type", "line"}, {"tooltip", true}}}, {"encoding", spec["encoding"]}},
                                     {{"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}, {"color", "#c53030"}}},
                                      {"encoding", {{"y", {{"datum", 0.05}, {"type", "quantitative"}}}}}}});
        spec.erase("mark");
        spec.erase("encoding");
        r.AddChart(fmt::format("Always-valid p-value path ({})", res.value("metric", "")), spec,
                   "The mSPRT p-value only falls as evidence accumulates, so peeking at any point keeps the error "
                   "rate; the dashed line is 0.05.");
        break;
      }
    }
    if (o.contains("qini") && o.contains("auuc")) {
      std::string curve = (std::filesystem::path(in.run_dir) / "evaluate" / "uplift_curve.csv").string();
      if (std::filesystem::exists(curve)) {
        json rows = CsvRowsJson(curve), vals = json::array();
        for (const auto& row : rows) {
          if (!row.contains("share")) continue;
          vals.push_back({{"share", row["share"]}, {"curve", "model"}, {"qini", row.value("qini", 0.0)}});
          vals.push_back({{"share", row["share"]}, {"curve", "random"}, {"qini", row.value("qini_random", 0.0)}});
        }
        r.AddChart("Qini curve",
                   Lines(vals, "share", "qini", "curve", "share of units targeted", "incremental conversions (share)"),
                   fmt::format("Qini {:.4f} vs {:.4f} for the oracle; {}", Num(o, "qini"), Num(o, "qini_oracle"),
                               o.value("verdict", "")));
      }
      r.AddKeyFigure("uplift Qini", fmt::format("{:.4f}", Num(o, "qini")), fmt::format("PEHE {:.3f}", Num(o, "pehe")));
    }
    if ((o.contains("models") && o["models"].is_object()) ||
        (o.contains("model") && o.contains("channels") && o.contains("journeys"))) {
      json vals = json::array();
      std::string best;
      double best_err = 1e300;
      // One model's output has the same shape as one entry of "models".
      json models = o.contains("models") ? o["models"] : json{{o["model"].get<std::string>(), o}};
      for (auto it = models.begin(); it != models.end(); ++it) {
        const json& m = it.value();
        if (!m.contains("channels")) continue;
        for (auto c = m["channels"].begin(); c != m["channels"].end(); ++c)
          vals.push_back({{"model", it.key()}, {"channel", c.key()}, {"conversions", c.value().get<double>()}});
        if (m.contains("error_vs_incremental")) {
          double e = Num(m["error_vs_incremental"], "share_error");
          if (e < best_err) {
            best_err = e;
            best = it.key();
          }
        }
      }
      if (o.contains("truth_incremental") && o["truth_incremental"].is_object()) {
        const json& t = o["truth_incremental"];
        for (auto c = t.begin(); c != t.end(); ++c)
          if (c.value().is_number())
            vals.push_back(
                {{"model", "truth (incremental)"}, {"channel", c.key()}, {"conversions", c.value().get<double>()}});
      }
      json spec = {{"data", {{"values", vals}}},
                   {"width", 520},
                   {"height", 240},
                   {"mark", {{"type", "bar"}, {"tooltip", true}}},
                   {"encoding",
                    {{"x", Enc("channel", "nominal", "channel")},
                     {"xOffset", {{"field", "model"}}},
                     {"y", Enc("conversions", "quantitative", "attributed conversions")},
                     {"color", Enc("model", "nominal", "model")}}}};
      r.AddChart("Attribution by model", spec,
                 best.empty() ? "Conversions credited to each channel by each model."
                              : fmt::format("{} comes closest to the true incremental split across channels "
                                            "(share error {:.3f}; 0 = the same split as the truth).",
                                            best, best_err));
    }
  }
}

}  // namespace

ADPILOT_REPORT_SECTION("evaluate", 70, "What the experiment shows", EvaluateSection);

}  // namespace adpilot
