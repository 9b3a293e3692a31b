// Hashing for feature buckets and seeds (xxhash); keyed pseudonyms are in pseudonym.h.
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

}  // namespace adpilot
