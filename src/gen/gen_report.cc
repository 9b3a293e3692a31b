// The gen section of the `adpilot run` report (adpilot/report_section.h):
// The generated world: its size and the truth every later number is checked against.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/report_charts.h"
#include "adpilot/report_section.h"

namespace adpilot {
namespace {

using namespace charts;

void GenSection(Report& r, const ReportInputs& in) {
  const auto& steps = in.steps;
  for (const auto* s : steps) {
    const json& o = s->output;
    if (!o.contains("auctions")) continue;
    r.AddKeyFigure("auctions", fmt::format("{}", o["auctions"].get<uint64_t>()), "generated");
    r.AddKeyFigure("true click-model AUC", fmt::format("{:.3f}", Num(o, "true_auc")), "the ceiling for any model");
    std::vector<std::vector<std::string>> rows;
    for (const char* k : {"users", "auctions", "clicks", "experiment_units", "journeys", "mean_ctr", "ate", "true_auc"})
      if (o.contains(k))
        rows.push_back({k, o[k].is_number_float() ? fmt::format("{:.4g}", o[k].get<double>()) : o[k].dump()});
    r.AddTable(
        "The generated world", {"quantity", "value"}, rows,
        fmt::format("A world of {} users and {} auctions with known truth: every later number is checked against it.",
                    o.value("users", 0), o.value("auctions", 0)));
  }
}

}  // namespace

ADPILOT_REPORT_SECTION("gen", 10, "The world", GenSection);

}  // namespace adpilot
