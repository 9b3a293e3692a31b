// The explicit context every long-running component receives: thread count,
// seed, logger, progress sink and clock. There are no hidden globals, so any result is
// reproducible from the seed and the inputs.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include <spdlog/spdlog.h>

#include "adpilot/clock.h"

namespace adpilot {

class Collective;
class ProgressSink;

struct Context {
  // Worker threads for parallel work (>= 1).
  int threads = 1;
  // Root seed; components derive their own streams with Rng(stream).
  uint64_t seed = 42;
  // Where library code logs (stderr in the CLI). Never null: defaults to a silent logger.
  std::shared_ptr<spdlog::logger> logger;
  // Receives progress of long work; null means no progress reporting.
  std::shared_ptr<ProgressSink> progress;
  // What money, pacing and expiry read the time from (the bidder's days,
  // budgets, reservations and notices). Never null: the real clocks unless a
  // test puts in a ManualClock to run a day of bidding in milliseconds.
  // Durations reported for humans (a run's `seconds`) stay on steady_clock.
  std::shared_ptr<const Clock> clock = SystemClock();
  // The ranks this command runs on (adpilot/collective.h): one process unless
  // the CLI joined an MPI job. Never null.
  std::shared_ptr<const Collective> collective;

  Context();

  // A deterministic generator for a named stream of this run, so that adding a
  // random draw in one component does not shift the draws of another.
  std::mt19937_64 Rng(const std::string& stream) const;
  uint64_t SubSeed(const std::string& stream) const;

  spdlog::logger& log() const { return *logger; }
  const Collective& comm() const { return *collective; }

  // A quiet single-threaded context for tests and library users.
  static Context Default() { return Context(); }
};

}  // namespace adpilot
