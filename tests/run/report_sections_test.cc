// Each stage registers its own section of the run report, and the report
// orders them as the pipeline flows.
#include <gtest/gtest.h>

#include "adpilot/report_section.h"

namespace adpilot {
namespace {

TEST(ReportSections, EveryStageContributesOneInPipelineOrder) {
  std::vector<std::string> stages;
  for (const auto& s : ReportSections()) {
    EXPECT_FALSE(s.title.empty()) << s.stage;
    EXPECT_NE(s.add, nullptr) << s.stage;
    stages.push_back(s.stage);
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"gen", "data", "profile", "predict", "schedule", "deliver", "evaluate"}));
}

TEST(ReportSections, ASectionDrawsItsStagesStepsAndIgnoresOthers) {
  ReportInputs in;
  in.all.push_back({"world", "gen", {{"users", 10}, {"auctions", 1000}, {"true_auc", 0.8}}});
  in.all.push_back({"other", "gen", {{"unrelated", 1}}});
  for (const auto& s : in.all) in.steps.push_back(&s);
  ASSERT_NE(in.Find("world"), nullptr);
  EXPECT_EQ(in.Find("missing"), nullptr);
  for (const auto& s : ReportSections()) {
    if (s.stage != "gen") continue;
    Report r("t");
    s.add(r, in);
    EXPECT_EQ(r.item_count(), 1u);  // the world's table; the unrelated step adds nothing
    ASSERT_EQ(r.key_figures().size(), 2u);
    EXPECT_EQ(r.key_figures()[0].value, "1000");
  }
}

}  // namespace
}  // namespace adpilot
