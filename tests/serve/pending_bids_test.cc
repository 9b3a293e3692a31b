// The server's bound on bids awaiting a notice: past max_pending_reservations
// it answers no bid (reason reservations_full) without touching the budget,
// a slot is freed once its notices have expired, and an unsigned notice
// (whatever id it names) is refused and settles nothing.
#include <cmath>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve_test_util.h"

namespace adpilot {
namespace {

std::string Banner(int n) {
  return fmt::format(R"({{"id":"pb-{}","imp":[{{"id":"1","bidfloor":0.001,"banner":{{"w":300,"h":250}}}}],)"
                     R"("site":{{"domain":"a.example"}}}})",
                     n);
}

double Metric(const std::string& text, const std::string& series) {
  auto pos = text.find("\n" + series + " ");
  return pos == std::string::npos ? -1 : std::stod(text.substr(pos + series.size() + 2));
}

TEST(ServePendingBids, FullTableMeansNoBidAndForeignIdsSettleNothing) {
  Context ctx;
  auto cfg = testing::TestConfig(1e6);
  cfg.server.max_pending_reservations = 32;  // 2 slots in each of the 16 stripes
  cfg.server.replica_id = "rA";
  cfg.server.reservation_ttl_s = 10;
  cfg.server.notice_ttl_s = 60;
  auto clock = std::make_shared<ManualClock>();
  ctx.clock = clock;
  Server server(cfg, ctx, testing::TestScorerFactory());
  std::vector<nlohmann::json> bids;
  std::vector<std::string> ids;
  int64_t reserved_micros = 0;
  for (int i = 0; i < 32; ++i) {
    HttpReply r = server.Handle("POST", "/openrtb2/bid", Banner(i), "");
    ASSERT_EQ(r.status, 200) << r.body;
    auto bid = nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0];
    bids.push_back(bid);
    ids.push_back(bid["id"]);
    reserved_micros += int64_t(std::ceil(bid["price"].get<double>() * 1000.0 - 1e-9));
  }
  HttpReply full = server.Handle("POST", "/openrtb2/bid", Banner(99), "");
  EXPECT_EQ(full.status, 204);
  int32_t day = UtcDay(clock->UnixSeconds());
  EXPECT_EQ(server.ledger().State("camp1", day).reserved, reserved_micros);  // the refused bid reserved nothing

  // Unsigned notices (any id, ours or not) are refused and settle nothing.
  for (std::string bad : {ids[2], std::string("rB-0"), std::string("rA-"), std::string("rA-01")})
    EXPECT_EQ(server.Handle("GET", "/v1/loss?bid=" + bad, "", "").status, 403) << bad;
  EXPECT_EQ(server.ledger().State("camp1", day).reserved, reserved_micros);
  // The ids handed out are distinct and each settles exactly once.
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_EQ(server.Handle("GET", testing::NoticePath(bids[0], "nurl", "0.5"), "", "").status, 200);
  EXPECT_EQ(server.Handle("GET", testing::NoticePath(bids[0], "nurl", "0.5"), "", "").status, 404);
  EXPECT_EQ(server.Handle("GET", testing::NoticePath(bids[1], "lurl"), "", "").status, 200);
  auto m = server.Handle("GET", "/metrics", "", "").body;
  EXPECT_EQ(Metric(m, "adpilot_nobids_total{reason=\"reservations_full\"}"), 1);
  EXPECT_EQ(Metric(m, "adpilot_bids_total"), 32);
  EXPECT_EQ(Metric(m, "adpilot_notices_rejected_total{reason=\"unsigned\"}"), 4);
  EXPECT_EQ(Metric(m, "adpilot_duplicate_wins_total"), 1);
  EXPECT_EQ(nlohmann::json::parse(server.Handle("GET", "/healthz", "", "").body)["reservations"].get<int>(), 30);
  // An answered bid keeps its slot until its notices expire (so a late or
  // repeated win is still recognised): no room before then, even once the
  // unanswered reservations have passed their TTL and been released.
  clock->Advance(11000);
  server.Sweep();
  EXPECT_EQ(server.ledger().State("camp1", day).reserved, 0);
  EXPECT_EQ(server.Handle("POST", "/openrtb2/bid", Banner(100), "").status, 204);
  clock->Advance(51000);
  server.Sweep();
  int again = 0;
  for (int i = 0; i < 40; ++i) again += server.Handle("POST", "/openrtb2/bid", Banner(200 + i), "").status == 200;
  EXPECT_EQ(again, 32);
}

}  // namespace
}  // namespace adpilot
