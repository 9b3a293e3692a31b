#include "adpilot/parallel.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace adpilot {

void ParallelFor(int threads, size_t n, const std::function<void(size_t, size_t, int)>& fn) {
  threads = std::max(1, std::min<int>(threads, int(std::max<size_t>(n, 1))));
  if (threads == 1) {
    fn(0, n, 0);
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr first;
  std::mutex mu;
  size_t chunk = (n + threads - 1) / threads;
  for (int t = 0; t < threads; ++t) {
    size_t b = std::min(n, t * chunk), e = std::min(n, b + chunk);
    pool.emplace_back([&, b, e, t] {
      try {
        fn(b, e, t);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!first) first = std::current_exception();
      }
    });
  }
  for (auto& th : pool) th.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace adpilot
