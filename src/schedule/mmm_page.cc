// The MMM pages of the run report, after Robyn's one-pager: is the sampler to
// be trusted, how well the model tracks the KPI, what drives it week by week,
// each channel's return (beside the truth on a generated world) and carry-over.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/table.h"
#include "schedule/report_parts.h"

namespace adpilot::schedule_report {
namespace {

using namespace charts;

// j[a][b]... when every key is there, else null: the truth file's layout is
// the generator's, and an older world may lack a part.
const json* At(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return nullptr;
    p = &(*p)[k];
  }
  return p;
}

std::string Join(const json& list, const std::string& sep) {
  std::string out;
  for (const auto& w : list)
    if (w.is_string()) out += (out.empty() ? "" : sep) + w.get<std::string>();
  return out;
}

// The badge quotes the fit's own warnings (mmm fit decides what is a warning:
// R-hat > rhat_warn, ESS < ess_warn, any divergence), so the two cannot differ.
void Diagnostics(Report& r, const json& fit) {
  const json warnings = fit.value("warnings", json::array());
  std::string figures = fmt::format(
      "R-hat max {:.3f}, bulk ESS min {:.0f}, {} divergent transitions ({} chains x {} draws)", Num(fit, "rhat_max"),
      Num(fit, "ess_min"), fit.value("divergences", 0), fit.value("chains", 0), fit.value("draws", 0));
  if (warnings.empty()) r.AddBadge("Sampler diagnostics: " + figures + ". No warnings.", false);
  else r.AddBadge("Sampler diagnostics: " + figures + ". " + Join(warnings, "; ") + ".", true);
}

void FittedVsActual(Report& r, const json& fit, const json& rows) {
  json vals = json::array(), hold = json::array();
  std::string first_hold;
  for (const auto& row : rows) {
    if (!row.contains("date")) continue;
    const std::string d = row["date"].is_string() ? row["date"].get<std::string>() : row["date"].dump();
    if (row["kpi"].is_number()) vals.push_back({{"date", d}, {"series", "actual"}, {"kpi", row["kpi"]}});
    vals.push_back({{"date", d}, {"series", "fitted"}, {"kpi", row["fitted"]}});
    if (Num(row, "holdout") == 1 && first_hold.empty()) first_hold = d;
  }
  json layers = json::array();
  if (!first_hold.empty())
    layers.push_back({{"data", {{"values", {{{"start", first_hold}, {"end", vals.back()["date"]}}}}}},
                      {"mark", {{"type", "rect"}, {"color", "#edf2f7"}}},
                      {"encoding", {{"x", {{"field", "start"}, {"type", "temporal"}}}, {"x2", {{"field", "end"}}}}}});
  layers.push_back({{"mark", {{"type", "line"}, {"tooltip", true}}},
                    {"encoding",
                     {{"x", Enc("date", "temporal", "week")},
                      {"y",
                       [] {
                         json y = Enc("kpi", "quantitative", "KPI");
                         y["scale"] = {{"zero", false}};
                         return y;
                       }()},
                      {"color", Enc("series", "nominal", "series")}}}});
  const json& train = fit.value("train", json::object());
  const json& holdout = fit.value("holdout", json::object());
  std::string caption = fmt::format("Training weeks: R² {:.3f}, NRMSE {:.3f}, MAPE {:.1f}%.", Num(train, "r2"),
                                    Num(train, "nrmse"), 100 * Num(train, "mape"));
  if (holdout.value("rows", 0) > 0)
    caption += fmt::format(" The {} held-out weeks (shaded), which the fit never saw: R² {:.3f}, NRMSE {:.3f}.",
                           holdout.value("rows", 0), Num(holdout, "r2"), Num(holdout, "nrmse"));
  r.AddChart("Fitted vs actual KPI", {{"data", {{"values", vals}}}, {"width", 520}, {"height", 240}, {"layer", layers}},
             caption);
}

void Decomposition(Report& r, const json& fit, const json& rows) {
  std::vector<std::string> channels;
  for (const auto& c : fit["channels"]) channels.push_back(c.value("name", ""));
  json vals = json::array();
  std::map<std::string, double> total;
  double all = 0;
  for (const auto& row : rows) {
    if (!row.contains("date")) continue;
    const std::string d = row["date"].is_string() ? row["date"].get<std::string>() : row["date"].dump();
    auto add = [&](const std::string& part, double v) {
      if (!std::isfinite(v)) return;
      vals.push_back({{"date", d}, {"part", part}, {"kpi", v}});
      total[part] += v;
      all += v;
    };
    add("baseline", Num(row, "baseline"));
    for (const auto& c : channels) add(c, Num(row, c.c_str()));
  }
  if (vals.empty() || all <= 0) return;
  std::string top;
  for (const auto& c : channels)
    if (top.empty() || total[c] > total[top]) top = c;
  r.AddChart("Decomposition: baseline and channels over time",
             {{"data", {{"values", vals}}},
              {"width", 520},
              {"height", 240},
              {"mark", {{"type", "area"}, {"tooltip", true}}},
              {"encoding",
               {{"x", Enc("date", "temporal", "week")},
                {"y",
                 [] {
                   json y = Enc("kpi", "quantitative", "KPI (posterior mean)");
                   y["stack"] = "zero";
                   return y;
                 }()},
                {"color", Enc("part", "nominal", "part")}}}},
             fmt::format("The baseline (trend, season, controls) makes {:.0f}% of the fitted KPI; of the channels {} "
                         "contributes most ({:.0f}%).",
                         100 * total["baseline"] / all, top, 100 * total[top] / all));
}

void Roas(Report& r, const json& fit, const json& truth) {
  json vals = json::array();
  int covered = 0, known = 0;
  std::string top;
  double top_roas = -1;
  for (const auto& c : fit["channels"]) {
    const std::string name = c.value("name", "");
    vals.push_back({{"channel", name},
                    {"series", "estimate (90% interval)"},
                    {"roas", Num(c, "roas")},
                    {"low", Num(c, "roas_low")},
                    {"high", Num(c, "roas_high")}});
    if (Num(c, "roas") > top_roas) top_roas = Num(c, "roas"), top = name;
    const json* t = At(truth, {"mmm", "per_channel", name.c_str()});
    if (t && std::isfinite(Num(*t, "roas"))) {
      double v = Num(*t, "roas");
      vals.push_back({{"channel", name}, {"series", "true ROAS"}, {"roas", v}, {"low", v}, {"high", v}});
      ++known;
      covered += v >= Num(c, "roas_low") && v <= Num(c, "roas_high");
    }
  }
  std::string caption = fmt::format(
      "{} has the highest estimated return (ROAS {:.2f}); the whiskers are the 90% credible intervals.", top, top_roas);
  if (known) caption += fmt::format(" The world's true ROAS lies inside {} of the {} intervals.", covered, known);
  r.AddChart(known ? "ROAS per channel: estimate and truth" : "ROAS per channel with 90% credible interval",
             Dots(vals, "channel", "roas", "low", "high", "series", "channel", "ROAS (KPI per unit of spend)"),
             caption);
}

void Adstock(Report& r, const json& fit, const json& truth) {
  json vals = json::array();
  std::string slowest;
  double slowest_lag = -1;
  bool with_truth = false;
  for (const auto& c : fit["channels"]) {
    const std::string name = c.value("name", "");
    if (!c.contains("adstock_weights") || !c["adstock_weights"].is_array()) continue;
    double lag = 0, sum = 0;
    for (size_t l = 0; l < c["adstock_weights"].size(); ++l) {
      double w = c["adstock_weights"][l].get<double>();
      vals.push_back({{"channel", name}, {"source", "estimate"}, {"lag", l}, {"weight", w}});
      lag += double(l) * w, sum += w;
    }
    if (sum > 0 && lag / sum > slowest_lag) slowest_lag = lag / sum, slowest = name;
    if (const json* tw = At(truth, {"mmm", "per_channel", name.c_str(), "adstock", "weights"}); tw && tw->is_array())
      for (size_t l = 0; l < tw->size(); ++l) {
        vals.push_back({{"channel", name}, {"source", "truth"}, {"lag", l}, {"weight", (*tw)[l]}});
        with_truth = true;
      }
  }
  if (vals.empty()) return;
  r.AddChart("Adstock decay per channel",
             {{"data", {{"values", vals}}},
              {"width", 420},
              {"height", 240},
              {"mark", {{"type", "line"}, {"point", true}, {"tooltip", true}}},
              {"encoding",
               {{"x", Enc("lag", "quantitative", "weeks after the spend")},
                {"y", Enc("weight", "quantitative", "share of the effect")},
                {"color", Enc("channel", "nominal", "channel")},
                {"strokeDash", Enc("source", "nominal", "source")}}}},
             fmt::format("How long a week's spend keeps working: {} carries over longest (mean lag {:.1f} weeks){}.",
                         slowest, slowest_lag, with_truth ? "; dashed lines are the world's true decay" : ""));
}

void Parameters(Report& r, const json& fit) {
  if (!fit.contains("params") || !fit["params"].is_array() || fit["params"].empty()) return;
  // The least converged first: those are the ones to read.
  std::vector<json> params(fit["params"].begin(), fit["params"].end());
  std::stable_sort(params.begin(), params.end(),
                   [](const json& a, const json& b) { return Num(a, "rhat", 0) > Num(b, "rhat", 0); });
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < params.size() && i < 10; ++i) {
    const json& p = params[i];
    rows.push_back({p.value("name", ""), fmt::format("{:.4g}", Num(p, "mean")),
                    fmt::format("{:.4g} to {:.4g}", Num(p, "q05"), Num(p, "q95")),
                    fmt::format("{:.3f}", Num(p, "rhat")), fmt::format("{:.0f}", Num(p, "ess_bulk"))});
  }
  r.AddTable("Posterior parameters, least converged first", {"parameter", "mean", "90% interval", "R-hat", "bulk ESS"},
             rows,
             fmt::format("{} of {} parameters shown. R-hat near 1 and a bulk ESS in the hundreds mean the chains "
                         "agree; params.csv has them all.",
                         rows.size(), params.size()));
}

}  // namespace

