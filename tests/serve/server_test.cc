// The server over real loopback HTTP: spec-valid answers to the IAB examples,
// notices, metrics, bad input and timeouts.
#include <filesystem>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/reader.h"
#include "common/test_util.h"
#include "serve_test_util.h"

namespace adpilot {
namespace {

using testing::HttpClient;
using testing::TempDir;

// Checks a 200 answer against the spec's required fields and our promises.
void ExpectValidResponse(const std::string& request, const std::string& response, const std::string& name) {
  auto req = nlohmann::json::parse(request);
  auto res = nlohmann::json::parse(response);
  EXPECT_EQ(res["id"], req["id"]) << name;
  ASSERT_TRUE(res["seatbid"].is_array() && !res["seatbid"].empty()) << name;
  std::string cur = res.value("cur", "USD");
  if (req.contains("cur")) {
    bool allowed = false;
    for (auto& c : req["cur"]) allowed = allowed || c == cur;
    EXPECT_TRUE(allowed) << name << ": currency " << cur;
  }
  for (auto& sb : res["seatbid"]) {
    ASSERT_TRUE(sb["bid"].is_array() && !sb["bid"].empty()) << name;
    for (auto& b : sb["bid"]) {
      ASSERT_TRUE(b["id"].is_string() && b["impid"].is_string() && b["price"].is_number()) << name;
      const nlohmann::json* imp = nullptr;
      for (auto& i : req["imp"])
        if (i["id"] == b["impid"]) imp = &i;
      ASSERT_NE(imp, nullptr) << name << ": impid " << b["impid"];
      EXPECT_GE(b["price"].get<double>(), imp->value("bidfloor", 0.0)) << name;
      EXPECT_TRUE(b.contains("adm") || b.contains("nurl")) << name;
      EXPECT_TRUE(b["crid"].is_string()) << name;
      EXPECT_TRUE(b["adomain"].is_array()) << name;
      if (req.contains("badv")) {
        for (auto& d : b["adomain"])
          for (auto& bad : req["badv"]) EXPECT_NE(d, bad) << name;
      }
    }
  }
}

class ServeHttp : public ::testing::Test {
 protected:
  void Start(ServeConfig cfg) {
    server_ = std::make_unique<Server>(std::move(cfg), ctx_, testing::TestScorerFactory());
    server_->Start();
  }
  Context ctx_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServeHttp, AnswersEveryIabExampleWithAValidResponseOr204) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request");
  Start(testing::TestConfig());
  HttpClient client(server_->port());
  int bids = 0, nobids = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared_path)) {
    if (e.path().extension() != ".json") continue;
    std::string body = ReadFile(e.path().string());
    auto r = client.Request("POST", "/openrtb2/bid", body);
    std::string name = e.path().parent_path().filename().string() + "/" + e.path().filename().string();
    ASSERT_TRUE(r.status == 200 || r.status == 204) << name << ": " << r.status << " " << r.body;
    if (r.status == 200) {
      ExpectValidResponse(body, r.body, name);
      ++bids;
    } else {
      EXPECT_TRUE(r.body.empty());
      ++nobids;
    }
    if (e.path().filename() == "simple-banner.json") {
      EXPECT_EQ(r.status, 200) << name;
    }
  }
  EXPECT_GT(bids, 0);
  EXPECT_GT(nobids, 0);  // video and native: no matching creative
}

