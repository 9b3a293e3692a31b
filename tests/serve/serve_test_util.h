// Helpers of the serve tests: a deterministic test scorer on the Criteo schema,
// a test strategy registered by name, a config that bids on the IAB
// simple-banner example, and a tiny blocking HTTP/1.1 client.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "adpilot/bidding.h"
#include "adpilot/hash.h"
#include "adpilot/server.h"

#include <nlohmann/json.hpp>

namespace adpilot::testing {

// pCTR = sigmoid(-3 + (hash of the mapped tokens) in [0, 1)): deterministic,
// depends on the request, and always in (0, 1).
class TestScorer : public PctrScorer {
 public:
  explicit TestScorer(std::string version = "test-1") : version_(std::move(version)) {
    for (int i = 1; i <= 13; ++i) schema_.Add(fmt::format("I{}", i), FieldKind::kNumeric);
    for (int i = 1; i <= 26; ++i) schema_.Add(fmt::format("C{}", i), FieldKind::kCategorical);
  }
  const Schema& schema() const override { return schema_; }
  double Predict(const RawRecord& rec) const override {
    uint64_t h = 0;
    for (const auto& f : rec.features) h = HashCombine(h, f.numeric ? uint64_t(f.value) : Hash64(f.token));
    double u = double(h % 1000) / 1000.0;
    return 1.0 / (1.0 + std::exp(3.0 - u));
  }
  std::string format() const override { return "criteo"; }
  std::string version() const override { return version_; }

 private:
  Schema schema_;
  std::string version_;
};

inline ScorerFactory TestScorerFactory() {
  return [](const std::string& path) -> std::shared_ptr<PctrScorer> {
    if (path.find("missing") != std::string::npos) Throw(ErrorCode::kNotFound, "{}: no such model (test)", path);
    return std::make_shared<TestScorer>(path);
  };
}

// bid = b0 * pctr / avg_ctr, capped: the linear strategy's formula, registered
// here so the tests do not depend on which strategies the deliver stage offers.
class TestLinearBidder : public Bidder {
 public:
  explicit TestLinearBidder(const BidderEnv& env) : Bidder(env) {}
  void BeginPeriod(double, int64_t) override {}
  double Bid(const AuctionContext& a) override { return Cap(b0_ * a.pctr / env_.stats.avg_ctr, a); }
  nlohmann::json Params() const override { return {{"b0", b0_}}; }
  void SetParams(const nlohmann::json& p) override { b0_ = p.at("b0").get<double>(); }
  std::unique_ptr<Bidder> Clone() const override { return std::make_unique<TestLinearBidder>(*this); }

 private:
  double b0_ = 1.0;
};

inline void RegisterTestStrategy() {
  static bool once = BidderRegistry::Get().Add(
      "test_linear", "tests: b0 * pctr / avg_ctr",
      [](const BidderEnv& env) -> std::unique_ptr<Bidder> { return std::make_unique<TestLinearBidder>(env); });
  (void)once;
}

// One campaign that matches the IAB simple-banner request (300x250 on a site).
inline ServeConfig TestConfig(double daily_budget = 100.0) {
  RegisterTestStrategy();
  ServeConfig cfg;
  cfg.server.host = "127.0.0.1";
  cfg.server.port = 0;
  cfg.server.threads = 2;
  cfg.server.model = "test-model-v1";
  cfg.server.admin_token = "secret-token";
  cfg.server.idle_timeout_ms = 2000;
  cfg.features = {{"C1", "inventory.domain"},
                  {"C2", "imp.size"},
                  {"C3", "device.os"},
                  {"C4", "geo.country"},
                  {"I1", "device.devicetype"}};
  cfg.currency = {{"USD", 1.0}, {"EUR", 0.9}};
  Campaign c;
  c.id = "camp1";
  c.daily_budget = daily_budget;
  c.max_cpm = 5.0;
  c.strategy = "test_linear";
  c.params_json = R"({"b0": 1.0})";
  c.avg_ctr = 0.05;
  c.pacing = "none";
  c.adomain = {"advertiser.example"};
  c.cat = {"IAB3"};
  c.creatives.push_back(
      {"cr-300x250", 300, 250, "<a href=\"${CLICK_URL}\"><img src=\"https://cdn.example/a.png\"></a>"});
  c.creatives.push_back({"cr-728x90", 728, 90, "<a href=\"${CLICK_URL}\">banner</a>"});
  cfg.campaigns.push_back(c);
  return cfg;
}

// The path of a bid's signed notice ("nurl" or "lurl"), the price macro
// filled with `price`.
inline std::string NoticePath(const nlohmann::json& bid, const char* which, std::string_view price = "") {
  std::string u = bid[which].get<std::string>();
  u = u.substr(u.find("/v1/"));
  auto p = u.find("${AUCTION_PRICE}");
  if (p != std::string::npos) u.replace(p, 16, price);
  return u;
}
// The click URL's path inside the bid's creative markup.
inline std::string ClickPath(const nlohmann::json& bid) {
  std::string adm = bid["adm"].get<std::string>();
  auto b = adm.find("/v1/click?");
  if (b == std::string::npos) return "";
  return adm.substr(b, adm.find('"', b) - b);
}

struct HttpResponse {
  int status = 0;  // 0 = connection failed or closed
  std::string body;
};

// A blocking keep-alive HTTP/1.1 client for loopback tests.
class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {}
  ~HttpClient() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }
  bool Connect() {
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      Close();
      return false;
    }
    return true;
  }
  bool SendRaw(std::string_view data) {
    if (fd_ < 0 && !Connect()) return false;
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(size_t(n));
    }
    return true;
  }
  HttpResponse Request(std::string_view method, std::string_view target, std::string_view body = {},
                       std::string_view extra_headers = {}) {
    std::string req = fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n{}\r\n", method, target,
                                  body.size(), extra_headers);
    req.append(body);
    if (!SendRaw(req)) {
      // A kept-alive connection the server closed: one retry on a fresh one.
      if (!Connect() || !SendRaw(req)) return {};
    }
    return ReadResponse();
  }
  HttpResponse ReadResponse() {
    HttpResponse r;
    size_t hdr_end;
    while ((hdr_end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!Fill()) return r;
    std::string head = buf_.substr(0, hdr_end);
    r.status = std::atoi(head.c_str() + 9);
    size_t len = 0;
    auto lower = head;
    for (auto& ch : lower) ch = char(std::tolower(ch));
    auto cl = lower.find("content-length:");
    if (cl != std::string::npos) len = std::strtoull(head.c_str() + cl + 15, nullptr, 10);
    while (buf_.size() < hdr_end + 4 + len)
      if (!Fill()) return {};
    r.body = buf_.substr(hdr_end + 4, len);
    buf_.erase(0, hdr_end + 4 + len);
    if (lower.find("connection: close") != std::string::npos) Close();
    return r;
  }

 private:
  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, size_t(n));
    return true;
  }
  int port_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace adpilot::testing
