// The server's bound on bids awaiting a notice: past max_pending_reservations
// it answers no bid (reason reservations_full) without touching the budget,
// a notice frees its bid's slot once the sweep passes, and a notice naming a
// bid this replica never made (another prefix, a malformed or padded number)
// is a 404 that settles nothing.
#include <cmath>
#include <set>
#include <thread>

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
  Server server(cfg, ctx, testing::TestScorerFactory());
  std::vector<std::string> ids;
  int64_t reserved_micros = 0;
  for (int i = 0; i < 32; ++i) {
    HttpReply r = server.Handle("POST", "/openrtb2/bid", Banner(i), "");
    ASSERT_EQ(r.status, 200) << r.body;
    auto bid = nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0];
    ids.push_back(bid["id"]);
    reserved_micros += int64_t(std::ceil(bid["price"].get<double>() * 1000.0 - 1e-9));
  }
  HttpReply full = server.Handle("POST", "/openrtb2/bid", Banner(99), "");
  EXPECT_EQ(full.status, 204);
  int32_t day = UtcDay(std::time(nullptr));
  EXPECT_EQ(server.ledger().State("camp1", day).reserved, reserved_micros);  // the refused bid reserved nothing

  // Not ours or not a bid id: 404, nothing settled.
  for (std::string bad : {"rB-0", "rA-", "rA-x", "rA-01", "rA-1x", "rA--1", "rA-99999999999999999999999", "rA"})
    EXPECT_EQ(server.Handle("GET", "/v1/loss?bid=" + bad, "", "").status, 404) << bad;
  // The ids handed out are distinct and each settles exactly once.
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_EQ(server.Handle("GET", "/v1/win?bid=" + ids[0] + "&price=0.5", "", "").status, 200);
  EXPECT_EQ(server.Handle("GET", "/v1/win?bid=" + ids[0] + "&price=0.5", "", "").status, 404);
  EXPECT_EQ(server.Handle("GET", "/v1/loss?bid=" + ids[1], "", "").status, 200);
  auto m = server.Handle("GET", "/metrics", "", "").body;
  EXPECT_EQ(Metric(m, "adpilot_nobids_total{reason=\"reservations_full\"}"), 1);
  EXPECT_EQ(Metric(m, "adpilot_bids_total"), 32);
  EXPECT_EQ(nlohmann::json::parse(server.Handle("GET", "/healthz", "", "").body)["reservations"].get<int>(), 30);
  // The sweep (every 200 ms) retires the two answered bids at the front of
  // their stripes; then two more bids fit, and no more.
  int bids = 0;
  for (int attempt = 0; attempt < 50 && bids < 2; ++attempt) {
    if (server.Handle("POST", "/openrtb2/bid", Banner(100 + attempt), "").status == 200) ++bids;
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(bids, 2);
  EXPECT_EQ(server.Handle("POST", "/openrtb2/bid", Banner(200), "").status, 204);
}

}  // namespace
}  // namespace adpilot
