// Each stage registers its own section of the run report, and the report
// orders them as the pipeline flows.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/report_section.h"
#include "common/test_util.h"

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

// Runs the section of `stage` on these steps.
Report Draw(const std::string& stage, ReportInputs& in) {
  in.steps.clear();
  for (const auto& s : in.all)
    if (s.stage == stage) in.steps.push_back(&s);
  Report r("t");
  for (const auto& s : ReportSections())
    if (s.stage == stage) s.add(r, in);
  return r;
}

const Report::KeyFigure* Figure(const Report& r, const std::string& label) {
  for (const auto& k : r.key_figures())
    if (k.label == label) return &k;
  return nullptr;
}

bool AnyTakeaway(const Report& r, const std::string& text) {
  for (const auto& t : r.takeaways())
    if (t.find(text) != std::string::npos) return true;
  return false;
}

nlohmann::json Allocation(double low, double high) {
  return {{"allocation", {{"a", 60.0}, {"b", 40.0}}},
          {"current_allocation", {{"a", 50.0}, {"b", 50.0}}},
          {"current_kpi", 1000.0},
          {"expected_kpi", 1030.0},
          {"uplift_low", low},
          {"uplift_high", high}};
}

TEST(ReportSections, AnAllocationWhoseIntervalHoldsZeroIsHedged) {
  ReportInputs in;
  in.all.push_back({"allocate", "schedule", Allocation(-20, 80)});
  Report r = Draw("schedule", in);
  const auto* k = Figure(r, "expected KPI change");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->value, "+3.0% (-2.0% to +8.0%)");
  EXPECT_NE(k->note.find("spans 0"), std::string::npos) << k->note;
  // The caption quotes the same numbers, and says what the interval means.
  EXPECT_TRUE(AnyTakeaway(r, "+3.0% (90% interval -2.0% to +8.0%)"));
  EXPECT_TRUE(AnyTakeaway(r, "cannot promise"));

  ReportInputs sure;
  sure.all.push_back({"allocate", "schedule", Allocation(10, 50)});
  Report r2 = Draw("schedule", sure);
  ASSERT_NE(Figure(r2, "expected KPI change"), nullptr);
  EXPECT_EQ(Figure(r2, "expected KPI change")->note.find("spans 0"), std::string::npos);
  EXPECT_FALSE(AnyTakeaway(r2, "cannot promise"));
}

TEST(ReportSections, AGeneratedWorldsTruthIsDrawnBesideTheEstimates) {
  testing::TempDir tmp;
  std::filesystem::create_directories(tmp.File("world"));
  // The world's truth: true ROAS per channel and the true optimal split.
  WriteFileAtomic(tmp.File("world/truth.json"), R"({"mmm": {
      "per_channel": {"a": {"roas": 2.0, "adstock": {"weights": [0.6, 0.4]}},
                      "b": {"roas": 9.0, "adstock": {"weights": [1.0]}}},
      "oracle": {"split": {"a": 70.0, "b": 30.0}}}})");
  ReportInputs in;
  in.run_dir = tmp.path().string();
  in.all.push_back({"world", "gen", {{"out", tmp.File("world")}}});
  in.all.push_back(
      {"fit",
       "schedule",
       {{"r2", 0.8},
        {"train", {{"r2", 0.8}}},
        {"holdout", {{"r2", 0.5}, {"rows", 4}}},
        {"rhat_max", 1.2},
        {"ess_min", 40.0},
        {"divergences", 3},
        {"warnings", {"3 divergent transitions after warmup"}},
        {"channels",
         {{{"name", "a"}, {"roas", 2.2}, {"roas_low", 1.5}, {"roas_high", 3.0}, {"adstock_weights", {0.5, 0.5}}},
          {{"name", "b"}, {"roas", 3.0}, {"roas_low", 2.0}, {"roas_high", 4.0}, {"adstock_weights", {0.9, 0.1}}}}}}});
  in.all.push_back({"allocate", "schedule", Allocation(10, 50)});
  Report r = Draw("schedule", in);
  // b's true ROAS (9) is outside its interval: the caption says so by count.
  EXPECT_TRUE(AnyTakeaway(r, "true ROAS lies inside 1 of the 2 intervals"));
  // a moves toward its true optimum (50 -> 60, truth 70), b too (50 -> 40, truth 30).
  EXPECT_TRUE(AnyTakeaway(r, "2 of 2 channels move closer"));
  EXPECT_TRUE(AnyTakeaway(r, "dashed lines are the world's true decay"));
  const auto* fit = Figure(r, "MMM fit R²");
  ASSERT_NE(fit, nullptr);
  EXPECT_EQ(fit->note, "sampler warnings: 1");
}

TEST(ReportSections, TheBiddingHeadlineAndItsCaptionNameTheSamePick) {
  ReportInputs in;
  nlohmann::json rows = {{{"strategy", "lin"}, {"clicks", 100}, {"hindsight_optimal_clicks", 400}},
                         {{"strategy", "pid"},
                          {"clicks", 110},
                          {"vs_lin", {{"clicks_diff", 10}, {"low", 2}, {"high", 18}, {"reference_clicks", 100}}}},
                         {{"strategy", "best"},
                          {"resolved_strategy", "rlb"},
                          {"clicks", 104},
                          {"vs_lin", {{"clicks_diff", 4}, {"low", -3}, {"high", 11}, {"reference_clicks", 100}}}}};
  in.all.push_back({"compare", "deliver", {{"rows", rows}}});
  Report r = Draw("deliver", in);
  const auto* k = Figure(r, "bidding strategy");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->value, "rlb (104 clicks)");
  EXPECT_NE(k->note.find("+4.0% (95% interval -3.0% to +11.0%)"), std::string::npos) << k->note;
  EXPECT_NE(k->note.find("not distinguishable from lin"), std::string::npos) << k->note;
  // One caption: the pick, its interval, and the strategy that did better on the test half.
  EXPECT_TRUE(AnyTakeaway(r, "best picked rlb on the tuning half"));
  EXPECT_TRUE(AnyTakeaway(r, "+4.0% (95% interval -3.0% to +11.0%)"));
  EXPECT_TRUE(AnyTakeaway(r, "pid did best on that half (110 clicks)"));
}

TEST(ReportSections, ADeepModelsLiftOverFfmCarriesItsPairedInterval) {
  ReportInputs in;
  in.all.push_back({"eval-ffm", "predict", {{"model", "ffm"}, {"auc", 0.77}, {"logloss", 0.15}}});
  in.all.push_back({"eval-dcn",
                    "predict",
                    {{"model", "dcnv2"},
                     {"auc", 0.772},
                     {"logloss", 0.15},
                     {"against", {{"model", "ffm"}, {"auc_diff", 0.002}, {"low", -0.001}, {"high", 0.005}}}}});
  Report r = Draw("predict", in);
  const auto* k = Figure(r, "dcnv2 lift over ffm");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->value, "+0.0020 test AUC");
  EXPECT_NE(k->note.find("not distinguishable from ffm"), std::string::npos) << k->note;
}

}  // namespace
}  // namespace adpilot
