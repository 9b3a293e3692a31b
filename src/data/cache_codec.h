// Byte layout of the hashed-dataset cache (docs/formats.d/10-data.md), kept
// apart from the dataset logic so the format lives in one place.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/record.h"

namespace adpilot::data {

inline constexpr char kCacheMagic[8] = {'A', 'D', 'P', 'C', 'A', 'C', 'H', 'E'};
inline constexpr char kFooterMagic[8] = {'A', 'D', 'P', 'C', 'E', 'N', 'D', '1'};
inline constexpr uint32_t kCacheVersion = 1;
inline constexpr uint64_t kBlockExamples = 4096;
inline constexpr size_t kBlockBytes = 4u << 20;
inline constexpr size_t kFooterBytes = 32;

struct BlockHeader {
  uint32_t bytes;
  uint32_t examples;
  uint64_t checksum;
};

void WriteCacheHeader(AtomicFileWriter& w, const std::string& header_json);
void WriteBlock(AtomicFileWriter& w, const std::string& payload, uint32_t examples);
// Writes the end-of-blocks marker and the footer.
void WriteCacheFooter(AtomicFileWriter& w, uint64_t rows, uint64_t bad_rows);

// Checks magic, version, header checksum and footer; fills the header, the
// offset of the first block and the footer counts. Throws kCorruption.
void ReadCacheFrame(FILE* f, const std::string& path, nlohmann::json& header, size_t& data_offset,
                    uint64_t& rows, uint64_t& bad_rows);
// Reads and verifies the next block; false at the end marker. Throws kCorruption.
bool ReadBlock(FILE* f, const std::string& path, std::string& payload, uint32_t& examples);

void EncodeExample(const Example& ex, std::string& out);
// Decodes one example at `pos` (advanced). Throws kCorruption past the end.
void DecodeExample(const std::string& in, size_t& pos, Example& ex, const std::string& path);

}  // namespace adpilot::data