TEST_F(ServeHttp, WinSettlesLossReleasesClickLabelsTheTrainingRow) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json");
  TempDir dir;
  auto cfg = testing::TestConfig();
  cfg.server.log_dir = dir.File("logs");
  Start(cfg);
  std::string body = ReadFile(shared_path);
  HttpClient client(server_->port());
  auto path_of = [](const std::string& url) { return url.substr(url.find("/v1/")); };
  // Two bids: one wins at 0.02 CPM and is clicked, one loses.
  auto r1 = client.Request("POST", "/openrtb2/bid", body);
  auto r2 = client.Request("POST", "/openrtb2/bid", body);
  ASSERT_EQ(r1.status, 200);
  ASSERT_EQ(r2.status, 200);
  auto b1 = nlohmann::json::parse(r1.body)["seatbid"][0]["bid"][0];
  auto b2 = nlohmann::json::parse(r2.body)["seatbid"][0]["bid"][0];
  int32_t day = UtcDay(std::time(nullptr));
  BudgetState s = server_->ledger().State("camp1", day);
  EXPECT_EQ(s.spent, 0);
  EXPECT_GT(s.reserved, 0);
  std::string nurl = path_of(b1["nurl"]);
  nurl.replace(nurl.find("${AUCTION_PRICE}"), 16, "0.02");
  EXPECT_EQ(client.Request("GET", nurl).status, 200);
  EXPECT_EQ(client.Request("GET", nurl).status, 404);  // a repeated notice changes nothing
  EXPECT_EQ(client.Request("GET", path_of(b2["lurl"])).status, 200);
  std::string adm = b1["adm"];
  std::smatch m;
  ASSERT_TRUE(std::regex_search(adm, m, std::regex("/v1/click\\?bid=[^\"]+")));
  EXPECT_EQ(client.Request("GET", m.str()).status, 204);
  s = server_->ledger().State("camp1", day);
  EXPECT_EQ(s.spent, 20);  // 0.02 CPM = 0.00002 per impression = 20 micro-units
  EXPECT_EQ(s.reserved, 0);
  server_->Stop();
  // The training log is Criteo TSV: the criteo reader reads it back.
  std::vector<std::string> train, rlb;
  for (const auto& e : std::filesystem::directory_iterator(dir.File("logs"))) {
    std::string n = e.path().filename().string();
    if (n.rfind("train-", 0) == 0) train.push_back(e.path().string());
    if (n.rfind("auctions-", 0) == 0) rlb.push_back(e.path().string());
  }
  ASSERT_EQ(train.size(), 1u);
  ReaderOptions ro;
  ro.format = "criteo";
  auto reader = OpenReader(train[0], ro);
  RawRecord rec;
  ASSERT_TRUE(reader->Next(rec));
  EXPECT_EQ(rec.label, 1);
  EXPECT_EQ(rec.features[13].token, "www.foobar.com");  // C1 = inventory.domain
  EXPECT_EQ(rec.features[14].token, "300x250");         // C2 = imp.size
  EXPECT_FALSE(reader->Next(rec));
  EXPECT_EQ(reader->bad_rows().count(), 0u);
  ASSERT_EQ(rlb.size(), 1u);
  std::string line = ReadFile(rlb[0]);
  EXPECT_EQ(line.substr(0, 7), "1 0.02 ") << line;
}

// Reads one counter (exact series name with labels) from Prometheus text.
double Metric(const std::string& text, const std::string& series) {
  auto pos = text.find("\n" + series + " ");
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + series.size() + 2));
}

TEST_F(ServeHttp, MetricsCountersMatchTheRequestsSent) {
  Start(testing::TestConfig());
  HttpClient client(server_->port());
  const std::string good = R"({"id":"g","imp":[{"id":"1","banner":{"w":300,"h":250}}],"site":{"domain":"a.com"}})";
  const std::string wrong_size = R"({"id":"s","imp":[{"id":"1","banner":{"w":1,"h":1}}]})";
  for (int i = 0; i < 25; ++i) ASSERT_EQ(client.Request("POST", "/openrtb2/bid", good).status, 200);
  for (int i = 0; i < 7; ++i) ASSERT_EQ(client.Request("POST", "/openrtb2/bid", wrong_size).status, 204);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(client.Request("POST", "/openrtb2/bid", "{oops").status, 400);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client.Request("GET", "/nope").status, 404);
  auto m = client.Request("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(Metric(m.body, "adpilot_http_requests_total{endpoint=\"bid\"}"), 36);
  EXPECT_EQ(Metric(m.body, "adpilot_http_requests_total{endpoint=\"other\"}"), 3);
  EXPECT_EQ(Metric(m.body, "adpilot_bids_total"), 25);
  EXPECT_EQ(Metric(m.body, "adpilot_bid_responses_total"), 25);
  EXPECT_EQ(Metric(m.body, "adpilot_nobids_total{reason=\"size\"}"), 7);
  EXPECT_EQ(Metric(m.body, "adpilot_nobids_total{reason=\"bad_request\"}"), 4);
  EXPECT_EQ(Metric(m.body, "adpilot_bid_latency_seconds_count"), 36);
  EXPECT_EQ(Metric(m.body, "adpilot_http_responses_total{code=\"200\"}"), 25);
  EXPECT_EQ(Metric(m.body, "adpilot_http_responses_total{code=\"204\"}"), 7);
  EXPECT_EQ(Metric(m.body, "adpilot_model_info{version=\"test-model-v1\"}"), 1);
  EXPECT_GT(Metric(m.body, "adpilot_campaign_reserved{campaign=\"camp1\"}"), 0);
  EXPECT_EQ(Metric(m.body, "adpilot_campaign_spend{campaign=\"camp1\"}"), 0);
  auto h = client.Request("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(nlohmann::json::parse(h.body)["model_version"], "test-model-v1");
}

