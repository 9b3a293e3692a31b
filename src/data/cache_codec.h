// Byte layout of the hashed-dataset cache (docs/formats.d/10-data.md), kept
// apart from the dataset logic so the format lives in one place.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "adpilot/container.h"
#include "adpilot/record.h"

namespace adpilot::data {

// Version 1 was hand-framed (header, blocks, footer); CacheFile still reads it.
inline constexpr ContainerFormat kCacheFile{"ADPCACHE", "adpilot dataset cache", 2, 2};
inline constexpr uint64_t kBlockExamples = 4096;
inline constexpr size_t kBlockBytes = 4u << 20;

struct BlockHeader {
  uint32_t bytes;
  uint32_t examples;
  uint64_t checksum;
};

// The payload of a container cache: blocks, the end marker, then the counts
// (kCountsBytes), which a reader needs before its first pass.
void WriteBlock(ContainerWriter& w, const std::string& payload, uint32_t examples);
// Writes the end-of-blocks marker and the counts.
void WriteCacheEnd(ContainerWriter& w, uint64_t rows, uint64_t bad_rows);

// An open cache of either version, read one block at a time.
class CacheFile {
 public:
  // nullptr when the file cannot be opened; kCorruption when it is not a
  // valid cache (magic, version, header, counts).
  static std::unique_ptr<CacheFile> Open(const std::string& path);
  ~CacheFile();
  CacheFile(const CacheFile&) = delete;
  CacheFile& operator=(const CacheFile&) = delete;

  const nlohmann::json& header() const { return header_; }
  uint64_t rows() const { return rows_; }
  uint64_t bad_rows() const { return bad_rows_; }
  // Reads and verifies the next block; false at the end marker, where a
  // container cache's whole-file checksum has been checked. Throws kCorruption.
  bool ReadBlock(std::string& payload, uint32_t& examples);
  // Back to the first block.
  void Rewind();

 private:
  explicit CacheFile(std::string path) : path_(std::move(path)) {}
  void OpenV1();
  void OpenContainer();
  void Read(void* buf, size_t n, const char* what);

  std::string path_;
  nlohmann::json header_;
  uint64_t rows_ = 0, bad_rows_ = 0;
  std::unique_ptr<ContainerReader> container_;
  FILE* v1_ = nullptr;  // a version 1 cache
  size_t v1_data_offset_ = 0;
};

void EncodeExample(const Example& ex, std::string& out);
// Decodes one example at `pos` (advanced). Throws kCorruption past the end.
void DecodeExample(const std::string& in, size_t& pos, Example& ex, const std::string& path);

}  // namespace adpilot::data
