// Reader benchmark: parse + hash throughput of the Criteo reader on a generated
// Criteo-format file (>= 1 GB by default), written into a temp dir and deleted
// afterwards. Prints MB/s and rows/s per core (one reader = one core) for
// parse only, parse + hash, and the hashed-dataset cache re-read.
//
//   bench_reader [--gb 1.0] [--dir /tmp] [--keep]
#include <unistd.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include <fmt/format.h>

#include "adpilot/cache.h"
#include "adpilot/context.h"
#include "adpilot/features.h"
#include "adpilot/reader.h"

namespace {

using WallClock = std::chrono::steady_clock;

// Criteo-like rows: count features with a heavy tail, 8-hex categoricals drawn
// from per-field vocabularies of very different sizes, ~20% missing values.
uint64_t Generate(const std::string& path, double gb) {
  std::mt19937_64 rng(2014);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot create " + path);
  uint64_t target = uint64_t(gb * 1e9), written = 0, rows = 0;
  std::string line;
  std::geometric_distribution<int> count(0.05);
  while (written < target) {
    line.clear();
    line += (rng() % 100 < 25) ? '1' : '0';
    for (int i = 0; i < 13; ++i) {
      line += '\t';
      if (rng() % 5) line += std::to_string(count(rng));
    }
    for (int i = 0; i < 26; ++i) {
      line += '\t';
      if (rng() % 6) {
        uint64_t vocab = uint64_t(1) << (3 + (i * 7) % 22);
        fmt::format_to(std::back_inserter(line), "{:08x}", uint32_t((rng() % vocab) * 2654435761u + i));
      }
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), f);
    written += line.size();
    ++rows;
  }
  std::fclose(f);
  return rows;
}

// CPU seconds of this thread: on a shared machine wall time mostly measures
// the neighbours, so throughput per core is computed from CPU time.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

struct Timer {
  WallClock::time_point wall = WallClock::now();
  double cpu = CpuSeconds();
};

void Report(const char* what, uint64_t bytes, uint64_t rows, const Timer& t) {
  double cpu = CpuSeconds() - t.cpu;
  double wall = std::chrono::duration<double>(WallClock::now() - t.wall).count();
  fmt::print("{:<28} {:8.1f} MB/s  {:10.0f} rows/s per core  (cpu {:.2f} s, wall {:.2f} s)\n", what, bytes / 1e6 / cpu,
             rows / cpu, cpu, wall);
}

}  // namespace

int main(int argc, char** argv) {
  double gb = 1.0;
  std::string dir = std::filesystem::temp_directory_path().string();
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--gb") && i + 1 < argc) gb = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!std::strcmp(argv[i], "--keep")) keep = true;
    else {
      std::fprintf(stderr, "usage: bench_reader [--gb 1.0] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  auto work = std::filesystem::path(dir) / fmt::format("adpilot-bench-reader-{}", ::getpid());
  std::filesystem::create_directories(work);
  std::string path = (work / "criteo.tsv").string();
  int rc = 0;
  try {
    auto t0 = WallClock::now();
    uint64_t rows = Generate(path, gb);
    uint64_t bytes = std::filesystem::file_size(path);
    fmt::print("generated {} rows, {:.2f} GB in {:.1f} s: {}\n", rows, bytes / 1e9,
               std::chrono::duration<double>(WallClock::now() - t0).count(), path);
    adpilot::ReaderOptions o;
    adpilot::RawRecord rec;
    {
      auto r = adpilot::OpenReader(path, o);
      uint64_t n = 0;
      Timer t;
      while (r->Next(rec)) ++n;
      Report("parse", bytes, n, t);
    }
    adpilot::FeatureConfig fc;
    fc.bits = 22;
    {
      auto r = adpilot::OpenReader(path, o);
      adpilot::FeatureHasher h(fc, r->schema());
      adpilot::Example ex;
      uint64_t n = 0, nnz = 0;
      Timer t;
      while (r->Next(rec)) {
        h.Hash(rec, ex);
        nnz += ex.features.size();
        ++n;
      }
      Report("parse + hash", bytes, n, t);
      fmt::print("  {:.1f} features per row\n", double(nnz) / n);
    }
    {
      adpilot::Context ctx;
      auto ds = adpilot::OpenHashedDataset(path, o, fc, ctx, (work / "cache").string());
      adpilot::Example ex;
      uint64_t n = 0;
      Timer t;
      while (ds->Next(ex)) ++n;
      Report("parse + hash + write cache", bytes, n, t);
      ds->Rewind();
      n = 0;
      Timer t2;
      while (ds->Next(ex)) ++n;
      Report("cache re-read", bytes, n, t2);
      fmt::print("  cache file {:.2f} GB\n", std::filesystem::file_size(ds->cache_path()) / 1e9);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_reader: %s\n", e.what());
    rc = 1;
  }
  if (!keep) std::filesystem::remove_all(work);
  return rc;
}
