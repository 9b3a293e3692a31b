// The data section of the `adpilot run` report (adpilot/report_section.h):
// `data stats`: label rate, missing share and cardinality per field.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/report_section.h"

namespace adpilot {
namespace {

using namespace charts;

void DataSection(Report& r, const ReportInputs& in) {
  const auto& steps = in.steps;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("fields") || !o.contains("rows")) continue;
    r.AddKeyFigure("label rate", fmt::format("{:.2f}%", 100 * Num(o, "label_rate", 0)), s->name);
    json vals = json::array();
    std::string worst;
    double worst_share = -1;
    for (const auto& f : o["fields"]) {
      double m = f.value("missing_share", 0.0);
      vals.push_back(
          {{"field", f.value("name", "")}, {"missing", m}, {"distinct", std::max<double>(1, f.value("distinct", 0))}});
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

}  // namespace

ADPILOT_REPORT_SECTION("data", 20, "What the data says", DataSection);

}  // namespace adpilot
