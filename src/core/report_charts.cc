#include "adpilot/report_charts.h"

#include <algorithm>

#include <fmt/format.h>

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

json Dots(const json& values, const std::string& cat, const std::string& value, const std::string& low,
          const std::string& high, const std::string& series, const std::string& cat_title,
          const std::string& value_title) {
  json x = Enc(value, "quantitative", value_title);
  x["scale"] = {{"zero", false}};
  json color = Enc(series, "nominal", series);
  return {
      {"data", {{"values", values}}},
      {"width", 420},
      {"height", std::max<int>(120, 36 * int(values.size()))},
      {"encoding", {{"y", Enc(cat, "nominal", cat_title)}, {"color", color}}},
      {"layer",
       {{{"mark", {{"type", "rule"}, {"strokeWidth", 2}}},
         {"encoding",
          {{"x",
            [&] {
              json l = Enc(low, "quantitative", value_title);
              l["scale"] = {{"zero", false}};
              return l;
            }()},
           {"x2", {{"field", high}}}}}},
        {{"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"tooltip", true}}}, {"encoding", {{"x", x}}}}}}};
}

json ZeroRule() {
  return {{"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}, {"color", "#999"}}},
          {"encoding", {{"x", {{"datum", 0}, {"type", "quantitative"}}}, {"y", nullptr}, {"color", nullptr}}}};
}

std::string WithInterval(const Estimate& e, const std::string& fmt_spec, int level_pct) {
  std::string v = fmt::format(fmt::runtime(fmt_spec), e.value);
  if (!e.has_interval()) return v + " (no interval)";
  return fmt::format("{} ({}% interval {} to {})", v, level_pct, fmt::format(fmt::runtime(fmt_spec), e.low),
                     fmt::format(fmt::runtime(fmt_spec), e.high));
}

}  // namespace adpilot::charts
