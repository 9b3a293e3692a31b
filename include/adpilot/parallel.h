// Data-parallel loops over the Context's thread count. Threads are created per
// call: the loops this serves run for milliseconds or longer, so a persistent
// pool would buy nothing and would be hidden state.
#pragma once

#include <cstddef>
#include <functional>

namespace adpilot {

struct Context;

// Calls fn(begin, end, thread_index) on `threads` contiguous chunks of [0, n).
// Exceptions thrown by fn are rethrown on the calling thread (first one wins).
void ParallelFor(int threads, size_t n, const std::function<void(size_t, size_t, int)>& fn);

}  // namespace adpilot