TEST_F(ServeHttp, ScoresBatchesOfNamedRows) {
  Start(testing::TestConfig());
  HttpClient client(server_->port());
  auto r = client.Request("POST", "/v1/score", R"({"rows":[{"C1":"a.com","I1":3},{"C1":"b.com"},{}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  ASSERT_EQ(j["pctr"].size(), 3u);
  testing::TestScorer scorer;
  for (auto& p : j["pctr"]) EXPECT_TRUE(p.get<double>() > 0 && p.get<double>() < 1);
  EXPECT_NE(j["pctr"][0], j["pctr"][1]);
  EXPECT_EQ(client.Request("POST", "/v1/score", R"({"rows":[{"C99":"x"}]})").status, 400);
  EXPECT_EQ(client.Request("POST", "/v1/score", R"({"rows":[{"C1":[1]}]})").status, 400);
  EXPECT_EQ(client.Request("POST", "/v1/score", R"({"rows":7})").status, 400);
}

TEST_F(ServeHttp, BadInputNeverTakesTheServerDown) {
  auto cfg = testing::TestConfig();
  cfg.server.idle_timeout_ms = 300;
  cfg.server.max_body_bytes = 1 << 20;
  Start(cfg);
  int port = server_->port();
  {
    HttpClient c(port);
    const std::vector<std::string> bodies = {"",
                                             "{",
                                             "null",
                                             "[]",
                                             R"({"id":"x","imp":[{"id":"1","banner":{"w":"wide"}}]})",
                                             R"({"id":"x"})",
                                             std::string(3000, '{'),
                                             std::string("\xff\xfe\x00garbage", 10)};
    for (const auto& b : bodies) EXPECT_EQ(c.Request("POST", "/openrtb2/bid", b).status, 400) << b;
    EXPECT_EQ(c.Request("GET", "/openrtb2/bid").status, 405);
  }
  {  // 50 MB body: refused from its Content-Length with 413, not read into memory.
    HttpClient c(port);
    ASSERT_TRUE(c.Connect());
    c.SendRaw("POST /openrtb2/bid HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n");
    std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 50 && c.SendRaw(chunk); ++i) {}
    EXPECT_EQ(c.ReadResponse().status, 413);
  }
  {  // Garbage instead of HTTP.
    HttpClient c(port);
    ASSERT_TRUE(c.Connect());
    c.SendRaw("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_EQ(c.ReadResponse().status, 400);
  }
  {  // A slow client that never finishes its headers is cut off at the timeout.
    HttpClient c(port);
    ASSERT_TRUE(c.Connect());
    c.SendRaw("POST /openrtb2/bid HTTP/1.1\r\nHost: x\r\n");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.ReadResponse().status, 0);  // closed, no answer
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  }
  {  // A truncated body followed by silence: also closed at the timeout.
    HttpClient c(port);
    ASSERT_TRUE(c.Connect());
    c.SendRaw("POST /openrtb2/bid HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"id\":");
    EXPECT_EQ(c.ReadResponse().status, 0);
  }
  {  // Many idle connections, then a normal request still gets through.
    std::vector<std::unique_ptr<HttpClient>> idle;
    for (int i = 0; i < 50; ++i) {
      idle.push_back(std::make_unique<HttpClient>(port));
      ASSERT_TRUE(idle.back()->Connect());
    }
    HttpClient c(port);
    EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
  }
  HttpClient c(port);
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace adpilot
