#include "adpilot/report_section.h"

#include <algorithm>

namespace adpilot {
namespace {

// Sections register from static initialisers of the stages' objects, in no
// set order; the list is read once the program runs.
std::vector<ReportSection>& Sections() {
  static std::vector<ReportSection> s;
  return s;
}

}  // namespace

const nlohmann::json* ReportInputs::Find(const std::string& step_name) const {
  for (const auto& s : all)
    if (s.name == step_name && s.output.is_object()) return &s.output;
  return nullptr;
}

bool RegisterReportSection(ReportSection section) {
  Sections().push_back(std::move(section));
  return true;
}

std::vector<ReportSection> ReportSections() {
  std::vector<ReportSection> out = Sections();
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  return out;
}

}  // namespace adpilot
