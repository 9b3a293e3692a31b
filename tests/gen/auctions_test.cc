#include <cmath>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "adpilot/metrics.h"
#include "adpilot/reader.h"
#include "common/test_util.h"
#include "world_fixture.h"

namespace adpilot {
namespace {

using testing::SmallWorld;

TEST(GenAuctions, CriteoReaderReadsEveryRow) {
  const auto& w = SmallWorld::Get();
  ReaderOptions ro;
  ro.format = "criteo";
  ro.on_error = OnError::kFail;
  auto reader = OpenReader(w.File("auctions.tsv"), ro);
  RawRecord rec;
  int64_t rows = 0, clicks = 0, missing_c26 = 0;
  while (reader->Next(rec)) {
    ++rows;
    clicks += rec.label > 0;
    ASSERT_EQ(rec.features.size(), 39u);
    missing_c26 += rec.features[38].missing;
  }
  EXPECT_EQ(reader->bad_rows().count(), 0u);
  EXPECT_EQ(rows, w.cfg.auctions);
  EXPECT_EQ(clicks, w.truth["auctions"]["clicks"].get<int64_t>());
  // C26 is documented as 35% missing.
  EXPECT_NEAR(double(missing_c26) / rows, 0.35, 0.01);
}

// Reads auctions.rlb and auctions.meta.tsv side by side.
struct Stream {
  std::vector<float> click, pctr, price;
  std::vector<std::string> ad_topic, device;
  std::vector<int> conversion;
  std::vector<int64_t> ts;
};

Stream ReadStream(const SmallWorld& w) {
  Stream s;
  std::ifstream rlb(w.File("auctions.rlb")), meta(w.File("auctions.meta.tsv"));
  std::string a, b;
  while (std::getline(rlb, a)) {
    EXPECT_TRUE(std::getline(meta, b));
    auto r = testing::SplitRow(a, ' ');
    auto m = testing::SplitRow(b, '\t');
    EXPECT_EQ(r.size(), 3u) << a;
    EXPECT_EQ(m.size(), 9u) << b;
    s.click.push_back(std::stof(r[0]));
    s.price.push_back(std::stof(r[1]));
    s.pctr.push_back(std::stof(r[2]));
    s.ts.push_back(std::stoll(m[0]));
    s.ad_topic.push_back(m[3]);
    s.device.push_back(m[4]);
    s.conversion.push_back(std::stoi(m[5]));
    if (s.conversion.back()) {
      EXPECT_EQ(s.click.back(), 1) << "a conversion without a click";
      EXPECT_GT(std::stoll(m[6]), s.ts.back());
      EXPECT_GT(std::stod(m[7]), 0);
    }
  }
  EXPECT_FALSE(std::getline(meta, b)) << "meta has more lines than rlb";
  return s;
}

TEST(GenAuctions, StreamIsOrderedPricedAndMatchesTruth) {
  const auto& w = SmallWorld::Get();
  Stream s = ReadStream(w);
  ASSERT_EQ(int64_t(s.click.size()), w.cfg.auctions);
  for (size_t i = 1; i < s.ts.size(); ++i) ASSERT_LE(s.ts[i - 1], s.ts[i]) << "line " << i + 1;
  EXPECT_GE(s.ts.front(), 1704067200);
  EXPECT_LT(s.ts.back(), 1704067200 + int64_t(w.cfg.days) * 86400);
  double sp = 0, price = 0;
  for (size_t i = 0; i < s.pctr.size(); ++i) {
    ASSERT_GT(s.pctr[i], 0);
    ASSERT_LT(s.pctr[i], 1);
    ASSERT_GE(s.price[i], 1);
    ASSERT_LE(s.price[i], w.cfg.max_price);
    sp += s.pctr[i];
    price += s.price[i];
  }
  const auto& t = w.truth["auctions"];
  double n = double(s.pctr.size());
  EXPECT_NEAR(sp / n, t["mean_true_pctr"].get<double>(), 1e-6);
  EXPECT_NEAR(price / n, t["mean_market_price"].get<double>(), 1e-6);
  // The intercept is calibrated to the target CTR on a pilot sample.
  EXPECT_NEAR(sp / n, w.cfg.ctr, 0.1 * w.cfg.ctr);
  // The streaming (binned) AUC of the truth agrees with the exact AUC of the file.
  double exact = Auc(s.pctr, s.click);
  EXPECT_NEAR(t["true_auc"].get<double>(), exact, 2e-3);
  EXPECT_GT(exact, 0.70) << "the true model should separate clicks well";
}

TEST(GenAuctions, EmpiricalCtrPerSegmentWithinConfidenceOfTruth) {
  const auto& w = SmallWorld::Get();
  Stream s = ReadStream(w);
  struct Acc {
    double n = 0, clicks = 0, sp = 0, var = 0;
  };
  std::map<std::string, Acc> by_topic, by_device;
  for (size_t i = 0; i < s.click.size(); ++i) {
    for (auto* m : {&by_topic, &by_device}) {
      Acc& a = (*m)[m == &by_topic ? s.ad_topic[i] : s.device[i]];
      a.n += 1, a.clicks += s.click[i], a.sp += s.pctr[i], a.var += s.pctr[i] * (1 - s.pctr[i]);
    }
  }
  const auto& seg = w.truth["auctions"]["segments"];
  int checked = 0;
  for (auto [name, m] : {std::pair{"ad_topic", &by_topic}, std::pair{"device", &by_device}}) {
    for (const auto& [value, a] : *m) {
      // Clicks are Bernoulli(true pCTR): the count is within 4.5 sd of its expectation.
      EXPECT_LE(std::fabs(a.clicks - a.sp), 4.5 * std::sqrt(a.var) + 1) << name << "=" << value;
      const auto& tj = seg[name][value];
      EXPECT_EQ(tj["auctions"].get<double>(), a.n) << name << "=" << value;
      EXPECT_EQ(tj["clicks"].get<double>(), a.clicks) << name << "=" << value;
      EXPECT_NEAR(tj["mean_true_pctr"].get<double>(), a.sp / a.n, 1e-6);
      ++checked;
    }
  }
  EXPECT_EQ(checked, w.cfg.topics + 4);
  // Segments differ: the world is not one flat rate.
  double lo = 1, hi = 0;
  for (const auto& [v, a] : by_topic) lo = std::min(lo, a.sp / a.n), hi = std::max(hi, a.sp / a.n);
  EXPECT_GT(hi / lo, 1.2);
}

TEST(GenAuctions, HourlyTrafficAndTokensFollowTheModel) {
  const auto& w = SmallWorld::Get();
  const auto& hours = w.truth["auctions"]["segments"]["hour"];
  // Traffic peaks in the evening (20h) and is lowest in the morning (8h).
  EXPECT_GT(hours["20"]["auctions"].get<double>(), 2.5 * hours["8"]["auctions"].get<double>());
  // Every device token of the TSV decodes through truth.json.
  const auto& tokens = w.truth["auctions"]["tokens"]["C4"];
  EXPECT_EQ(tokens.size(), 4u);
  std::ifstream in(w.File("auctions.tsv"));
  std::string line;
  for (int i = 0; i < 1000 && std::getline(in, line); ++i) {
    auto cols = testing::SplitRow(line, '\t');
    ASSERT_EQ(cols.size(), 40u);
    ASSERT_TRUE(tokens.contains(cols[14 + 3])) << cols[17];
  }
}

}  // namespace
}  // namespace adpilot
