// Helpers shared by the libFuzzer targets: per-process temp files (loaders take
// paths, not buffers) and the contract every target checks. Library code may
// refuse any input with an adpilot::Error, but never with kInternal (a broken
// invariant), another exception type, a crash or a sanitizer report
// (docs/architecture.md, "Errors").
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "adpilot/error.h"
#include "adpilot/hash.h"

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

inline std::string_view AsView(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// The format version of a file in adpilot's framings (u32 at offset 8), 0 if too short.
inline uint32_t VersionOf(std::string_view file) {
  uint32_t v = 0;
  if (file.size() >= 12) std::memcpy(&v, file.data() + 8, 4);
  return v;
}

// Completes a container image (adpilot/container.h) from `body`, the image
// without its trailer: sets the config checksum (when the config length fits)
// and appends the payload length and the file checksum, so that mutations
// reach the format's own checks rather than the container's.
inline std::string SealContainer(std::string body) {
  uint64_t payload = 0;
  if (body.size() >= 24) {
    uint32_t c = 0;
    std::memcpy(&c, body.data() + 12, 4);
    if (c <= body.size() - 24) {
      uint64_t sum = Hash64(body.data(), 16 + size_t(c));
      std::memcpy(body.data() + 16 + c, &sum, 8);
      payload = body.size() - 24 - c;
    }
  }
  body.append(reinterpret_cast<const char*>(&payload), 8);
  uint64_t sum = Hash64(body);
  body.append(reinterpret_cast<const char*>(&sum), 8);
  return body;
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
