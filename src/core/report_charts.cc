#include "adpilot/report_charts.h"

namespace adpilot::charts {

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

double Num(const json& o, const char* key, double dflt) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_number()) return dflt;
  return o[key].get<double>();
}

}  // namespace adpilot::charts
