// Money safety of the bidder (docs/security.md): notices are signed and act
// once, late wins are charged, prices are range checked, one request cannot
// tie up a campaign's budget, tmax is honoured, and the admin and metrics
// endpoints need their tokens. Each test failed on the code before signing.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve_test_util.h"

namespace adpilot {
namespace {

std::string Banner(int n, int imps = 1, int tmax = 0) {
  std::string list;
  for (int i = 0; i < imps; ++i)
    list += fmt::format(R"({}{{"id":"{}","bidfloor":0.001,"banner":{{"w":300,"h":250}}}})", i ? "," : "", i + 1);
  return fmt::format(R"({{"id":"m-{}",{}"imp":[{}],"site":{{"domain":"a.example"}}}})", n,
                     tmax ? fmt::format(R"("tmax":{},)", tmax) : std::string(), list);
}

double Metric(const std::string& text, const std::string& series) {
  auto pos = text.find("\n" + series + " ");
  return pos == std::string::npos ? -1 : std::stod(text.substr(pos + series.size() + 2));
}

class Money : public ::testing::Test {
 protected:
  Money() { ctx_.clock = clock_; }
  void Start(ServeConfig cfg, ScorerFactory f = testing::TestScorerFactory()) {
    server_ = std::make_unique<Server>(std::move(cfg), ctx_, std::move(f));
  }
  nlohmann::json Bid(int n) {
    HttpReply r = server_->Handle("POST", "/openrtb2/bid", Banner(n), "");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0] : nlohmann::json();
  }
  int Get(const std::string& path) { return server_->Handle("GET", path, "", "").status; }
  BudgetState State() { return server_->ledger().State("camp1", UtcDay(clock_->UnixSeconds())); }
  static int64_t Micros(const nlohmann::json& bid) {
    return int64_t(std::ceil(bid["price"].get<double>() * 1000.0 - 1e-9));
  }
  std::string Metrics() { return server_->Handle("GET", "/metrics", "", "").body; }

