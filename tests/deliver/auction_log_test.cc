// The rlb format (both layouts), its bad-input errors and the train-info parsers.
#include <fstream>

#include "adpilot/auction_log.h"
#include "adpilot/error.h"
#include "adpilot/reader.h"
#include "auction_log_error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using testing::TempDir;

std::string Write(const TempDir& d, const std::string& name, const std::string& text) {
  std::string p = d.File(name);
  std::ofstream(p) << text;
  return p;
}

// The error message of loading `text` as an rlb log (empty when it loads).
std::string LoadError(const std::string& text) {
  TempDir d;
  return testing::AuctionLogError(d.File("bad.txt"), text);
}

TEST(AuctionLog, FlatLayoutSpacesOrTabs) {
  TempDir d;
  auto log = LoadAuctionLog(Write(d, "a.theta.txt", "0 70 0.002\n1 6 0.5\n0\t12\t0.01\n"));
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.clicks(), 1u);
  EXPECT_FLOAT_EQ(log.price[1], 6);
  EXPECT_FLOAT_EQ(log.pctr[2], 0.01f);
  EXPECT_TRUE(log.episode_start.empty());
  EXPECT_DOUBLE_EQ(log.total_cost(), 88);
}

TEST(AuctionLog, EpisodeLayout) {
  TempDir d;
  auto log = LoadAuctionLog(Write(d, "v.txt", "999\t2\n1\n0\t5\t0.1\n1\t7\t0.2\n2\n0\t3\t0.3\n0\t4\t0.4\n"));
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log.header_episode_len, 2);
  EXPECT_EQ(log.episode_start, (std::vector<size_t>{0, 2, 4}));
  auto tail = log.Slice(2, 4);
  EXPECT_EQ(tail.episode_start, (std::vector<size_t>{0, 2}));
  EXPECT_FLOAT_EQ(tail.price[0], 3);
}

TEST(AuctionLog, RecordReaderYieldsClickPricePctr) {
  TempDir d;
  ReaderOptions o;
  o.format = "rlb";
  auto r = OpenReader(Write(d, "v.txt", "9\t1\n1\n1\t5\t0.25\n2\n0\t8\t0.5\n"), o);
  RawRecord rec;
  ASSERT_TRUE(r->Next(rec));
  EXPECT_EQ(rec.label, 1);
  EXPECT_EQ(rec.market_price, 5);
  EXPECT_EQ(rec.pctr, 0.25);
  EXPECT_EQ(rec.line, 3u);
  ASSERT_TRUE(r->Next(rec));
  EXPECT_EQ(rec.timestamp, 2);  // episode index
  EXPECT_FALSE(r->Next(rec));
}

TEST(AuctionLog, BadInputNamesFileAndLine) {
  EXPECT_NE(LoadError("0 5 0.1\n0 -3 0.1\n").find("bad.txt:2: market_price: negative"), std::string::npos);
  EXPECT_NE(LoadError("0 5 1.5\n").find(":1: pctr"), std::string::npos);
  EXPECT_NE(LoadError("0 5 nan\n").find(":1: pctr"), std::string::npos);
  EXPECT_NE(LoadError("2 5 0.1\n").find(":1: click"), std::string::npos);
  EXPECT_NE(LoadError("0 5 0.1\n0 5\n").find(":2: line: expected"), std::string::npos);
  EXPECT_NE(LoadError("").find("empty auction log"), std::string::npos);
  EXPECT_NE(LoadError("\n\n").find("empty auction log"), std::string::npos);
  // Episode header T=3 but the first episode has 2 auctions.
  EXPECT_NE(LoadError("9\t3\n1\n0\t5\t0.1\n0\t5\t0.1\n2\n0\t5\t0.1\n").find(":2: episode 1: header says T=3"),
            std::string::npos);
  // Too many auctions in an episode, and a short last episode.
  EXPECT_NE(LoadError("9\t1\n1\n0\t5\t0.1\n0\t5\t0.1\n").find("more than the header's T=1"), std::string::npos);
  EXPECT_NE(LoadError("9\t2\n1\n0\t5\t0.1\n").find("header says T=2"), std::string::npos);
  EXPECT_NE(LoadError("9\t1\n1\n0\t5\t0.1\n3\n0\t5\t0.1\n").find("index 3 follows 1"), std::string::npos);
  EXPECT_NE(LoadError("9\t1\n").find("no episodes"), std::string::npos);
  EXPECT_NE(LoadError("0 5 0.1\n7\n").find("without an 'N<TAB>T' header"), std::string::npos);
}

TEST(AuctionLog, TrainInfoTxt) {
  TempDir d;
  auto s = LoadTrainInfo(Write(d, "c.train-info.txt", "CPC:\t100.5\nCPM:\t60000\navg ctr:\t0.001\ncounter:\t0_2_3_\n"));
  EXPECT_DOUBLE_EQ(s.cpc, 100.5);
  EXPECT_DOUBLE_EQ(s.cpm, 60000);
  EXPECT_DOUBLE_EQ(s.mean_price(), 60);
  EXPECT_DOUBLE_EQ(s.avg_ctr, 0.001);
  EXPECT_EQ(s.price_counts, (std::vector<double>{0, 2, 3}));
  try {
    LoadTrainInfo(Write(d, "x.train-info.txt", "CPC:\t1\nCPM:\t2\n"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no 'avg ctr'"), std::string::npos);
  }
  EXPECT_THROW(LoadTrainInfo(d.File("missing.txt")), Error);
}

TEST(AuctionLog, InfoJson) {
  TempDir d;
  auto s = LoadTrainInfo(Write(d, "info.json",
                               R"({"imp_train": 1000, "clk_train": 2, "cost_train": 50000,
                                   "price_counter_train": [1, 0, 4]})"));
  EXPECT_DOUBLE_EQ(s.avg_ctr, 0.002);
  EXPECT_DOUBLE_EQ(s.cpm, 50000);
  EXPECT_DOUBLE_EQ(s.cpc, 25000);
  EXPECT_EQ(s.price_counts.size(), 3u);
}

TEST(AuctionLogRealData, Campaign2997BothLayouts) {
  ADPILOT_REQUIRE_SHARED_DATA("ipinyou/rlb_dp");
  auto test = LoadAuctionLog(shared_path + "/ipinyou-data/2997.test.theta.txt.gz");
  EXPECT_EQ(test.size(), 156063u);
  EXPECT_EQ(test.clicks(), 530u);
  auto val = LoadAuctionLog(shared_path + "/1000/2997.validation.txt.gz");
  EXPECT_EQ(val.size(), 100000u);
  EXPECT_EQ(val.episode_start.size(), 101u);
  EXPECT_EQ(val.header_episode_len, 1000);
  EXPECT_EQ(val.clicks(), 678u);
  auto info = LoadTrainInfo(shared_path + "/1000/2997.train-info.txt");
  EXPECT_NEAR(info.cpm, 63017.73, 0.01);
  auto js = LoadTrainInfo(shared_path + "/ipinyou-data/2997.info.json");
  EXPECT_EQ(js.price_counts[6], info.price_counts[6]);
}

}  // namespace
}  // namespace adpilot
