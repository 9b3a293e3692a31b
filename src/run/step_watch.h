// A pipeline step that runs a while without reporting progress (a model's
// setup, a bootstrap) still says it is alive: while it runs, StepWatch logs a
// line after every `quiet_s` seconds in which its progress sink heard nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "adpilot/context.h"

namespace adpilot::run {

class StepWatch {
 public:
  // Wraps ctx.progress (when it has one) so that the step's own progress
  // updates reset the quiet timer; `label` starts each line ("step 4/9 fit").
  StepWatch(Context& ctx, std::string label, double quiet_s = 10.0);
  ~StepWatch();
  StepWatch(const StepWatch&) = delete;
  StepWatch& operator=(const StepWatch&) = delete;

 private:
  struct Shared;
  void Loop();
  std::shared_ptr<Shared> shared_;
  std::string label_;
  double quiet_s_;
  const Context& ctx_;
  std::thread thread_;
};

}  // namespace adpilot::run
