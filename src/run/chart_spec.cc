#include "run/chart_spec.h"

#include <cstdlib>

#include "adpilot/error.h"
#include "adpilot/table.h"

namespace adpilot::run::charts {

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

json ReadCsv(const std::string& path, size_t max_rows) {
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

}  // namespace adpilot::run::charts
