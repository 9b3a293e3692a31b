// The schedule section of the run report: the allocation's calibration badge
// (docs/calibration.md) and the sentence that says how far the answer moved.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/report.h"
#include "adpilot/report_section.h"

namespace adpilot {
namespace {

// The schedule section drawn for one allocation step's JSON (and a calibration record).
Report ScheduleReport(const nlohmann::json& alloc, const nlohmann::json& calibration) {
  const ReportSection* schedule = nullptr;
  const auto sections = ReportSections();
  for (const auto& s : sections)
    if (s.stage == "schedule") schedule = &s;
  Report r("t", "t");
  EXPECT_NE(schedule, nullptr);
  if (!schedule) return r;
  ReportInputs in;
  in.all.push_back({"allocate", "schedule", alloc});
  in.steps.push_back(&in.all.back());
  in.calibration = calibration;
  schedule->add(r, in);
  return r;
}

// An allocation's JSON with the shrinkage step t (expected KPI change +10%, +25% unshrunk).
nlohmann::json Allocation(double t) {
  return {{"allocation", {{"a", 60.0}, {"b", 40.0}}},
          {"current_allocation", {{"a", 50.0}, {"b", 50.0}}},
          {"expected_kpi", t > 0 ? 110.0 : 100.0},
          {"current_kpi", 100.0},
          {"uplift", t > 0 ? 10.0 : -1e-13},
          {"uplift_low", t > 0 ? 2.0 : -1e-13},
          {"uplift_high", t > 0 ? 20.0 : 1e-13},
          {"shrink", {{"enabled", true}, {"t", t}, {"quantile", 0.05}, {"unshrunk_uplift", 25.0}}}};
}

TEST(Report, AllocationCarriesItsCalibrationBadgeAndTheShrinkage) {
  Report r = ScheduleReport(Allocation(0.4), {{"mmm_allocation",
                                               {{"markets", 52},
                                                {"default_vs_oracle", 0.9712},
                                                {"current_vs_oracle", 0.9650},
                                                {"markets_losing_over_1pct", 0},
                                                {"uplift_covered", 47},
                                                {"date", "2026-12-08"},
                                                {"commit", "abc1234"}}}});
  bool found = false;
  for (const auto& k : r.key_figures())
    if (k.label == "Allocation calibration") {
      found = true;
      EXPECT_EQ(k.value, "97.1% vs 96.5%");
      EXPECT_NE(k.note.find("47 of 52"), std::string::npos) << k.note;
      EXPECT_NE(k.note.find("commit abc1234"), std::string::npos) << k.note;
    }
  EXPECT_TRUE(found);
  bool caption = false;
  for (const auto& t : r.takeaways())
    if (t.find("moves 40% of the way") != std::string::npos) {
      caption = true;
      EXPECT_NE(t.find("+25.0%"), std::string::npos) << t;
      EXPECT_NE(t.find("5% posterior quantile"), std::string::npos) << t;
    }
  EXPECT_TRUE(caption);
}

TEST(Report, AKeptSplitSaysSoInsteadOfAZeroChange) {
  Report r = ScheduleReport(Allocation(0.0), nullptr);
  bool found = false;
  for (const auto& k : r.key_figures())
    if (k.label == "expected KPI change") {
      found = true;
      EXPECT_EQ(k.value, "0% (kept)");
    }
  EXPECT_TRUE(found);
  for (const auto& k : r.key_figures()) EXPECT_NE(k.label, "Allocation calibration");  // no record, no badge
  ASSERT_FALSE(r.takeaways().empty());
  EXPECT_NE(r.takeaways()[0].find("keeps the current split"), std::string::npos) << r.takeaways()[0];
}

}  // namespace
}  // namespace adpilot
