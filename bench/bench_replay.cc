// Replay throughput: auctions per second for one strategy on one core.
//   bench_replay [--strategy lin] [--auctions 20000000] [--log FILE --train TRAIN_INFO]
// Without --log it replays a synthetic stream (the same generator as the tests)
// so the figure does not depend on disk or gzip speed: loading is not timed.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "adpilot/auction_log.h"
#include "adpilot/context.h"
#include "adpilot/replay.h"

using namespace adpilot;

int main(int argc, char** argv) {
  std::string strategy = "lin", log_path, train_path;
  size_t n = 20'000'000;
  int reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--strategy")) strategy = argv[i + 1];
    else if (!std::strcmp(argv[i], "--auctions")) n = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--log")) log_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--train")) train_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--reps")) reps = std::stoi(argv[i + 1]);
  }
  AuctionLog log;
  CampaignStats st;
  if (!log_path.empty()) {
    log = LoadAuctionLog(log_path);
    st = train_path.empty() ? log.Stats() : LoadTrainInfo(train_path);
  } else {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> ctr(std::log(0.002), 1.0);
    std::uniform_real_distribution<double> u(0, 1);
    std::uniform_int_distribution<int> price(5, 300);
    log.Reserve(n);
    for (size_t i = 0; i < n; ++i) {
      double p = std::min(0.5, ctr(rng));
      log.Add(u(rng) < p, float(price(rng)), float(p));
    }
    st = log.Stats();
  }
  ReplayConfig cfg;
  cfg.budget_ratio = 1.0 / 32;
  cfg.traces = false;
  auto bidder = MakeBidder(strategy, MakeBidderEnv(cfg, log, st, 1));
  double best = 0;
  ReplayResult r;
  for (int k = 0; k < reps; ++k) {
    auto t0 = std::chrono::steady_clock::now();
    r = Replay(log, *bidder, cfg, st);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, double(log.size()) / s);
  }
  std::printf("strategy=%s auctions=%zu clicks=%llu best_of_%d=%.2f M auctions/s\n", strategy.c_str(), log.size(),
              (unsigned long long)r.clicks, reps, best / 1e6);
  return 0;
}
