#include "adpilot/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adpilot/context.h"

namespace adpilot {

Progress::Progress(const Context& ctx, std::string task, uint64_t total, std::string unit) : sink_(ctx.progress) {
  state_.task = std::move(task);
  state_.unit = std::move(unit);
  state_.total = total;
  start_ = last_ = checked_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { Finish(); }

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  state_.finished = true;
  if (sink_) Tick(true);
}

void Progress::Tick(bool force) {
  calls_ = 0;
  auto now = std::chrono::steady_clock::now();
  // Aim for a clock read every ~1-10 ms whatever the cost of a unit.
  if (now - checked_ < std::chrono::milliseconds(1)) check_every_ = std::min<uint64_t>(check_every_ * 2, 1 << 16);
  else if (now - checked_ > std::chrono::milliseconds(10) && check_every_ > 1) check_every_ /= 2;
  checked_ = now;
  if (!force && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  state_.elapsed_s = std::chrono::duration<double>(now - start_).count();
  sink_->Update(state_);
}

namespace {

std::string Human(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string Rate(double v) { return v < 10 ? fmt::format("{:.1f}", v) : Human(v); }

std::string Line(const ProgressState& s) {
  double rate = s.elapsed_s > 0 ? s.done / s.elapsed_s : 0;
  std::string out = fmt::format("{}: {} {}", s.task, Human(double(s.done)), s.unit);
  if (s.total > 0) {
    double frac = std::min(1.0, double(s.done) / double(s.total));
    out += fmt::format(" / {} ({:.0f}%)", Human(double(s.total)), frac * 100);
    if (!s.finished && rate > 0 && s.done < s.total) out += fmt::format(", ETA {:.0f}s", (s.total - s.done) / rate);
  }
  out += fmt::format(", {}/s, {:.1f}s", Rate(rate), s.elapsed_s);
  return out;
}

class TerminalSink : public ProgressSink {
 public:
  void Update(const ProgressState& s) override {
    std::string bar;
    if (s.total > 0) {
      int width = 24;
      int filled = int(width * std::min(1.0, double(s.done) / double(s.total)));
      bar = fmt::format("[{}{}] ", std::string(size_t(filled), '#'), std::string(size_t(width - filled), '.'));
    }
    std::fprintf(stderr, "\r\033[K%s%s", bar.c_str(), Line(s).c_str());
    if (s.finished) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }
};

class LogSink : public ProgressSink {
 public:
  LogSink(std::shared_ptr<spdlog::logger> log, double interval) : log_(std::move(log)), interval_(interval) {}
  void Update(const ProgressState& s) override {
    // A new task, or the same task started again (its clock went back).
    if (s.task != task_ || s.elapsed_s < last_) {
      task_ = s.task;
      last_ = -interval_;
      last_done_ = UINT64_MAX;
    }
    if (!s.finished && s.elapsed_s - last_ < interval_) return;
    // The closing line when the last one already said as much (a coarse task's final unit).
    if (s.finished && s.done == last_done_ && s.total > 0 && s.done >= s.total) return;
    last_ = s.elapsed_s;
    last_done_ = s.done;
    log_->info("{}", Line(s));
  }

 private:
  std::shared_ptr<spdlog::logger> log_;
  double interval_;
  std::string task_;
  double last_ = 0;
  uint64_t last_done_ = 0;
};

}  // namespace

std::shared_ptr<ProgressSink> MakeTerminalProgressSink() { return std::make_shared<TerminalSink>(); }

std::shared_ptr<ProgressSink> MakeLogProgressSink(const Context& ctx, double interval_s) {
  return std::make_shared<LogSink>(ctx.logger, interval_s);
}

}  // namespace adpilot
