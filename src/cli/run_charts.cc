#include "cli/run_charts.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/table.h"

namespace adpilot::cli {

namespace {

using nlohmann::json;

json Enc(const std::string& field, const std::string& type, const std::string& title) {
  return {{"field", field}, {"type", type}, {"title", title}};
}

json Bar(const json& values, const std::string& x, const std::string& y, const std::string& xtitle,
         const std::string& ytitle) {
  json xe = Enc(x, "nominal", xtitle);
  xe["sort"] = "-y";
  return {{"data", {{"values", values}}},
          {"mark", {{"type", "bar"}, {"tooltip", true}}},
          {"width", 420},
          {"height", 220},
          {"encoding", {{"x", xe}, {"y", Enc(y, "quantitative", ytitle)}}}};
}

json Lines(const json& values, const std::string& x, const std::string& y, const std::string& color,
           const std::string& xtitle, const std::string& ytitle) {
  return {{"data", {{"values", values}}},
          {"mark", {{"type", "line"}, {"point", false}, {"tooltip", true}}},
          {"width", 420},
          {"height", 260},
          {"encoding",
           {{"x", Enc(x, "quantitative", xtitle)},
            {"y", Enc(y, "quantitative", ytitle)},
            {"color", Enc(color, "nominal", color)}}}};
}

double Num(const json& o, const char* key, double dflt = std::nan("")) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_number()) return dflt;
  return o[key].get<double>();
}

// A step's CSV output as JSON rows (numbers where a cell parses as one), read
// with the evaluate stage's quoted-CSV reader. A file that does not parse gives
// no rows, so its chart is left out rather than the report failing.
json ReadCsv(const std::string& path, size_t max_rows = 5000) {
  json rows = json::array();
  Table t;
  try {
    t = ReadCsvTable(path);
  } catch (const Error&) {
    return rows;
  }
  for (size_t r = 0; r < t.num_rows() && rows.size() < max_rows; ++r) {
    json row = json::object();
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const std::string& v = t.Cell(r, c);
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (!v.empty() && end && *end == '\0' && std::isfinite(d)) row[t.columns[c]] = d;
      else row[t.columns[c]] = v;
    }
    rows.push_back(row);
  }
  return rows;
}

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

void DeliverCharts(Report& r, const std::vector<const StepResult*>& steps) {
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
        if (clicks > best_clicks) { best_clicks = clicks; best = st; }
        if (st == "lin") lin_clicks = clicks;
        optimal = Num(row, "hindsight_optimal_clicks", optimal);
      }
      if (std::isfinite(optimal)) vals.push_back({{"strategy", "hindsight optimum"}, {"clicks", optimal}});
      if (o.contains("budget_scale") && o.contains("channel"))
        r.AddKeyFigure("replay budget from the allocation",
                       fmt::format("{:.2f}x the base budget", Num(o, "budget_scale")),
                       fmt::format("allocated / current spend of the {} channel", o.value("channel", "")));
      if (!pick.empty())
        r.AddKeyFigure("bidding strategy picked on the tuning half", fmt::format("{} ({:.0f} clicks)", pick, pick_clicks),
                       std::isfinite(lin_clicks) && lin_clicks > 0
                           ? fmt::format("{:+.1f}% clicks over lin on the replayed half", 100 * (pick_clicks / lin_clicks - 1))
                           : "replayed auctions");
      else
        r.AddKeyFigure("best bidding strategy", fmt::format("{} ({:.0f} clicks)", best, best_clicks), "same budget, replayed auctions");
      r.AddChart("Clicks per strategy under the same budget", Bar(vals, "strategy", "clicks", "strategy", "clicks"),
                 fmt::format("{} wins {:.0f} clicks{}{}.", best, best_clicks,
                             std::isfinite(lin_clicks) && lin_clicks > 0 ? fmt::format(", {:+.0f}% over lin", 100 * (best_clicks / lin_clicks - 1)) : "",
                             std::isfinite(optimal) && optimal > 0 ? fmt::format(", {:.0f}% of the hindsight optimum", 100 * best_clicks / optimal) : ""));
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
      pacing.push_back({{"strategy", o.value("strategy", s->name)}, {"hour", hour++}, {"spend_share", total > 0 ? cum / total : 0}});
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
                 {"encoding", {{"x", Enc("pctr", "quantitative", "pCTR")},
                               {"y", Enc("bid", "quantitative", "bid")},
                               {"color", Enc("strategy", "nominal", "strategy")}}}};
    r.AddChart("Bid vs pCTR", spec,
               "lin bids in proportion to pCTR; budget-aware strategies bend the line, bidding less on cheap-looking "
               "auctions when budget is short and more when it is plentiful.");
  }
  if (!pacing.empty()) {
    pacing.push_back({{"strategy", "even pacing"}, {"hour", 0}, {"spend_share", 1.0 / 24}});
    pacing.push_back({{"strategy", "even pacing"}, {"hour", 23}, {"spend_share", 1.0}});
    r.AddChart("Spend pacing over the day (cumulative share)", Lines(pacing, "hour", "spend_share", "strategy", "hour of day", "share of the day's spend"),
               "A curve above the even-pacing line spends early and risks missing cheap evening traffic; below it, it holds budget back.");
  }
}

