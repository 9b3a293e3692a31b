#include "run/step_watch.h"

#include <atomic>

#include "adpilot/progress.h"

namespace adpilot::run {

using Clock = std::chrono::steady_clock;

struct StepWatch::Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::atomic<int64_t> last_update_ns{0};
  Clock::time_point start = Clock::now();
};

namespace {

int64_t Ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

class WatchSink : public ProgressSink {
 public:
  WatchSink(std::shared_ptr<ProgressSink> inner, std::shared_ptr<std::atomic<int64_t>> last)
      : inner_(std::move(inner)), last_(std::move(last)) {}
  void Update(const ProgressState& s) override {
    last_->store(Ns(Clock::now()));
    if (inner_) inner_->Update(s);
  }

 private:
  std::shared_ptr<ProgressSink> inner_;
  std::shared_ptr<std::atomic<int64_t>> last_;
};

}  // namespace

StepWatch::StepWatch(Context& ctx, std::string label, double quiet_s)
    : shared_(std::make_shared<Shared>()), label_(std::move(label)), quiet_s_(quiet_s), ctx_(ctx) {
  shared_->last_update_ns = Ns(shared_->start);
  // The sink outlives this object if a command kept a copy of the context:
  // it shares the timestamp, not the watch.
  std::shared_ptr<std::atomic<int64_t>> last(shared_, &shared_->last_update_ns);
  if (ctx.progress) ctx.progress = std::make_shared<WatchSink>(ctx.progress, last);
  // Without a progress sink (--quiet) nothing is drawn, so nothing is watched.
  if (ctx.progress) thread_ = std::thread([this] { Loop(); });
}

StepWatch::~StepWatch() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stop = true;
  }
  shared_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StepWatch::Loop() {
  const auto quiet = std::chrono::duration<double>(quiet_s_);
  std::unique_lock<std::mutex> lock(shared_->mu);
  Clock::time_point last_line = shared_->start;
  while (!shared_->cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return shared_->stop; })) {
    auto now = Clock::now();
    auto last_update = Clock::time_point(std::chrono::nanoseconds(shared_->last_update_ns.load()));
    if (now - last_update < quiet || now - last_line < quiet) continue;
    last_line = now;
    ctx_.log().info("{}: still working, {:.0f} s in", label_,
                    std::chrono::duration<double>(now - shared_->start).count());
  }
}

}  // namespace adpilot::run
