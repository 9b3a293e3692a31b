// adpilot's single error model: library code throws adpilot::Error, the CLI's
// main() catches it and maps its code to an exit status (docs/architecture.md).
// Expected per-row problems in input files are not errors: readers count them
// in a BadRowLog and go on, unless the caller asked to fail.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace adpilot {

enum class ErrorCode {
  kInvalidArgument,  // bad usage: flag, option or config key (exit 2)
  kBadInput,         // malformed input data under --on-error fail (exit 2)
  kNotFound,         // missing file or unknown name (exit 2)
  kIOError,          // the OS refused a read or write (exit 1)
  kCorruption,       // a model/cache file failed its checks (exit 1)
  kUnsupported,      // valid request the build cannot serve (exit 1)
  kInternal,         // a broken invariant: a bug in adpilot (exit 1)
};

const char* ErrorCodeName(ErrorCode code);

// Process exit status the CLI uses for an error of this code: 2 for bad usage or
// bad input, 1 for every other failure.
int ExitCodeFor(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

template <typename... Args>
[[noreturn]] void Throw(ErrorCode code, fmt::format_string<Args...> f, Args&&... args) {
  throw Error(code, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace adpilot

// Always-on invariant check (release builds too): a failure is a bug, not bad input.
#define ADP_CHECK(cond)                                                                                        \
  do {                                                                                                         \
    if (!(cond))                                                                                               \
      ::adpilot::Throw(::adpilot::ErrorCode::kInternal, "{}:{}: check failed: {}", __FILE__, __LINE__, #cond); \
  } while (0)
