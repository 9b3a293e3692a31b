// Helpers shared by the libFuzzer targets: per-process temp files (loaders take
// paths, not buffers) and the contract every target checks. Library code may
// refuse any input with an adpilot::Error, but never with kInternal (a broken
// invariant), another exception type, a crash or a sanitizer report
// (docs/architecture.md, "Errors").
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "adpilot/error.h"

namespace adpilot::fuzz {

// "/tmp/adpilot-fuzz-<pid>-<name>": one set per fuzzer process, so targets
// (and `make fuzz` jobs) running side by side never share a file.
inline std::string TempPath(const std::string& name) {
  return "/tmp/adpilot-fuzz-" + std::to_string(::getpid()) + "-" + name;
}

inline void WriteFile(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();  // the harness itself is broken: no point going on
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) __builtin_trap();
  std::fclose(f);
}

inline std::string ReadFile(const std::string& path) {
  std::string out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) __builtin_trap();
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `fn`; an adpilot::Error other than kInternal is an accepted refusal
// (returns false), anything else escaping is a bug and aborts with its message
// so that libFuzzer records the input.
template <typename Fn>
bool Refusable(Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInternal) {
      std::fprintf(stderr, "fuzz: kInternal error: %s\n", e.what());
      __builtin_trap();
    }
    return false;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: exception outside the error model: %s\n", e.what());
    __builtin_trap();
  }
}

}  // namespace adpilot::fuzz
