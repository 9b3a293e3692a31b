// libFuzzer target for the HTTP request path: raw bytes go through Beast's
// request parser, as in src/serve/http_server.cc (same header and body
// limits), and each parsed request through Server::Handle, i.e. ServeCore's
// routing, the OpenRTB parser, bidding, notices, scoring, metrics and reload.
// One input may hold several pipelined requests (a keep-alive connection).
// So that notices can name real bids, a target "$WIN", "$LOSS" or "$CLICK" is
// replaced by the path of the matching URL in the last bid response (nurl,
// lurl, or the click URL in adm), with its ${AUCTION_PRICE}/${AUCTION_LOSS}
// macro replaced by the request's body, as an exchange would fill it in.
// Whatever the URLs carry (ids, signatures) is used verbatim.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "adpilot/server.h"
#include "fuzz_util.h"

using namespace adpilot;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kPublic = "http://fuzz";

// pCTR from the request's mapped fields: deterministic, in (0, 1).
class FuzzScorer : public PctrScorer {
 public:
  FuzzScorer() {
    for (int i = 1; i <= 13; ++i) schema_.Add(fmt::format("I{}", i), FieldKind::kNumeric);
    for (int i = 1; i <= 26; ++i) schema_.Add(fmt::format("C{}", i), FieldKind::kCategorical);
  }
  const Schema& schema() const override { return schema_; }
  double Predict(const RawRecord& rec) const override {
    double u = 0;
    for (const auto& f : rec.features)
      u += f.numeric ? std::fabs(std::fmod(f.value, 1.0)) : double(f.token.size() % 7) / 7;
    return 1.0 / (1.0 + std::exp(3.0 - std::fmod(u, 2.0)));
  }
  std::string format() const override { return "criteo"; }
  std::string version() const override { return "fuzz-1"; }

 private:
  Schema schema_;
};

ServeConfig FuzzConfig() {
  ServeConfig cfg;
  cfg.server.model = "fuzz-model";
  cfg.server.admin_token = "fuzz-token";
  cfg.server.public_url = std::string(kPublic);
  cfg.server.replica_id = "f1";
  cfg.server.reservation_ttl_s = 1;  // the sweeper expires reservations while fuzzing
  cfg.server.click_window_s = 1;
  cfg.server.max_pending_reservations = 100000;
  cfg.features = {{"C1", "inventory.domain"}, {"C2", "imp.size"},          {"C3", "device.os"}, {"C4", "geo.country"},
                  {"C5", "publisher.id"},     {"I1", "device.devicetype"}, {"I2", "hour"}};
  cfg.currency = {{"USD", 1.0}, {"EUR", 0.9}};
  for (int i = 0; i < 2; ++i) {
    Campaign c;
    c.id = i == 0 ? "fuzz-a" : "fuzz-b";
    c.daily_budget = i == 0 ? 1000.0 : 0.5;  // one that is never exhausted, one that soon is
    c.max_cpm = 5.0;
    c.strategy = "lin";
    c.params_json = R"({"b0": 2.0})";
    c.avg_ctr = 0.05;
    c.pacing = i == 0 ? "none" : "even";
    c.adomain = {"advertiser.example"};
    c.cat = {"IAB3"};
    c.creatives.push_back({"cr-300x250", 300, 250, "<a href=\"${CLICK_URL}\"><img src=\"x.png\"></a>"});
    c.creatives.push_back({"cr-728x90", 728, 90, "<a href=\"${CLICK_URL}\">b</a>"});
    cfg.campaigns.push_back(c);
  }
  return cfg;
}

Server& GetServer() {
  static Server* s =
      new Server(FuzzConfig(), Context::Default(),
                 [](const std::string&) -> std::shared_ptr<PctrScorer> { return std::make_shared<FuzzScorer>(); });
  return *s;
}

// The path and query of the first `kPublic + prefix...` URL in `body`.
std::string UrlIn(const std::string& body, std::string_view prefix) {
  std::string key = std::string(kPublic) + std::string(prefix);
  size_t at = body.find(key);
  if (at == std::string::npos) return "";
  size_t end = body.find_first_of("\"\\ <>", at);
  return body.substr(at + kPublic.size(), end == std::string::npos ? std::string::npos : end - at - kPublic.size());
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Server& server = GetServer();
  static std::string last_bid;  // body of the last bid response of this input
  last_bid.clear();
  std::string_view in = fuzz::AsView(data, size);
  for (int n = 0; n < 8 && !in.empty(); ++n) {
    http::request_parser<http::string_body> p;
    p.header_limit(16 * 1024);  // as http_server.cc
    p.body_limit(1 << 20);
    p.eager(true);
    boost::beast::error_code ec;
    while (!in.empty() && !p.is_done()) {
      size_t used = p.put(boost::asio::buffer(in.data(), in.size()), ec);
      in.remove_prefix(used);
      if (ec == http::error::need_more && used > 0) ec = {};
      if (ec) break;
    }
    if (!p.is_done() && !ec) p.put_eof(ec);
    if (ec || !p.is_done()) break;  // the server answers 4xx and closes: no more requests
    auto& req = p.get();
    std::string target(req.target());
    for (auto [tag, prefix, macro] :
         {std::tuple{"$WIN", "/v1/win?", "${AUCTION_PRICE}"}, std::tuple{"$LOSS", "/v1/loss?", "${AUCTION_LOSS}"},
          std::tuple{"$CLICK", "/v1/click?", ""}}) {
      if (target.rfind(tag, 0) != 0) continue;
      std::string url = UrlIn(last_bid, prefix);
      if (*macro) ReplaceAll(url, macro, req.body());
      target = url + target.substr(std::strlen(tag));
    }
    HttpReply r = server.Handle(std::string_view(req.method_string()), target, req.body(),
                                std::string_view(req[http::field::authorization]));
    // 500 is the server's answer to a bug (ServeCore::Handle's catch-all).
    if (r.status < 200 || r.status >= 500) {
      std::fprintf(stderr, "fuzz: %s %s -> %d %s\n", std::string(req.method_string()).c_str(), target.c_str(), r.status,
                   r.body.c_str());
      __builtin_trap();
    }
    if (r.status == 200 && target.rfind("/openrtb2/bid", 0) == 0) last_bid = r.body;
  }
  int32_t day = UtcDay(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  for (const char* c : {"fuzz-a", "fuzz-b"}) {
    BudgetState st = server.ledger().State(c, day);
    if (st.spent < 0 || st.reserved < 0) __builtin_trap();  // the ledger never goes below zero
  }
  return 0;
}
