#include "run/charts.h"

// Report sections of the data-side stages: the world, the data, the models, the marketing mix.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "run/chart_spec.h"

namespace adpilot::run::charts {

void GenCharts(Report& r, const std::vector<const StepResult*>& steps) {
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("auctions")) continue;
    r.AddKeyFigure("auctions", fmt::format("{}", o["auctions"].get<uint64_t>()), "generated");
    r.AddKeyFigure("true click-model AUC", fmt::format("{:.3f}", Num(o, "true_auc")), "the ceiling for any model");
    std::vector<std::vector<std::string>> rows;
    for (const char* k : {"users", "auctions", "clicks", "experiment_units", "journeys", "mean_ctr", "ate", "true_auc"})
      if (o.contains(k)) rows.push_back({k, o[k].is_number_float() ? fmt::format("{:.4g}", o[k].get<double>())
                                                                     : o[k].dump()});
    r.AddTable("The generated world", {"quantity", "value"}, rows,
               fmt::format("A world of {} users and {} auctions with known truth: every later number is checked against it.",
                           o.value("users", 0), o.value("auctions", 0)));
  }
}

void DataCharts(Report& r, const std::vector<const StepResult*>& steps) {
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("fields") || !o.contains("rows")) continue;
    r.AddKeyFigure("label rate", fmt::format("{:.2f}%", 100 * Num(o, "label_rate", 0)), s->name);
    json vals = json::array();
    std::string worst;
    double worst_share = -1;
    for (const auto& f : o["fields"]) {
      double m = f.value("missing_share", 0.0);
      vals.push_back({{"field", f.value("name", "")}, {"missing", m}, {"distinct", std::max<double>(1, f.value("distinct", 0))}});
      if (m > worst_share) {
        worst_share = m;
        worst = f.value("name", "");
      }
    }
    r.AddChart("Missing share per field", Bar(vals, "field", "missing", "field", "share missing"),
               fmt::format("{} rows, {:.2f}% clicks, {} bad rows; the most incomplete field is {} ({:.0f}% missing).",
                           o["rows"].get<uint64_t>(), 100 * Num(o, "label_rate", 0), o.value("bad_rows", 0), worst,
                           100 * worst_share));
    json card = Bar(vals, "field", "distinct", "field", "distinct values (log)");
    card["encoding"]["y"]["scale"] = {{"type", "symlog"}};
    r.AddChart("Cardinality per field", card,
               "High-cardinality fields are where hashing and field-aware models earn their keep.");
  }
}

