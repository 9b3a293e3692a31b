#include "adpilot/hash.h"

#include <xxhash.h>

#include <fmt/format.h>

namespace adpilot {

uint64_t Hash64(std::string_view data, uint64_t seed) { return XXH3_64bits_withSeed(data.data(), data.size(), seed); }

uint64_t Hash64(const void* data, size_t len, uint64_t seed) { return XXH3_64bits_withSeed(data, len, seed); }

std::string Pseudonymize(std::string_view id, std::string_view key) {
  // XXH3's keyed variant needs a >=136-byte secret; derive a seed chain from the
  // key instead and hash twice so short keys still spread over 64 bits.
  uint64_t k = XXH3_64bits(key.data(), key.size());
  uint64_t h = XXH3_64bits_withSeed(id.data(), id.size(), k);
  h = XXH3_64bits_withSeed(&h, sizeof(h), k ^ 0x5bd1e9955bd1e995ULL);
  return fmt::format("{:016x}", h);
}

}  // namespace adpilot