void EvaluateCharts(Report& r, const std::vector<const StepResult*>& steps, const ChartContext& cc) {
  for (const auto* s : steps) {
    const json& o = s->output;
    if (o.contains("variants") && o.contains("results") && o["results"].is_array()) {
      json vals = json::array();
      for (const auto& res : o["results"])
        vals.push_back({{"metric", res.value("metric", "")}, {"lift", Num(res, "lift")}, {"low", Num(res, "ci_low")},
                        {"high", Num(res, "ci_high")}});
      json spec = {{"data", {{"values", vals}}},
                   {"width", 380},
                   {"height", 160},
                   {"layer",
                    {{{"mark", {{"type", "rule"}, {"strokeWidth", 3}}},
                      {"encoding", {{"y", Enc("metric", "nominal", "metric")},
                                    {"x", Enc("low", "quantitative", "relative lift (95% CI)")},
                                    {"x2", {{"field", "high"}}}}}},
                     {{"mark", {{"type", "point"}, {"filled", true}, {"size", 80}, {"tooltip", true}}},
                      {"encoding", {{"y", Enc("metric", "nominal", "metric")}, {"x", Enc("lift", "quantitative", "relative lift")}}}}}}};
      r.AddKeyFigure(fmt::format("verdict ({})", s->name), o.value("verdict", "?"),
                     fmt::format("SRM p = {:.3f}", Num(o, "srm_p_value")));
      r.AddChart(fmt::format("Experiment readout ({}): lift with 95% intervals", s->name), spec, o.value("reason", ""));
      for (const auto& res : o["results"]) {
        if (!res.contains("sequential_path") || !res["sequential_path"].is_array()) continue;
        json path = json::array();
        for (const auto& p : res["sequential_path"])
          path.push_back({{"units", Num(p, "n")}, {"p", Num(p, "p")}});
        json spec = Lines(path, "units", "p", "p", "units observed", "always-valid p-value (log)");
        spec["encoding"].erase("color");
        spec["encoding"]["y"]["scale"] = {{"type", "log"}};
        spec["layer"] = json::array(
            {{{"mark", {{"type", "line"}, {"tooltip", true}}}, {"encoding", spec["encoding"]}},
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
      std::string curve = (std::filesystem::path(cc.run_dir) / "evaluate" / "uplift_curve.csv").string();
      if (std::filesystem::exists(curve)) {
        json rows = ReadCsv(curve), vals = json::array();
        for (const auto& row : rows) {
          if (!row.contains("share")) continue;
          vals.push_back({{"share", row["share"]}, {"curve", "model"}, {"qini", row.value("qini", 0.0)}});
          vals.push_back({{"share", row["share"]}, {"curve", "random"}, {"qini", row.value("qini_random", 0.0)}});
        }
        r.AddChart("Qini curve", Lines(vals, "share", "qini", "curve", "share of units targeted", "incremental conversions (share)"),
                   fmt::format("Qini {:.4f} vs {:.4f} for the oracle; {}", Num(o, "qini"), Num(o, "qini_oracle"),
                               o.value("verdict", "")));
      }
      r.AddKeyFigure("uplift Qini", fmt::format("{:.4f}", Num(o, "qini")), fmt::format("PEHE {:.3f}", Num(o, "pehe")));
    }
    if ((o.contains("models") && o["models"].is_object()) || (o.contains("model") && o.contains("channels") && o.contains("journeys"))) {
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
          if (e < best_err) { best_err = e; best = it.key(); }
        }
      }
      if (o.contains("truth_incremental") && o["truth_incremental"].is_object()) {
        const json& t = o["truth_incremental"];
        for (auto c = t.begin(); c != t.end(); ++c)
          if (c.value().is_number())
            vals.push_back({{"model", "truth (incremental)"}, {"channel", c.key()}, {"conversions", c.value().get<double>()}});
      }
      json spec = {{"data", {{"values", vals}}},
                   {"width", 520},
                   {"height", 240},
                   {"mark", {{"type", "bar"}, {"tooltip", true}}},
                   {"encoding", {{"x", Enc("channel", "nominal", "channel")},
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

// `profile evaluate`: the encoder and the TF-IDF baseline scored in the same run.
void EncoderEvidence(Report& r, const json& o) {
  std::vector<std::vector<std::string>> rows;
  json vals = json::array();
  for (auto it = o["encoders"].begin(); it != o["encoders"].end(); ++it) {
    const json& e = it.value();
    rows.push_back({it.key(), fmt::format("{}", e.value("dim", 0)), fmt::format("{:.3f}", Num(e, "nmi")),
                    fmt::format("{:.3f}", Num(e, "precision_at_k")), fmt::format("{:.3f}", Num(e, "knn_label_auc"))});
    vals.push_back({{"encoder", it.key()}, {"metric", "segment NMI"}, {"value", Num(e, "nmi")}});
    vals.push_back({{"encoder", it.key()}, {"metric", "precision@k"}, {"value", Num(e, "precision_at_k")}});
  }
  if (rows.empty()) return;
  std::string verdict = "Both encoders were scored against the users' true interests, which neither saw.";
  if (o["encoders"].contains("bert") && o["encoders"].contains("tfidf")) {
    const json &b = o["encoders"]["bert"], &t = o["encoders"]["tfidf"];
    double dn = Num(b, "nmi") - Num(t, "nmi"), dp = Num(b, "precision_at_k") - Num(t, "precision_at_k");
    verdict = fmt::format("The pretrained encoder {} TF-IDF on segment agreement (NMI {:+.3f}) and {} on finding users "
                          "with the same interests (precision {:+.3f}).",
                          dn > 0 ? "beats" : "trails", dn, dp > 0 ? "beats it" : "trails it", dp);
    r.AddKeyFigure("encoder vs TF-IDF, segment NMI", fmt::format("{:.3f} vs {:.3f}", Num(b, "nmi"), Num(t, "nmi")),
                   fmt::format("precision@{} {:.3f} vs {:.3f}", o.value("neighbours", 0), Num(b, "precision_at_k"),
                               Num(t, "precision_at_k")));
  }
  r.AddTable("User vectors: encoder vs TF-IDF baseline",
             {"encoder", "dim", "segment NMI vs true topic", fmt::format("precision@{}", o.value("neighbours", 0)),
              "kNN label AUC"},
             rows, verdict);
  json spec = Bar(vals, "metric", "value", "metric", "score");
  spec["encoding"]["x"].erase("sort");
  spec["encoding"]["color"] = Enc("encoder", "nominal", "encoder");
  spec["encoding"]["xOffset"] = {{"field", "encoder"}};
  r.AddChart("Encoder vs TF-IDF", spec, verdict);
}

void ProfileCharts(Report& r, const std::vector<const StepResult*>& steps) {
  for (const auto* s : steps) {
    const json& o = s->output;
    if (o.contains("encoders") && o["encoders"].is_object()) EncoderEvidence(r, o);
    if (!o.contains("segments") || !o["segments"].is_array()) continue;
    json vals = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& seg : o["segments"]) {
      std::string id = fmt::format("{}", seg.value("id", seg.value("segment", 0)));
      double size = Num(seg, "size", Num(seg, "users", 0));
      std::string terms;
      if (seg.contains("terms") && seg["terms"].is_array())
        for (const auto& t : seg["terms"]) terms += (terms.empty() ? "" : ", ") + (t.is_string() ? t.get<std::string>() : t.value("term", ""));
      std::string label = seg.contains("majority_label") && seg["majority_label"].is_string() ? seg["majority_label"].get<std::string>() : "";
      vals.push_back({{"segment", id}, {"users", size}});
      rows.push_back({id, fmt::format("{:.0f}", size), terms, label});
    }
    std::string enc = o.value("encoder", s->name);
    r.AddChart(fmt::format("Segment sizes ({} encoder)", enc), Bar(vals, "segment", "users", "segment", "users"),
               fmt::format("{} segments of users from their own words{}.", vals.size(),
                           std::isfinite(Num(o, "nmi")) ? fmt::format("; agreement with the true topics NMI = {:.2f}", Num(o, "nmi")) : ""));
    r.AddTable(fmt::format("What each segment talks about ({} encoder)", enc),
               {"segment", "users", "top terms", "true majority topic"}, rows,
               "Segment terms come from the users' texts; the last column is the ground truth the encoder never saw.");
  }
}

}  // namespace

void AddStageCharts(Report& r, const std::string& stage, const std::vector<const StepResult*>& steps,
                    const ChartContext& cc) {
  if (stage == "gen") GenCharts(r, steps);
  else if (stage == "data") DataCharts(r, steps);
  else if (stage == "predict") PredictCharts(r, steps, cc);
  else if (stage == "schedule") ScheduleCharts(r, steps, cc);
  else if (stage == "deliver") DeliverCharts(r, steps);
  else if (stage == "evaluate") EvaluateCharts(r, steps, cc);
  else if (stage == "profile") ProfileCharts(r, steps);
}

}  // namespace adpilot::cli