void PredictCharts(Report& r, const std::vector<const StepResult*>& steps, const ChartContext& cc) {
  std::vector<std::vector<std::string>> rows;
  json bars = json::array(), calib = json::array(), roc = json::array();
  std::string best;
  double best_auc = -1, worst_auc = 2;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("auc") || !o.contains("logloss")) continue;
    std::string model = o.value("model", s->name);
    double auc = Num(o, "auc");
    rows.push_back({model, fmt::format("{:.4f}", auc), fmt::format("{:.4f}", Num(o, "logloss")),
                    fmt::format("{:.3f}", Num(o, "ne")), fmt::format("{:.3f}", Num(o, "calibration")),
                    fmt::format("{}", o.value("rows", 0))});
    bars.push_back({{"model", model}, {"auc", auc}});
    if (auc > best_auc) { best_auc = auc; best = model; }
    worst_auc = std::min(worst_auc, auc);
    if (o.contains("roc"))
      for (const auto& pt : o["roc"]) roc.push_back({{"model", model}, {"fpr", Num(pt, "fpr")}, {"tpr", Num(pt, "tpr")}});
    if (o.contains("reliability"))
      for (const auto& b : o["reliability"])
        calib.push_back({{"model", model}, {"predicted", Num(b, "mean_pred")}, {"observed", Num(b, "mean_label")}});
  }
  if (rows.empty()) return;
  // The pick is made on validation (what train reports), never on the test split.
  std::string pick;
  double pick_auc = -1;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("valid_auc") || !o["valid_auc"].is_number()) continue;
    if (Num(o, "valid_auc") > pick_auc) {
      pick_auc = Num(o, "valid_auc");
      pick = o.value("model", s->name);
    }
  }
  if (!pick.empty())
    r.AddKeyFigure("model picked on validation", fmt::format("{} (valid AUC {:.3f})", pick, pick_auc),
                   "the one to deploy");
  // Deep models are judged against ffm, the strongest shallow model they extend.
  std::map<std::string, double> test_auc;
  for (const auto& b : bars) test_auc[b["model"].get<std::string>()] = b["auc"].get<double>();
  for (const char* deep : {"dcnv2", "deepfm"})
    if (test_auc.count(deep) && test_auc.count("ffm"))
      r.AddKeyFigure(fmt::format("{} lift over ffm", deep),
                     fmt::format("{:+.4f} test AUC", test_auc[deep] - test_auc["ffm"]),
                     fmt::format("{:.4f} vs {:.4f}", test_auc[deep], test_auc["ffm"]));
  double truth = std::nan("");
  if (const json* g = cc.Find("world")) truth = Num(*g, "true_auc");
  if (std::isfinite(truth)) {
    bars.push_back({{"model", "true click model"}, {"auc", truth}});
  }
  r.AddKeyFigure("best test AUC", fmt::format("{} ({:.3f})", best, best_auc), "held-out test split, for the record");
  r.AddTable("Model comparison (test split)", {"model", "AUC", "logloss", "NE", "calibration", "rows"}, rows,
             fmt::format("{} has the best test AUC ({:.4f}), {:+.4f} over the weakest model{}.", best, best_auc,
                         best_auc - worst_auc,
                         std::isfinite(truth) ? fmt::format("; the true click model reaches {:.4f}", truth) : ""));
  json auc_chart = Bar(bars, "model", "auc", "model", "test AUC");
  auc_chart["encoding"]["y"]["scale"] = {{"zero", false}};
  r.AddChart("AUC by model", auc_chart,
             std::isfinite(truth)
                 ? fmt::format("The best model closes {:.0f}% of the gap between a coin flip (0.5) and the true model.",
                               100 * (best_auc - 0.5) / std::max(1e-9, truth - 0.5))
                 : fmt::format("{} ranks clicks best.", best));
  if (!roc.empty()) {
    json spec = Lines(roc, "fpr", "tpr", "model", "false-positive rate", "true-positive rate");
    spec["width"] = 320;
    spec["height"] = 300;
    spec["encoding"]["order"] = {{"field", "fpr"}, {"type", "quantitative"}};
    r.AddChart("ROC curves (test split)", spec,
               fmt::format("The higher the curve, the better the ranking of clicks: {} leads with AUC {:.4f}.", best, best_auc));
  }
  if (!calib.empty()) {
    json spec = {{"data", {{"values", calib}}},
                 {"width", 380},
                 {"height", 300},
                 {"layer",
                  {{{"mark", {{"type", "line"}, {"point", true}, {"tooltip", true}}},
                    {"encoding",
                     {{"x", Enc("predicted", "quantitative", "mean predicted pCTR")},
                      {"y", Enc("observed", "quantitative", "observed click rate")},
                      {"color", Enc("model", "nominal", "model")}}}},
                   {{"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}, {"color", "#999"}}},
                    {"encoding",
                     {{"x", {{"datum", 0}, {"type", "quantitative"}}},
                      {"y", {{"datum", 0}, {"type", "quantitative"}}},
                      {"x2", {{"datum", 1}}},
                      {"y2", {{"datum", 1}}}}}}}}};
    r.AddChart("Calibration (reliability bins)", spec,
               "Points on the dashed diagonal are calibrated: bids multiply these probabilities, so this matters as much as AUC.");
  }
}

