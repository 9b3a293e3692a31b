// Market prices are range-checked where they are read (issue 18): a price of
// 3e8 used to size a 2.4 GB histogram, 1e39 died in std::vector and 1e308
// was stored as +inf. Every reader that yields a price refuses them as bad
// rows naming file and line, and nothing allocates by an unchecked price.
#include <fstream>

#include "adpilot/auction_log.h"
#include "adpilot/bidding.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/reader.h"
#include "auction_log_error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using testing::TempDir;

std::string RlbError(const TempDir& d, const std::string& price) {
  return testing::AuctionLogError(d.File("p.rlb"), "0 5 0.1\n0 " + price + " 0.1\n");
}

TEST(PriceBounds, RlbRefusesHugeInfiniteAndNanPrices) {
  TempDir d;
  for (std::string price : {"3e8", "1e39", "1e308", "inf", "nan", "1e6000", "1000000.5"}) {
    SCOPED_TRACE(price);
    std::string err = RlbError(d, price);
    EXPECT_NE(err.find("p.rlb:2: market_price:"), std::string::npos) << err;
  }
  EXPECT_EQ(RlbError(d, "1000000"), "");  // the bound itself is a price
  EXPECT_EQ(RlbError(d, "0"), "");
}

TEST(PriceBounds, TheRlbReaderAlsoRefusesThem) {
  TempDir d;
  std::string p = d.File("p.rlb");
  std::ofstream(p) << "0 5 0.1\n1 3e8 0.1\n";
  ReaderOptions o;
  o.format = "rlb";
  auto r = OpenReader(p, o);
  RawRecord rec;
  ASSERT_TRUE(r->Next(rec));
  EXPECT_THROW(r->Next(rec), Error);
}

TEST(PriceBounds, IpinyouAndCsvPricesAboveTheBoundAreBadRows) {
  TempDir d;
  // iPinYou: payprice is column 24 (0-based 23) of a 27-column line.
  std::string cols[27];
  for (auto& c : cols) c = "1";
  cols[0] = "0";
  cols[4] = "20131022135101295";
  cols[23] = "3e8";
  std::string line;
  for (int i = 0; i < 27; ++i) line += (i ? "\t" : "") + cols[i];
  std::ofstream(d.File("a.log.txt")) << line << "\n";
  ReaderOptions o;
  o.format = "ipinyou";
  auto r = OpenReader(d.File("a.log.txt"), o);
  RawRecord rec;
  EXPECT_FALSE(r->Next(rec));
  ASSERT_EQ(r->bad_rows().count(), 1u);
  EXPECT_NE(r->bad_rows().examples()[0].find(":1: payprice:"), std::string::npos) << r->bad_rows().examples()[0];

  std::ofstream(d.File("s.toml")) << "label = \"click\"\nmarket_price = \"paid\"\ncategorical = [\"site\"]\n";
  std::ofstream(d.File("a.csv")) << "click,paid,site\n1,4,a\n0,1e39,b\n0,1e308,c\n";
  ReaderOptions c;
  c.format = "csv";
  c.schema_path = d.File("s.toml");
  auto rc = OpenReader(d.File("a.csv"), c);
  uint64_t rows = 0;
  while (rc->Next(rec)) ++rows;
  EXPECT_EQ(rows, 1u);
  EXPECT_EQ(rc->bad_rows().count(), 2u);
}

// A log built in code gets the same bound before a histogram is sized by it.
TEST(PriceBounds, StatsRefusesAnUnboundedPrice) {
  AuctionLog log;
  log.source = "built";
  log.Add(0, 5, 0.1f);
  log.Add(0, 3e8f, 0.1f);
  EXPECT_THROW(log.Stats(), Error);
  AuctionLog ok;
  ok.Add(0, float(kMaxMarketPrice), 0.1f);
  EXPECT_EQ(ok.Stats().price_counts.size(), size_t(kMaxMarketPrice) + 1);
}

// Fractional prices get a fine price step from their median; a tiny median
// under a maximum at the bound used to ask for about 1e12 histogram bins.
TEST(PriceBounds, FinePriceHistogramStaysBounded) {
  AuctionLog train;
  train.source = "train";
  for (int i = 0; i < 999; ++i) train.Add(i % 50 == 0, 1e-4f * float(1 + i % 7), 0.02f);
  train.Add(0, float(kMaxMarketPrice), 0.02f);
  BidderEnv env;
  env.stats = train.Stats();
  env.episode_auctions = 100;
  env.episode_budget = 1;
  env.max_bid = 1;
  Context ctx;
  auto b = BidderRegistry::Get().Create("strategy", "rlb", env);
  EXPECT_NO_THROW(b->Fit(train, ctx));
  // Tiny prices under the default max bid (300): the value function's table
  // has max_bid/step columns, 3e8 for a step of 1e-6; the step is coarsened.
  AuctionLog tiny;
  for (int i = 0; i < 1000; ++i) tiny.Add(i % 50 == 0, 1e-4f * float(1 + i % 7), 0.02f);
  env.stats = tiny.Stats();
  env.max_bid = 300;
  auto rlb = BidderRegistry::Get().Create("strategy", "rlb", env);
  rlb->Fit(tiny, ctx);
  rlb->BeginStream();
  rlb->BeginPeriod(1, 100);
  AuctionContext a;
  a.pctr = 0.05;
  a.remaining_budget = 1;
  a.remaining_auctions = 100;
  double bid = rlb->Bid(a);
  EXPECT_GE(bid, 0);
  EXPECT_LE(bid, 1);
  ASSERT_TRUE(rlb->Params().contains("price_step"));
  EXPECT_LE(300 / rlb->Params()["price_step"].get<double>(), double(1 << 20));
}

}  // namespace
}  // namespace adpilot