  Context ctx_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  std::unique_ptr<Server> server_;
};

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto p = s.find(from);
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

TEST_F(Money, ForgedNoticesAreRefusedAndChargeNothing) {
  Start(testing::TestConfig());
  auto bid = Bid(1);
  const int64_t reserved = State().reserved;
  ASSERT_GT(reserved, 0);
  const std::string win = testing::NoticePath(bid, "nurl", "0");
  const std::string id = bid["id"];
  // The old, unsigned forms: a sequential id with price 0, a loss, a click.
  EXPECT_EQ(Get("/v1/win?bid=" + id + "&price=0"), 403);
  EXPECT_EQ(Get("/v1/loss?bid=" + id), 403);
  EXPECT_EQ(Get("/v1/click?bid=" + id), 403);
  // Signed fields altered: the id, the maximum, the expiry, the signature.
  EXPECT_EQ(Get(Replace(win, "&m=", "&m=9")), 403);
  EXPECT_EQ(Get(Replace(win, "&e=", "&e=9")), 403);
  std::string sig = win.substr(win.find("&s=") + 3, 32);
  std::string flipped = sig;
  flipped[0] = flipped[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Get(Replace(win, sig, flipped)), 403);
  EXPECT_EQ(Get(Replace(win, "&c=camp1", "&c=camp2")), 403);
  // A loss or click URL replayed on another endpoint.
  std::string loss = testing::NoticePath(bid, "lurl");
  EXPECT_EQ(Get(Replace(loss, "/v1/loss", "/v1/win")), 403);
  EXPECT_EQ(Get(Replace(testing::ClickPath(bid), "/v1/click", "/v1/win")), 403);
  EXPECT_EQ(Get(Replace(testing::ClickPath(bid), "/v1/click", "/v1/loss")), 403);
  EXPECT_EQ(State().reserved, reserved);
  EXPECT_EQ(State().spent, 0);
  EXPECT_EQ(Metric(Metrics(), "adpilot_notices_rejected_total{reason=\"bad_signature\"}"), 7);
  EXPECT_EQ(Metric(Metrics(), "adpilot_notices_rejected_total{reason=\"unsigned\"}"), 3);
  // The genuine notice still works, at its price.
  EXPECT_EQ(Get(testing::NoticePath(bid, "nurl", "0.02")), 200);
  EXPECT_EQ(State().spent, 20);
  EXPECT_EQ(State().reserved, 0);
}

TEST_F(Money, AWinAfterALossOrAfterTheTtlIsStillChargedOnce) {
  auto cfg = testing::TestConfig();
  cfg.server.reservation_ttl_s = 1;
  cfg.server.notice_ttl_s = 30;
  Start(cfg);
  // A loss first (forged by whoever saw the lurl, or the exchange's mistake),
  // then the real win: the win is billed, so it is charged.
  auto a = Bid(1);
  ASSERT_EQ(Get(testing::NoticePath(a, "lurl")), 200);
  EXPECT_EQ(State().reserved, 0);
  EXPECT_EQ(Get(testing::NoticePath(a, "nurl", "0.03")), 200);
  EXPECT_EQ(State().spent, 30);
  EXPECT_EQ(Get(testing::NoticePath(a, "nurl", "0.03")), 404);  // once
  // Notices 1.5 s late with a 1 s TTL: released by the sweep, then charged.
  std::vector<nlohmann::json> bids;
  for (int i = 0; i < 20; ++i) bids.push_back(Bid(10 + i));
  clock_->Advance(1500);
  server_->Sweep();
  EXPECT_EQ(State().reserved, 0);
  for (auto& b : bids) EXPECT_EQ(Get(testing::NoticePath(b, "nurl", "0.05")), 200);
  for (auto& b : bids) EXPECT_EQ(Get(testing::NoticePath(b, "nurl", "0.05")), 404);
  EXPECT_EQ(State().spent, 30 + 20 * 50);
  auto m = Metrics();
  EXPECT_EQ(Metric(m, "adpilot_late_wins_total"), 21);
  EXPECT_EQ(Metric(m, "adpilot_duplicate_wins_total"), 21);
  EXPECT_EQ(Metric(m, "adpilot_wins_total"), 21);
  // Past the notices' own expiry: refused (410), never charged.
  auto late = Bid(99);
  clock_->Advance(31000);
  server_->Sweep();
  EXPECT_EQ(Get(testing::NoticePath(late, "nurl", "0.05")), 410);
  EXPECT_EQ(State().spent, 30 + 20 * 50);
  EXPECT_EQ(Metric(Metrics(), "adpilot_notices_rejected_total{reason=\"expired\"}"), 1);
}

TEST_F(Money, APreviousRunsWinIsChargedOnceFromItsSignedFields) {
  auto cfg = testing::TestConfig();
  cfg.server.notice_secret = "0123456789abcdef-shared";
  auto ledger = MakeLocalLedger();
  BudgetLedger* shared = ledger.get();
  std::string nurl;
  int64_t micros = 0;
  {
    Server first(cfg, ctx_, testing::TestScorerFactory());
    HttpReply r = first.Handle("POST", "/openrtb2/bid", Banner(1), "");
    ASSERT_EQ(r.status, 200);
    auto bid = nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0];
    nurl = testing::NoticePath(bid, "nurl", "1e308");
    micros = Micros(bid);
  }
  // The restarted server (same secret and ledger) never saw this bid.
  Server second(cfg, ctx_, testing::TestScorerFactory(), std::move(ledger));
  EXPECT_EQ(second.Handle("GET", nurl, "", "").status, 200);
  EXPECT_EQ(second.Handle("GET", nurl, "", "").status, 404);
  EXPECT_EQ(shared->State("camp1", UtcDay(clock_->UnixSeconds())).spent, micros);  // 1e308: the bid, not 0
}

