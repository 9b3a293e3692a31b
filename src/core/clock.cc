#include "adpilot/clock.h"

#include <chrono>

namespace adpilot {

namespace {

class RealClock : public Clock {
 public:
  int64_t UnixMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t SteadyMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

std::shared_ptr<const Clock> SystemClock() {
  static const auto clock = std::make_shared<const RealClock>();
  return clock;
}

}  // namespace adpilot
