#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/report.h"
#include "adpilot/report_section.h"
#include "common/browser.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

std::string Assets() {
  std::string a = std::string(ADPILOT_BINARY_DIR) + "/share/adpilot";
  return std::filesystem::exists(a + "/vega.min.js") ? a : "";
}

Report TwoChartReport() {
  Report r("Test report", "two charts");
  r.AddKeyFigure("best AUC", "0.781", "ffm");
  r.AddSection("Models", "Two charts from fixed numbers.");
  nlohmann::json bars = {
      {"data", {{"values", {{{"m", "lr"}, {"auc", 0.74}}, {{"m", "ffm"}, {"auc", 0.78}}}}}},
      {"mark", "bar"},
      {"encoding",
       {{"x", {{"field", "m"}, {"type", "nominal"}}}, {"y", {{"field", "auc"}, {"type", "quantitative"}}}}}};
  r.AddChart("AUC by model", bars, "ffm beats lr by 0.04 AUC.");
  nlohmann::json line = {
      {"data", {{"values", {{{"x", 0}, {"y", 0}}, {{"x", 1}, {"y", 1}}}}}},
      {"mark", "line"},
      {"encoding",
       {{"x", {{"field", "x"}, {"type", "quantitative"}}}, {"y", {{"field", "y"}, {"type", "quantitative"}}}}}};
  r.AddChart("Diagonal </script> test", line, "A title with markup is escaped.");
  r.AddTable("Table", {"model", "auc"}, {{"lr", "0.74"}, {"ffm", "0.78"}}, "A table.");
  return r;
}

TEST(Report, WritesSelfContainedHtml) {
  if (Assets().empty()) GTEST_SKIP() << "chart libraries not installed (scripts/install-deps.sh runs npm ci in web/)";
  testing::TempDir tmp;
  std::string html = tmp.File("report.html");
  TwoChartReport().Write(html, Assets());
  std::string s = ReadFile(html);
  EXPECT_NE(s.find("vegaEmbed"), std::string::npos);
  EXPECT_EQ(s.find("src=\"http"), std::string::npos) << "report must not fetch anything";
  EXPECT_EQ(s.find("</script> test"), std::string::npos) << "titles must be escaped";
}

TEST(Report, MissingAssetsIsAClearError) {
  testing::TempDir tmp;
  try {
    TwoChartReport().Write(tmp.File("r.html"), tmp.File("nowhere"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vega.min.js"), std::string::npos);
  }
}

// Renders the report in a real browser: every chart drawn, no script errors.
TEST(Report, RendersInHeadlessChromium) {
  if (Assets().empty()) GTEST_SKIP() << "chart libraries not installed";
  if (testing::ChromiumPath().empty()) GTEST_SKIP() << "chromium not installed (Debian package chromium)";
  testing::TempDir tmp;
  std::string html = tmp.File("report.html");
  TwoChartReport().Write(html, Assets());
  std::string dom = testing::DumpDom(html, tmp.File("profile"), tmp.File("chromium.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("id=\"status\"[^>]*"))) << "no status element in DOM:\n"
                                                                           << dom.substr(0, 2000);
  std::string status = m.str();
  EXPECT_NE(status.find("data-done=\"1\""), std::string::npos) << status;
  EXPECT_NE(status.find("data-errors=\"0\""), std::string::npos) << status;
  EXPECT_NE(status.find("data-rendered=\"2\""), std::string::npos) << status;
  EXPECT_NE(dom.find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace adpilot

namespace adpilot {
namespace {

// The calibration badge (docs/calibration.md): an abtest step's section shows
// the last harness run's coverage with its date and commit, and nothing is
// invented when there is no record.
TEST(Report, AbtestSectionCarriesTheCalibrationBadge) {
  nlohmann::json readout = {{"variants", nlohmann::json::array({{{"name", "control"}, {"control", true}}})},
                            {"results", nlohmann::json::array()},
                            {"verdict", "ship"},
                            {"srm_p_value", 0.5}};
  const ReportSection* evaluate = nullptr;
  const auto sections = ReportSections();
  for (const auto& s : sections)
    if (s.stage == "evaluate") evaluate = &s;
  ASSERT_NE(evaluate, nullptr);
  auto figures = [&](const nlohmann::json& calibration) {
    ReportInputs in;
    in.all.push_back({"abtest", "evaluate", readout});
    in.steps.push_back(&in.all.back());
    in.calibration = calibration;
    Report r("t", "t");
    evaluate->add(r, in);
    return r.key_figures();
  };
  auto with = figures({{"abtest",
                        {{"covered", 1550},
                         {"experiments", 1600},
                         {"false_ships_sequential", 9},
                         {"null_experiments_sequential", 400},
                         {"date", "2026-12-08"},
                         {"commit", "b41efcc"}}}});
  bool found = false;
  for (const auto& k : with)
    if (k.label == "A/B calibration") {
      found = true;
      EXPECT_EQ(k.value, "1550 of 1600");
      EXPECT_NE(k.note.find("9 of 400"), std::string::npos) << k.note;
      EXPECT_NE(k.note.find("commit b41efcc"), std::string::npos) << k.note;
    }
  EXPECT_TRUE(found);
  for (const auto& k : figures(nullptr)) EXPECT_NE(k.label, "A/B calibration");
}

}  // namespace
}  // namespace adpilot
