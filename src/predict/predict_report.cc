// The predict section of the `adpilot run` report (adpilot/report_section.h):
// `eval`: AUC, logloss, calibration and ROC per model, and the model to deploy.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/report_section.h"

namespace adpilot {
namespace {

using namespace charts;

void PredictSection(Report& r, const ReportInputs& in) {
  const auto& steps = in.steps;
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
    bars.push_back({{"model", model},
                    {"series", "test AUC (95% interval)"},
                    {"auc", auc},
                    {"low", Num(o, "auc_low", auc)},
                    {"high", Num(o, "auc_high", auc)}});
    if (auc > best_auc) {
      best_auc = auc;
      best = model;
    }
    worst_auc = std::min(worst_auc, auc);
    if (o.contains("roc"))
      for (const auto& pt : o["roc"])
        roc.push_back({{"model", model}, {"fpr", Num(pt, "fpr")}, {"tpr", Num(pt, "tpr")}});
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
  // With `eval --against ffm.apm` the lift has its paired (DeLong) interval.
  std::map<std::string, const json*> against;
  for (const auto* s : steps)
    if (s->output.contains("against") && s->output["against"].is_object() && s->output.contains("model"))
      if (s->output["against"].value("model", "") == "ffm")
        against[s->output["model"].get<std::string>()] = &s->output["against"];
  for (const char* deep : {"dcnv2", "deepfm"})
    if (against.count(deep)) {
      const json& a = *against[deep];
      Estimate e{Num(a, "auc_diff"), Num(a, "low"), Num(a, "high")};
      r.AddKeyFigure(fmt::format("{} lift over ffm", deep), fmt::format("{:+.4f} test AUC", e.value),
                     e.uncertain() ? WithInterval(e, "{:+.4f}", 95) + ": not distinguishable from ffm"
                                   : WithInterval(e, "{:+.4f}", 95) + ", paired on the same rows");
    } else if (test_auc.count(deep) && test_auc.count("ffm")) {
      r.AddKeyFigure(
          fmt::format("{} lift over ffm", deep), fmt::format("{:+.4f} test AUC", test_auc[deep] - test_auc["ffm"]),
          fmt::format("{:.4f} vs {:.4f}; no paired interval (eval --against)", test_auc[deep], test_auc["ffm"]));
    }
  double truth = std::nan("");
  if (const json* g = in.Find("world")) truth = Num(*g, "true_auc");
  if (std::isfinite(truth))
    bars.push_back({{"model", "true click model"},
                    {"series", "the world's true model"},
                    {"auc", truth},
                    {"low", truth},
                    {"high", truth}});
  r.AddKeyFigure("best test AUC", fmt::format("{} ({:.3f})", best, best_auc), "held-out test split, for the record");
  r.AddTable("Model comparison (test split)", {"model", "AUC", "logloss", "NE", "calibration", "rows"}, rows,
             fmt::format("{} has the best test AUC ({:.4f}), {:+.4f} over the weakest model{}.", best, best_auc,
                         best_auc - worst_auc,
                         std::isfinite(truth) ? fmt::format("; the true click model reaches {:.4f}", truth) : ""));
  r.AddChart("AUC by model", Dots(bars, "model", "auc", "low", "high", "series", "model", "test AUC"),
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
               fmt::format("The higher the curve, the better the ranking of clicks: {} leads with AUC {:.4f}.", best,
                           best_auc));
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
               "Points on the dashed diagonal are calibrated: bids multiply these probabilities, so this matters as "
               "much as AUC.");
  }
}

}  // namespace

ADPILOT_REPORT_SECTION("predict", 40, "Which model predicts best", PredictSection);

}  // namespace adpilot
