// A whole UTC day of even pacing in well under a second of real time: the
// server reads the time only through ctx.clock, so a ManualClock moved a
// minute per step stands in for the day. Demand is about twice the budget,
// so without pacing the money would be gone by midday.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve_test_util.h"

namespace adpilot {
namespace {

constexpr int64_t kMidnightMs = 1'700'006'400'000;  // 2023-11-15T00:00:00Z
constexpr int kRequestsPerMinute = 5;

std::string Banner(int n) {
  // The domain varies the test scorer's pCTR, and so the bid, per request.
  return fmt::format(R"({{"id":"p-{}","imp":[{{"id":"1","bidfloor":0.001,"banner":{{"w":300,"h":250}}}}],)"
                     R"("site":{{"domain":"s{}.example"}}}})",
                     n, n % 97);
}

TEST(ServePacing, AManualClockDrivesADayOfEvenPacingWithinBudget) {
  auto clock = std::make_shared<ManualClock>(kMidnightMs);
  Context ctx;
  ctx.clock = clock;
  ServeConfig cfg = testing::TestConfig(5.0);
  cfg.campaigns[0].pacing = "even";
  cfg.campaigns[0].pacing_slack = 0.02;
  Server server(cfg, ctx, testing::TestScorerFactory());
  const int32_t day = UtcDay(kMidnightMs / 1000);
  const int64_t budget = server.ledger().State("camp1", day).budget;
  ASSERT_EQ(budget, 5'000'000);

  std::vector<int64_t> spent_by_hour(24, 0);
  int bids = 0, n = 0;
  for (int minute = 0; minute < 24 * 60; ++minute) {
    for (int r = 0; r < kRequestsPerMinute; ++r) {
      HttpReply reply = server.Handle("POST", "/openrtb2/bid", Banner(n++), "");
      if (reply.status == 204) continue;
      ASSERT_EQ(reply.status, 200) << reply.body;
      auto bid = nlohmann::json::parse(reply.body)["seatbid"][0]["bid"][0];
      ++bids;
      // Every bid wins at its own price (the worst case for the budget).
      std::string price = fmt::format("{}", bid["price"].get<double>());
      ASSERT_EQ(server.Handle("GET", testing::NoticePath(bid, "nurl", price), "", "").status, 200);
    }
    const BudgetState s = server.ledger().State("camp1", day);
    ASSERT_EQ(s.reserved, 0);
    // Spend never leads the day's clock by more than the slack and one bid
    // (the check is made before the bid that crosses it).
    const double elapsed = double(minute) / (24 * 60);
    ASSERT_LE(double(s.spent), (elapsed + 0.02) * double(budget) + 5000) << "minute " << minute;
    spent_by_hour[minute / 60] = s.spent;
    clock->Advance(60'000);
  }
  const int64_t total = spent_by_hour.back();
  EXPECT_LE(total, budget);
  EXPECT_GE(total, budget * 95 / 100) << "pacing left money unspent";
  // Spread over the day: every hour buys some of it, none much more than its share.
  int64_t before = 0;
  for (int h = 0; h < 24; ++h) {
    const int64_t in_hour = spent_by_hour[h] - before;
    EXPECT_GT(in_hour, 0) << "hour " << h;
    EXPECT_LE(in_hour, budget / 24 + budget * 2 / 100 + 5000) << "hour " << h;
    before = spent_by_hour[h];
  }
  EXPECT_LT(bids, kRequestsPerMinute * 24 * 60) << "demand never exceeded the pacing";

  // The next UTC day is a fresh budget on the same clock.
  BudgetState next = server.ledger().State("camp1", day + 1);
  EXPECT_EQ(next.spent, 0);
  EXPECT_EQ(next.budget, budget);
}

}  // namespace
}  // namespace adpilot