json WorldTruth(const ReportInputs& in) {
  std::string dir = (std::filesystem::path(in.run_dir) / "world").string();
  for (const auto& s : in.all)
    if (s.stage == "gen" && s.output.is_object() && s.output.contains("out") && s.output["out"].is_string())
      dir = s.output["out"].get<std::string>();
  std::ifstream f(std::filesystem::path(dir) / "truth.json");
  if (!f) return nullptr;
  json t = json::parse(f, nullptr, false);
  return t.is_object() ? t : json(nullptr);
}

json CsvRows(const std::string& dir, const std::string& file) {
  if (dir.empty()) return json::array();
  return CsvRowsJson((std::filesystem::path(dir) / file).string());
}

void AddMmmPages(Report& r, const json& fit, const json& truth) {
  const std::string dir = fit.value("csv_dir", "");
  Diagnostics(r, fit);
  r.AddKeyFigure("MMM fit R²",
                 fmt::format("{:.3f} train, {:.3f} held out", Num(fit.value("train", json::object()), "r2"),
                             Num(fit.value("holdout", json::object()), "r2")),
                 fit.value("warnings", json::array()).empty()
                     ? fmt::format("R-hat max {:.3f}", Num(fit, "rhat_max"))
                     : fmt::format("sampler warnings: {}", fit["warnings"].size()));
  json rows = CsvRows(dir, "contributions.csv");
  if (!rows.empty() && rows[0].contains("fitted")) {
    FittedVsActual(r, fit, rows);
    Decomposition(r, fit, rows);
  }
  Roas(r, fit, truth);
  Adstock(r, fit, truth);
  Parameters(r, fit);
}

}  // namespace adpilot::schedule_report
