// Report sections of the decision-side stages: bidding, evaluation, user profiles.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "run/chart_spec.h"

namespace adpilot::run::charts {

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

namespace {

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
    // With the paired bootstrap over users, a difference whose 95% interval
    // spans 0 is called level, not a win or a loss.
    const json d = o.value("bert_minus_tfidf", json::object());
    auto side = [&](const char* key, double diff, const char* win, const char* lose, const char* level) {
      std::string out = diff > 0 ? win : lose;
      if (d.contains(key)) {
        double lo = d[key]["ci95"][0].get<double>(), hi = d[key]["ci95"][1].get<double>();
        if (lo <= 0 && hi >= 0) out = level;
        out += fmt::format(" ({:+.3f}, 95% interval {:+.3f} to {:+.3f})", diff, lo, hi);
      } else {
        out += fmt::format(" ({:+.3f})", diff);
      }
      return out;
    };
    verdict = fmt::format("On segment agreement with the true topic the pretrained encoder {}; on finding users with "
                          "the same interests (precision@k) it {}.",
                          side("nmi", dn, "beats TF-IDF", "trails TF-IDF", "is level with TF-IDF"),
                          side("precision_at_k", dp, "beats it", "trails it", "is level with it"));
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

}  // namespace

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


}  // namespace adpilot::run::charts