TEST_F(Money, APreviousRunsLossReplayedFreesNoMoney) {
  auto cfg = testing::TestConfig(0.01);  // 10,000 micros
  cfg.server.notice_secret = "0123456789abcdef-shared";
  std::string lurl;
  {
    Server first(cfg, ctx_, testing::TestScorerFactory());
    HttpReply r = first.Handle("POST", "/openrtb2/bid", Banner(1), "");
    ASSERT_EQ(r.status, 200);
    lurl = testing::NoticePath(nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0], "lurl");
  }
  Start(cfg);
  while (server_->Handle("POST", "/openrtb2/bid", Banner(2), "").status == 200) {}
  const BudgetState full = State();
  // A genuine loss URL of the previous run, replayed: it must not free the
  // money this run's bids hold (it used to subtract its amount every time).
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Get(lurl), 200);
  EXPECT_EQ(State().reserved, full.reserved);
  EXPECT_EQ(server_->Handle("POST", "/openrtb2/bid", Banner(3), "").status, 204);
}

TEST_F(Money, PricesAreRangeCheckedNeverBelowZeroOrAboveTheBid) {
  Start(testing::TestConfig());
  struct Case {
    std::string price;
    bool at_bid;
  };
  int64_t expect = 0;
  for (const Case& c :
       {Case{"1e308", true}, Case{"inf", true}, Case{"nan", true}, Case{"-1", true}, Case{"1e999", true},
        Case{"", true}, Case{"${AUCTION_PRICE}", true}, Case{"0x10", true}, Case{"0", false}, Case{"0.004", false}}) {
    auto bid = Bid(int(expect));
    std::string path = testing::NoticePath(bid, "nurl", c.price);
    ASSERT_EQ(Get(path), 200) << c.price;
    if (c.at_bid) expect += Micros(bid);
    else expect += int64_t(std::llround(std::stod(c.price) * 1000));
    EXPECT_EQ(State().spent, expect) << c.price;
  }
  EXPECT_EQ(State().reserved, 0);
}

TEST_F(Money, OneRequestCannotReserveTheDay) {
  auto cfg = testing::TestConfig(1.0);  // 1e6 micros
  cfg.server.max_imps = 1000;
  cfg.server.max_request_share = 0.1;
  Start(cfg);
  HttpReply r = server_->Handle("POST", "/openrtb2/bid", Banner(1, 1000), "");
  ASSERT_EQ(r.status, 200);
  auto bids = nlohmann::json::parse(r.body)["seatbid"][0]["bid"];
  int64_t one = Micros(bids[0]);
  EXPECT_LE(State().reserved, 100000 + one);
  EXPECT_GT(bids.size(), 1u);
  EXPECT_LT(bids.size(), 1000u);
  EXPECT_GT(Metric(Metrics(), "adpilot_nobids_total{reason=\"request_share\"}"), -1);
  // max_imps: the impressions past it are not considered, and counted.
  auto cfg2 = testing::TestConfig(1e6);
  cfg2.server.max_imps = 5;
  Start(cfg2);
  r = server_->Handle("POST", "/openrtb2/bid", Banner(2, 50), "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["seatbid"][0]["bid"].size(), 5u);
  EXPECT_EQ(Metric(Metrics(), "adpilot_imps_ignored_total"), 45);
}

// Scoring that takes 30 ms of the manual clock per call.
class SlowScorer : public testing::TestScorer {
 public:
  explicit SlowScorer(std::shared_ptr<ManualClock> c) : clock_(std::move(c)) {}
  double Predict(const RawRecord& rec) const override {
    clock_->Advance(30);
    return TestScorer::Predict(rec);
  }

 private:
  std::shared_ptr<ManualClock> clock_;
};

TEST_F(Money, NoBidWhenTmaxCannotBeMetAndNothingStaysReserved) {
  auto cfg = testing::TestConfig();
  cfg.server.tmax_margin_ms = 5;
  auto clock = clock_;
  Start(cfg, [clock](const std::string&) { return std::make_shared<SlowScorer>(clock); });
  // tmax 100: three impressions take 90 ms, inside 100 - 5.
  EXPECT_EQ(server_->Handle("POST", "/openrtb2/bid", Banner(1, 3, 100), "").status, 200);
  const int64_t before = State().reserved;
  // tmax 50: the third impression would start at 60 ms > 45: no bid at all,
  // and the two reservations made are given back.
  HttpReply r = server_->Handle("POST", "/openrtb2/bid", Banner(2, 3, 50), "");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(State().reserved, before);
  EXPECT_EQ(Metric(Metrics(), "adpilot_nobids_total{reason=\"deadline\"}"), 1);
  // No tmax: no deadline.
  EXPECT_EQ(server_->Handle("POST", "/openrtb2/bid", Banner(3, 3), "").status, 200);
}

TEST_F(Money, OverspendFromLateWinsIsExportedAndRemainingNeverNegative) {
  auto cfg = testing::TestConfig(0.05);  // 50,000 micros
  cfg.server.reservation_ttl_s = 1;
  cfg.server.notice_ttl_s = 60;
  Start(cfg);
  std::vector<nlohmann::json> first, second;
  while (first.size() < 1000) {
    HttpReply r = server_->Handle("POST", "/openrtb2/bid", Banner(int(first.size())), "");
    if (r.status != 200) break;
    first.push_back(nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0]);
  }
  ASSERT_GT(first.size(), 3u);
  EXPECT_LE(State().reserved, 50000);
  clock_->Advance(1500);  // every reservation expires unanswered ...
  server_->Sweep();
  for (int i = 0; i < 1000; ++i) {
    HttpReply r = server_->Handle("POST", "/openrtb2/bid", Banner(5000 + i), "");
    if (r.status != 200) break;
    second.push_back(nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0]);
  }
  // ... and then all the wins arrive: billed by the exchange, so charged.
  int64_t billed = 0;
  for (auto* v : {&first, &second})
    for (auto& b : *v) {
      ASSERT_EQ(Get(testing::NoticePath(b, "nurl", "100")), 200);
      billed += Micros(b);
    }
  BudgetState s = State();
  EXPECT_EQ(s.spent, billed);
  EXPECT_GT(s.overspend(), 0);
  EXPECT_EQ(s.remaining(), 0);
  auto m = Metrics();
  EXPECT_NEAR(Metric(m, "adpilot_campaign_overspend{campaign=\"camp1\"}"), double(s.spent - 50000) / 1e6, 1e-9);
  EXPECT_EQ(Metric(m, "adpilot_campaign_budget_remaining{campaign=\"camp1\"}"), 0);
  EXPECT_EQ(server_->Handle("POST", "/openrtb2/bid", Banner(9999), "").status, 204);  // nothing left: no bid
}

