// Bad input is a clear error or a reported repair; bad config names the key.
#include <fstream>
#include <functional>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "adpilot/options.h"
#include "common/test_util.h"

namespace adpilot::mmm {
namespace {

// 20 weekly rows from 2020-01-06; `edit` rewrites rows before writing.
std::string WriteCsv(const adpilot::testing::TempDir& dir,
                     const std::function<void(std::vector<std::string>&)>& edit = {}) {
  std::vector<std::string> rows;
  const char* dates[] = {"2020-01-06", "2020-01-13", "2020-01-20", "2020-01-27", "2020-02-03",
                         "2020-02-10", "2020-02-17", "2020-02-24", "2020-03-02", "2020-03-09",
                         "2020-03-16", "2020-03-23", "2020-03-30", "2020-04-06", "2020-04-13",
                         "2020-04-20", "2020-04-27", "2020-05-04", "2020-05-11", "2020-05-18"};
  for (int i = 0; i < 20; ++i)
    rows.push_back(fmt::format("{},{},{},{},{}", dates[i], 100 + i, 10 + (i * 7) % 5, (i % 3) * 4, 1));
  if (edit) edit(rows);
  std::string path = dir.File("d.csv");
  std::ofstream f(path);
  f << "\"week\",kpi,tv,search,flat\n";
  for (auto& r : rows) f << r << "\n";
  return path;
}

ErrorCode CodeOf(const std::function<void()>& fn, std::string* msg = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (msg) *msg = e.what();
    return e.code();
  }
  return ErrorCode::kInternal;
}

TEST(MmmData, LoadsAndRepairsOrderAndMissingKpi) {
  adpilot::testing::TempDir dir;
  auto path = WriteCsv(dir, [](auto& rows) {
    std::swap(rows[3], rows[7]);
    rows[5] = "2020-02-10,,12,4,1";
  });
  MmmData d = LoadMmmCsv(path, "week", "kpi", {"tv", "search"}, {});
  ASSERT_EQ(d.rows(), 20);
  EXPECT_EQ(d.dates[3], "2020-01-27");
  EXPECT_TRUE(std::isnan(d.kpi[5]));
  ASSERT_EQ(d.repairs.size(), 2u);
  EXPECT_NE(d.repairs[0].find("date order"), std::string::npos);
  EXPECT_NE(d.repairs[1].find("missing"), std::string::npos);
}

TEST(MmmData, RejectsBadInputWithClearErrors) {
  adpilot::testing::TempDir dir;
  std::string msg;
  auto gap = WriteCsv(dir, [](auto& rows) { rows.erase(rows.begin() + 4); });
  EXPECT_EQ(CodeOf([&] { LoadMmmCsv(gap, "week", "kpi", {"tv"}, {}); }, &msg), ErrorCode::kBadInput);
  EXPECT_NE(msg.find("missing rows between 2020-01-27 and 2020-02-10"), std::string::npos) << msg;
  auto neg = WriteCsv(dir, [](auto& rows) { rows[2] = "2020-01-20,100,-5,0,1"; });
  EXPECT_EQ(CodeOf([&] { LoadMmmCsv(neg, "week", "kpi", {"tv"}, {}); }, &msg), ErrorCode::kBadInput);
  EXPECT_NE(msg.find("negative spend"), std::string::npos) << msg;
  auto ok = WriteCsv(dir);
  EXPECT_EQ(CodeOf([&] { LoadMmmCsv(ok, "week", "kpi", {"flat"}, {}); }, &msg), ErrorCode::kBadInput);
  EXPECT_NE(msg.find("constant"), std::string::npos) << msg;
  EXPECT_EQ(CodeOf(
                [&] {
                  LoadMmmCsv(ok, "week", "kpi", {"tv", "search", "tv", "search"}, {});
                },
                &msg),
            ErrorCode::kBadInput);
  EXPECT_NE(msg.find("fewer channels"), std::string::npos) << msg;
  EXPECT_EQ(CodeOf([&] { LoadMmmCsv(ok, "week", "kpi", {"radio"}, {}); }, &msg), ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("columns: week, kpi"), std::string::npos) << msg;
  auto dup = WriteCsv(dir, [](auto& rows) { rows[1] = rows[0]; });
  EXPECT_EQ(CodeOf([&] { LoadMmmCsv(dup, "week", "kpi", {"tv"}, {}); }, &msg), ErrorCode::kBadInput);
  EXPECT_NE(msg.find("duplicate date"), std::string::npos) << msg;
  auto garbage = WriteCsv(dir, [](auto& rows) { rows[1] = "2020-01-13,100,abc,0,1"; });
  EXPECT_EQ(CodeOf([&] { LoadMmmCsv(garbage, "week", "kpi", {"tv"}, {}); }, &msg), ErrorCode::kBadInput);
  EXPECT_NE(msg.find(":3: tv: 'abc'"), std::string::npos) << msg;
}

TEST(MmmConfig, PerChannelTablesAndUnknownKeys) {
  adpilot::testing::TempDir dir;
  std::string path = dir.File("mmm.toml");
  std::ofstream(path)
      << "max_lag = 6\n[channel.tv]\nadstock = \"weibull_pdf\"\nsaturation = \"logistic\"\nmax_lag = 10\n";
  MmmOptions o;
  OptionSet set;
  o.Describe(set);
  set.LoadTomlFile(path);
  ResolveChannels(path, {"tv", "search"}, o);
  EXPECT_EQ(o.channel_specs[0].adstock, "weibull_pdf");
  EXPECT_EQ(o.channel_specs[0].max_lag, 10);
  EXPECT_EQ(o.channel_specs[1].adstock, "geometric");
  EXPECT_EQ(o.channel_specs[1].max_lag, 6);
  std::string msg;
  std::ofstream(path, std::ios::trunc) << "[channel.tv]\ndecay = 0.5\n";
  EXPECT_EQ(CodeOf([&] { ResolveChannels(path, {"tv"}, o); }, &msg), ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("'channel.tv.decay'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  std::ofstream(path, std::ios::trunc) << "[channel.radio]\nadstock = \"geometric\"\n";
  EXPECT_EQ(CodeOf([&] { ResolveChannels(path, {"tv"}, o); }, &msg), ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("channel.radio"), std::string::npos) << msg;
  std::ofstream(path, std::ios::trunc) << "chain = 4\n";
  OptionSet set2;
  MmmOptions o2;
  o2.Describe(set2);
  EXPECT_EQ(CodeOf([&] { set2.LoadTomlFile(path); }, &msg), ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("'chain'"), std::string::npos) << msg;
  std::ofstream(path, std::ios::trunc) << "[channel.tv]\nsaturation = \"tanh\"\n";
  EXPECT_EQ(CodeOf([&] { ResolveChannels(path, {"tv"}, o); }, &msg), ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("saturation"), std::string::npos) << msg;
}

}  // namespace
}  // namespace adpilot::mmm
