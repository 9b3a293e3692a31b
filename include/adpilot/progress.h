// Progress of long work. Library code updates a Progress; the sink (set by the
// CLI in Context) draws a bar on a terminal or writes periodic log lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace adpilot {

struct Context;

struct ProgressState {
  std::string task;      // e.g. "parse train.tsv"
  std::string unit;      // e.g. "rows"
  uint64_t done = 0;     // units done
  uint64_t total = 0;    // 0 when unknown
  double elapsed_s = 0;  // since the task started
  bool finished = false;
};

// REQUIRES: implementations are called from one thread at a time (Progress serialises).
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void Update(const ProgressState& state) = 0;
};

// Throttled progress reporter: Add() is cheap and may be called per row.
// Not thread-safe; give each thread its own or call from one.
class Progress {
 public:
  Progress(const Context& ctx, std::string task, uint64_t total = 0, std::string unit = "rows");
  ~Progress();  // reports finished
  void Add(uint64_t n = 1) {
    state_.done += n;
    if (sink_ && ++calls_ >= check_every_) Tick(false);
  }
  void Set(uint64_t done) {
    state_.done = done;
    if (sink_ && ++calls_ >= check_every_) Tick(false);
  }
  // For coarse units that each take a while (a replay, a k-means restart):
  // Begin() reports 0 of total at once, and Advance() reads the clock on
  // every call instead of every 1024th, so the first line does not wait.
  void Begin() {
    if (sink_) Tick(true);
  }
  void Advance(uint64_t n = 1) {
    state_.done += n;
    if (sink_) Tick(false);
  }
  void SetTotal(uint64_t total) { state_.total = total; }
  void Finish();

 private:
  void Tick(bool force);
  std::shared_ptr<ProgressSink> sink_;
  ProgressState state_;
  std::chrono::steady_clock::time_point start_, last_, checked_;
  uint64_t calls_ = 0;
  // Clock reads per Add(): adapted in Tick so that coarse calls (a batch of
  // texts) are checked each time and per-row calls about every few ms.
  uint64_t check_every_ = 1;
  bool finished_ = false;
};

// Sinks the CLI uses: a redrawn bar (rows/s, ETA) for a terminal, periodic log
// lines (every `interval_s`) otherwise.
std::shared_ptr<ProgressSink> MakeTerminalProgressSink();
std::shared_ptr<ProgressSink> MakeLogProgressSink(const Context& ctx, double interval_s = 5.0);

}  // namespace adpilot
