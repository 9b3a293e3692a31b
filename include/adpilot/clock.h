// Time as the serve path sees it. The bidder, its pacing, reservation expiry
// and notice signatures read the clock only through here, so a test can drive
// a day of bidding in milliseconds with a ManualClock instead of sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace adpilot {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, milliseconds since the Unix epoch (UTC days, expiry stamps).
  virtual int64_t UnixMs() const = 0;
  // Monotonic milliseconds (timeouts, deadlines); unrelated to UnixMs.
  virtual int64_t SteadyMs() const = 0;
  int64_t UnixSeconds() const { return UnixMs() / 1000; }
};

// The process's real clocks (system_clock and steady_clock).
std::shared_ptr<const Clock> SystemClock();

// A clock that moves only when told (tests). Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t unix_ms = 1'700'000'000'000) : unix_ms_(unix_ms) {}
  int64_t UnixMs() const override { return unix_ms_.load(); }
  int64_t SteadyMs() const override { return steady_ms_.load(); }
  void Advance(int64_t ms) {
    unix_ms_.fetch_add(ms);
    steady_ms_.fetch_add(ms);
  }

 private:
  std::atomic<int64_t> unix_ms_;
  std::atomic<int64_t> steady_ms_{0};
};

}  // namespace adpilot
