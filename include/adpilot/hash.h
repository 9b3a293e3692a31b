// Hashing for feature buckets, seeds and keyed pseudonymisation (xxhash).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace adpilot {

uint64_t Hash64(std::string_view data, uint64_t seed = 0);
uint64_t Hash64(const void* data, size_t len, uint64_t seed = 0);

// Mixes two 64-bit values (for crosses and field/token pairs) without allocating.
inline uint64_t HashCombine(uint64_t a, uint64_t b) {
  a ^= b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2);
  a ^= a >> 33;
  a *= 0xff51afd7ed558ccdULL;
  a ^= a >> 33;
  return a;
}

// Keyed pseudonym of a user id: irreversible without the key, stable for a key,
// so joins across files still work. Returned as 16 hex digits.
std::string Pseudonymize(std::string_view id, std::string_view key);

}  // namespace adpilot