TEST_F(Money, MetricsNeedATokenAndTokenGuessesAreLockedOut) {
  auto cfg = testing::TestConfig();
  cfg.server.metrics_token = "metrics-secret";
  Start(cfg);
  EXPECT_EQ(server_->Handle("GET", "/metrics", "", "").status, 401);
  EXPECT_EQ(server_->Handle("GET", "/metrics", "", "Bearer metrics-secret").status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(server_->Handle("POST", "/admin/reload", "", "Bearer guess").status, 401);
  // The fifth failure in a minute (the token-less scrape was the first)
  // locks both endpoints, right token or not.
  EXPECT_EQ(server_->Handle("GET", "/metrics", "", "Bearer nope").status, 401);
  EXPECT_EQ(server_->Handle("POST", "/admin/reload", "", "Bearer secret-token").status, 429);
  EXPECT_EQ(server_->Handle("GET", "/metrics", "", "Bearer metrics-secret").status, 429);
  clock_->Advance(61000);
  EXPECT_EQ(server_->Handle("POST", "/admin/reload", "", "Bearer secret-token").status, 200);
  // Without a metrics_token, /metrics is served only on a loopback bind.
  auto open = testing::TestConfig();
  open.server.host = "0.0.0.0";
  Start(open);
  EXPECT_EQ(server_->Handle("GET", "/metrics", "", "").status, 403);
}

TEST_F(Money, ConfigChecksBetweenOptions) {
  auto cfg = testing::TestConfig();
  cfg.server.notice_ttl_s = 10;
  cfg.server.reservation_ttl_s = 300;
  EXPECT_THROW(Start(cfg), Error);
  cfg = testing::TestConfig();
  cfg.server.notice_secret = "short";
  EXPECT_THROW(Start(cfg), Error);
}

}  // namespace
}  // namespace adpilot
