// Throughput of the world generator's auction stream.
//   bench_gen [rows] [threads] [out_dir]
// Workloads:
//   block   one thread draws and formats rows in memory (per-core rate)
//   write   WriteAuctions to out_dir (default /tmp) with 1 and `threads` threads
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/world.h"
#include "gen/auction_model.h"
#include "gen/auction_stream.h"
#include "gen/users.h"

using namespace adpilot;

static double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::atoll(argv[1]) : 2000000;
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  std::string out = argc > 3 ? argv[3] : "/tmp/adpilot-bench-gen";
  WorldConfig cfg;  // small-scale world, `rows` auctions
  cfg.auctions = rows;
  Context ctx;
  ctx.seed = 7;
  gen::Population pop = gen::MakePopulation(cfg, ctx);
  gen::AuctionModel model(cfg, pop, ctx);

  // block: one core, rows drawn and formatted into memory.
  gen::AuctionBlock blk;
  // CPU time as well as wall time: on a shared machine the wall clock also
  // counts other people's work, the CPU clock only this process's.
  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  int64_t done = 0;
  for (uint64_t b = 0; done < rows; ++b) {
    int64_t end = std::min(rows, done + gen::kBlockRows);
    gen::GenerateBlock(model, ctx, done, end, b, blk);
    done = end;
  }
  double s = Seconds(t0), cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  std::printf(
      "block  threads=1 rows=%lld  wall %.2f s (%.3f M rows/s)  cpu %.2f s (%.3f M rows per CPU-second)  "
      "%.0f bytes/row tsv+rlb+meta\n",
      (long long)rows, s, rows / s / 1e6, cpu, rows / cpu / 1e6,
      double(blk.tsv.size() + blk.rlb.size() + blk.meta.size()) / double(blk.stats.rows));

  // write: the three files on disk.
  std::filesystem::create_directories(out);
  for (int t : {1, threads}) {
    ctx.threads = t;
    t0 = std::chrono::steady_clock::now();
    c0 = std::clock();
    nlohmann::json j = gen::WriteAuctions(cfg, model, out, ctx);
    s = Seconds(t0);
    cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::printf(
        "write  threads=%d rows=%lld  wall %.2f s (%.3f M rows/s)  cpu %.2f s (%.3f M rows per CPU-second)  "
        "true_auc=%.4f\n",
        t, (long long)rows, s, rows / s / 1e6, cpu, rows / cpu / 1e6, j["true_auc"].get<double>());
    if (t == threads) break;
  }
  std::filesystem::remove_all(out);
  return 0;
}