void ScheduleCharts(Report& r, const std::vector<const StepResult*>& steps, const ChartContext& cc) {
  for (const auto* s : steps) {
    const json& o = s->output;
    if (o.contains("channels") && o["channels"].is_array() && o.contains("r2")) {
      json vals = json::array();
      std::string top;
      double top_roas = -1;
      for (const auto& c : o["channels"]) {
        vals.push_back({{"channel", c.value("name", "")}, {"roas", Num(c, "roas")}, {"low", Num(c, "roas_low")},
                        {"high", Num(c, "roas_high")}});
        if (Num(c, "roas") > top_roas) { top_roas = Num(c, "roas"); top = c.value("name", ""); }
      }
      json spec = {{"data", {{"values", vals}}},
                   {"width", 420},
                   {"height", 220},
                   {"layer",
                    {{{"mark", {{"type", "bar"}, {"tooltip", true}}},
                      {"encoding", {{"x", Enc("channel", "nominal", "channel")}, {"y", Enc("roas", "quantitative", "ROAS")}}}},
                     {{"mark", {{"type", "rule"}, {"color", "#1d2330"}}},
                      {"encoding", {{"x", Enc("channel", "nominal", "channel")},
                                    {"y", Enc("low", "quantitative", "ROAS")},
                                    {"y2", {{"field", "high"}}}}}}}}};
      r.AddKeyFigure("MMM fit R²", fmt::format("{:.3f}", Num(o, "r2")), fmt::format("R-hat max {:.3f}", Num(o, "rhat_max")));
      r.AddChart("ROAS per channel with 90% credible interval", spec,
                 fmt::format("{} returns the most per unit of spend (ROAS {:.2f}); bars show the posterior mean, lines the 90% interval.",
                             top, top_roas));
      std::string csv = (std::filesystem::path(cc.run_dir) / "schedule" / "csv" / "response_curves.csv").string();
      if (std::filesystem::exists(csv)) {
        json curves = ReadCsv(csv);
        if (!curves.empty() && curves[0].contains("spend") && curves[0].contains("channel")) {
          std::string mean = curves[0].contains("kpi") ? "kpi" : (curves[0].contains("mean") ? "mean" : "");
          if (!mean.empty()) {
            json layers = json::array();
            if (curves[0].contains(mean + "_low") && curves[0].contains(mean + "_high"))
              layers.push_back({{"mark", {{"type", "area"}, {"opacity", 0.2}}},
                                {"encoding", {{"x", Enc("spend", "quantitative", "weekly spend")},
                                              {"y", Enc(mean + "_low", "quantitative", "incremental KPI")},
                                              {"y2", {{"field", mean + "_high"}}},
                                              {"color", Enc("channel", "nominal", "channel")}}}});
            layers.push_back({{"mark", {{"type", "line"}, {"tooltip", true}}},
                              {"encoding", {{"x", Enc("spend", "quantitative", "weekly spend")},
                                            {"y", Enc(mean, "quantitative", "incremental KPI")},
                                            {"color", Enc("channel", "nominal", "channel")}}}});
            r.AddChart("Response curves with 90% bands", {{"data", {{"values", curves}}}, {"width", 420}, {"height", 280}, {"layer", layers}},
                       "Each curve flattens where extra spend stops paying: the allocator moves money to where the curves are steepest.");
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
          if (c.contains("name") && c.contains("current") && c["current"].is_number()) current[c["name"].get<std::string>()] = c["current"];
      for (auto it = o["allocation"].begin(); it != o["allocation"].end(); ++it) {
        double rec = it.value().is_number() ? it.value().get<double>()
                                            : (it.value().is_array() && !it.value().empty() ? it.value()[0].get<double>() : 0);
        vals.push_back({{"channel", it.key()}, {"split", "recommended"}, {"spend", rec}});
        if (current.contains(it.key()) && current[it.key()].is_number())
          vals.push_back({{"channel", it.key()}, {"split", "current"}, {"spend", current[it.key()].get<double>()}});
      }
      std::string oracle_path = (std::filesystem::path(cc.run_dir) / "world" / "truth.json").string();
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
                   {"encoding", {{"x", Enc("channel", "nominal", "channel")},
                                 {"xOffset", {{"field", "split"}}},
                                 {"y", Enc("spend", "quantitative", "spend per period")},
                                 {"color", Enc("split", "nominal", "split")}}}};
      double exp_kpi = Num(o, "expected_kpi"), cur_kpi = Num(o, "current_kpi");
      r.AddKeyFigure("expected KPI change", std::isfinite(exp_kpi) && std::isfinite(cur_kpi) && cur_kpi != 0
                                                ? fmt::format("{:+.1f}%", 100 * (exp_kpi / cur_kpi - 1)) : "n/a",
                     "recommended vs current split");
      r.AddChart("Budget split: current, recommended, true optimum", spec,
                 std::isfinite(exp_kpi) && std::isfinite(cur_kpi)
                     ? fmt::format("The recommended split is expected to yield {:.0f} KPI against {:.0f} for the current split ({:+.1f}%).",
                                   exp_kpi, cur_kpi, cur_kpi != 0 ? 100 * (exp_kpi / cur_kpi - 1) : 0.0)
                     : "Recommended split per channel.");
    }
  }
}


}  // namespace adpilot::run::charts

namespace adpilot::run {

void AddStageCharts(Report& r, const std::string& stage, const std::vector<const StepResult*>& steps,
                    const ChartContext& cc) {
  using namespace charts;
  if (stage == "gen") GenCharts(r, steps);
  else if (stage == "data") DataCharts(r, steps);
  else if (stage == "predict") PredictCharts(r, steps, cc);
  else if (stage == "schedule") ScheduleCharts(r, steps, cc);
  else if (stage == "deliver") DeliverCharts(r, steps);
  else if (stage == "evaluate") EvaluateCharts(r, steps, cc);
  else if (stage == "profile") ProfileCharts(r, steps);
}

}  // namespace adpilot::run
