// Readers on the real public samples in ../shared/data (skipped when absent):
// row counts and label rates as documented in its README.
#include <cmath>

#include <gtest/gtest.h>

#include "adpilot/context.h"
#include "adpilot/data_stats.h"
#include "adpilot/reader.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

DataStats Stats(const std::string& path, const std::string& format) {
  ReaderOptions o;
  o.format = format;
  o.on_error = OnError::kFail;  // the real files have no bad rows
  return ComputeStats(path, o, Context::Default());
}

TEST(RealData, CriteoWideResDnn) {
  ADPILOT_REQUIRE_SHARED_DATA("criteo/wide_resdnn/train.csv.gz");
  DataStats s = Stats(shared_path, "criteo");
  EXPECT_EQ(s.rows, 7200u);
  EXPECT_EQ(s.bad_rows, 0u);
  EXPECT_NEAR(s.label_rate(), 0.215, 0.0005);
  std::string dir = shared_path.substr(0, shared_path.rfind('/'));
  EXPECT_EQ(Stats(dir + "/dev.csv.gz", "criteo").rows, 409u);
  EXPECT_NEAR(Stats(dir + "/dev.csv.gz", "criteo").label_rate(), 0.227, 0.0005);
  EXPECT_EQ(Stats(dir + "/test.csv.gz", "criteo").rows, 391u);
}

TEST(RealData, AvazuHeaderAndHeaderless) {
  ADPILOT_REQUIRE_SHARED_DATA("avazu/wide_resdnn/train.csv.gz");
  DataStats s = Stats(shared_path, "avazu");
  EXPECT_EQ(s.rows, 8087u);
  EXPECT_NEAR(s.label_rate(), 0.173, 0.0005);
  std::string dir = shared_path.substr(0, shared_path.rfind('/'));
  DataStats dev = Stats(dir + "/dev.csv.gz", "avazu");
  EXPECT_EQ(dev.rows, 480u);
  EXPECT_NEAR(dev.label_rate(), 0.179, 0.0005);
  DataStats test = Stats(dir + "/test.csv.gz", "avazu");
  EXPECT_EQ(test.rows, 432u);
  EXPECT_NEAR(test.label_rate(), 0.185, 0.0005);
  // Every row is from hour 14102100: one hour-of-day value, one weekday.
  EXPECT_EQ(s.fields[0].name, "hour_of_day");
  EXPECT_EQ(s.fields[0].distinct, 1u);
}

TEST(RealData, IpinyouDrsa2259) {
  ADPILOT_REQUIRE_SHARED_DATA("ipinyou/drsa_2259/train.log.txt.gz");
  ReaderOptions o;
  o.format = "ipinyou";
  o.on_error = OnError::kFail;
  auto r = OpenReader(shared_path, o);
  RawRecord rec;
  uint64_t rows = 0, clicks = 0;
  double bid = 0, pay = 0;
  bool pay_le_bid = true;
  while (r->Next(rec)) {
    ++rows;
    clicks += rec.label > 0;
    bid += rec.bid_price;
    pay += rec.market_price;
    pay_le_bid = pay_le_bid && rec.market_price <= rec.bid_price;
  }
  EXPECT_EQ(rows, 8355u);
  EXPECT_EQ(clicks, 5u);
  EXPECT_NEAR(bid / rows, 288, 1);
  EXPECT_NEAR(pay / rows, 93, 1);
  EXPECT_TRUE(pay_le_bid);
  std::string dir = shared_path.substr(0, shared_path.rfind('/'));
  DataStats test = Stats(dir + "/test.log.txt.gz", "ipinyou");
  EXPECT_EQ(test.rows, 4171u);
  EXPECT_EQ(test.label_sum, 0);
}

TEST(RealData, DeepCtrCriteoSampleIsNotCriteoTsv) {
  // Comma-separated with a header: every row is a bad criteo row, counted, never a crash.
  ADPILOT_REQUIRE_SHARED_DATA("criteo/deepctr/criteo_sample.txt");
  ReaderOptions o;
  DataStats s = ComputeStats(shared_path, o, Context::Default());
  EXPECT_EQ(s.rows, 0u);
  EXPECT_EQ(s.bad_rows, 201u);
}

}  // namespace
}  // namespace adpilot
