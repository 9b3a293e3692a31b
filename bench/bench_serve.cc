// In-process cost of the bid path, without HTTP: parse (simdjson), write the
// response, and the whole handler with a real model when ADPILOT_BENCH_MODEL
// names one (e.g. demo-run/predict/ffm.apm). The HTTP figures (wrk and the
// constant-rate loadgen) come from bench/serve/run_load.sh.
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "adpilot/openrtb.h"
#include "adpilot/server.h"

namespace {

// The IAB simple-banner example (OpenRTB 2.5), as in ../shared/data/openrtb.
const char* kSimpleBanner = R"({"id":"80ce30c53c16e6ede735f123ef6e32361bfc7b22","at":1,"cur":["USD"],
"imp":[{"id":"1","bidfloor":0.03,"banner":{"h":250,"w":300}}],"site":{"id":"102855","cat":["IAB3-1"],
"domain":"www.foobar.com","page":"http://www.foobar.com/1234.html ","publisher":{"id":"8953","name":"foobar.com",
"cat":["IAB3-1"],"domain":"foobar.com"}},"device":{"ua":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_6_8) AppleWebKit/537.13 (KHTML, like Gecko) Version/5.1.7 Safari/534.57.2",
"ip":"123.145.167.10"},"user":{"id":"55816b39711f9b5acf3b90e313ed29e51665623f"}})";

void BM_ParseBidRequest(benchmark::State& state) {
  adpilot::openrtb::BidRequest req;
  std::string err;
  for (auto _ : state) {
    bool ok = adpilot::openrtb::ParseBidRequest(kSimpleBanner, req, err);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseBidRequest);

void BM_WriteBidResponse(benchmark::State& state) {
  adpilot::openrtb::Bid b;
  b.id = "r1-12345";
  b.impid = "1";
  b.price = 1.2345;
  b.crid = "demo-300x250";
  b.adomain = {"advertiser.example"};
  b.adm = "<a href=\"http://127.0.0.1:8080/v1/click?bid=r1-12345\"><img src=\"https://cdn/x.png\"></a>";
  b.nurl = "http://127.0.0.1:8080/v1/win?bid=r1-12345&price=${AUCTION_PRICE}";
  std::vector<adpilot::openrtb::Bid> bids{b};
  for (auto _ : state) benchmark::DoNotOptimize(adpilot::openrtb::WriteBidResponse("req", "r1", "USD", "seat", bids));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteBidResponse);

// The full handler (parse, match, score, strategy, reserve, respond), with the
// example config and the model in ADPILOT_BENCH_MODEL.
void BM_HandleBid(benchmark::State& state) {
  const char* model = std::getenv("ADPILOT_BENCH_MODEL");
  const char* config = std::getenv("ADPILOT_BENCH_CONFIG");
  if (!model || !config) {
    state.SkipWithError("set ADPILOT_BENCH_MODEL and ADPILOT_BENCH_CONFIG (examples/serve.toml)");
    return;
  }
  adpilot::ServeConfig cfg = adpilot::LoadServeConfig(config);
  cfg.server.model = model;
  cfg.server.log_dir.clear();
  for (auto& c : cfg.campaigns) {
    c.daily_budget = 1e12;
    c.pacing = "none";
  }
  adpilot::Context ctx;
  adpilot::Server server(cfg, ctx);
  int bids = 0;
  for (auto _ : state) bids += server.Handle("POST", "/openrtb2/bid", kSimpleBanner).status == 200;
  state.counters["bid_share"] = double(bids) / double(state.iterations());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HandleBid);

}  // namespace

BENCHMARK_MAIN();
