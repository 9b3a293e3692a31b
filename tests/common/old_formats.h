// The version 1 layouts adpilot wrote before its files moved into the
// container (adpilot/container.h), written here as the old code wrote them,
// so that tests can check that files from older builds still load. Each takes
// the parts of a current file (SplitContainer), which hold the same content.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "adpilot/hash.h"

namespace adpilot::testing::v1 {

template <typename T>
void Put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

struct Parts {
  std::string config, payload;
};

// Config and payload of a container image (no checks: the tests' own files).
inline Parts SplitContainer(const std::string& b) {
  uint32_t c = 0;
  std::memcpy(&c, b.data() + 12, 4);
  return {b.substr(16, c), b.substr(24 + c, b.size() - 24 - c - 16)};
}

// "ADPMODEL" | u32 1 | u32 flags | u64 C | config | u64 S | state | XXH3 of all before.
inline std::string ModelFile(std::string_view config, std::string_view state) {
  std::string b = "ADPMODEL";
  Put(b, uint32_t(1));
  Put(b, uint32_t(0));
  Put(b, uint64_t(config.size()));
  b += config;
  Put(b, uint64_t(state.size()));
  b += state;
  Put(b, Hash64(b));
  return b;
}

// "ADPMMM\0\0" | u32 1 | u64 J | JSON | u64 rows | u64 cols | draws | XXH3 of all before.
inline std::string MmmFile(std::string_view json, std::string_view draws) {
  std::string b("ADPMMM\0\0", 8);
  Put(b, uint32_t(1));
  Put(b, uint64_t(json.size()));
  b += json;
  b += draws;
  Put(b, Hash64(b));
  return b;
}

// "APBIDPOL" | u32 1 | u64 n | JSON | XXH3 of the JSON.
inline std::string PolicyFile(std::string_view json) {
  std::string b = "APBIDPOL";
  Put(b, uint32_t(1));
  Put(b, uint64_t(json.size()));
  b += json;
  Put(b, Hash64(json));
  return b;
}

// "ADPPROF1" | u32 1 | u32 dim | u64 rows | u32 flags | u32 M | meta | floats | XXH3 of all before.
inline std::string ProfileFile(uint32_t dim, uint64_t rows, bool normalized, std::string_view meta,
                               std::string_view floats) {
  std::string b = "ADPPROF1";
  Put(b, uint32_t(1));
  Put(b, dim);
  Put(b, rows);
  Put(b, uint32_t(normalized ? 1 : 0));
  Put(b, uint32_t(meta.size()));
  b += meta;
  b += floats;
  Put(b, Hash64(b));
  return b;
}

// "ADPCACHE" | u32 1 | u32 H | header | XXH3(header) | blocks, end marker | rows,
// bad rows, their checksum | "ADPCEND1". The container's payload is the part
// from the blocks to the checksum of the counts.
inline std::string CacheFile(std::string_view header, std::string_view payload) {
  std::string b = "ADPCACHE";
  Put(b, uint32_t(1));
  Put(b, uint32_t(header.size()));
  b += header;
  Put(b, Hash64(header));
  b += payload;
  b += "ADPCEND1";
  return b;
}

}  // namespace adpilot::testing::v1
