// The one binary framing of adpilot's own files (models, caches, policies,
// profile stores; docs/formats.md, "Container"):
//
//   magic[8] | u32 version | u32 C | config[C] | u64 XXH3-64 of bytes [0, 16+C)
//   | payload[P] | u64 P | u64 XXH3-64 of every byte before it
//
// The config (JSON or text) is checked on its own, so a reader can decide from
// it (a stale cache, say) without reading a large payload; the payload length
// sits after the payload, so a writer can stream a payload of unknown size.
// Every check that fails throws kCorruption naming the file and what is wrong.
//
// Versions below a format's first_version predate the container: each format
// keeps its own small reader for those, behind ContainerVersion().
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "adpilot/atomic_file.h"

namespace adpilot {

namespace detail {
struct StreamHash;  // XXH3-64 state, kept out of this header
}

struct ContainerFormat {
  std::string_view magic;  // exactly 8 bytes
  std::string_view what;   // names the kind in messages: "adpilot model file"
  uint32_t version;        // what this build writes, and the newest it reads
  uint32_t first_version;  // the oldest version framed as a container
};

inline constexpr size_t kContainerHeadBytes = 16;  // magic, version, C
inline constexpr size_t kContainerOverhead = kContainerHeadBytes + 8 + 16;

// Where config and payload lie in a checked container image.
struct ContainerView {
  uint32_t version = 0;
  std::string_view config, payload;
};

std::string EncodeContainer(const ContainerFormat& fmt, std::string_view config, std::string_view payload);
void WriteContainer(const std::string& path, const ContainerFormat& fmt, std::string_view config,
                    std::string_view payload);

// Checks the magic and that the version is neither 0 nor newer than
// fmt.version; returns the version. `name` (the file) goes in messages.
uint32_t ContainerVersion(std::string_view bytes, const ContainerFormat& fmt, const std::string& name);
// Checks everything: magic, version in [first_version, version], lengths
// against the image's size, both checksums. The views point into `bytes`.
ContainerView DecodeContainer(std::string_view bytes, const ContainerFormat& fmt, const std::string& name);

// Streams a payload of unknown length into a new file, written atomically.
// REQUIRES: Commit() once the payload is complete; else the target is untouched.
class ContainerWriter {
 public:
  ContainerWriter(std::string path, const ContainerFormat& fmt, std::string_view config);
  ~ContainerWriter();
  ContainerWriter(const ContainerWriter&) = delete;
  ContainerWriter& operator=(const ContainerWriter&) = delete;

  void Write(const void* data, size_t n);
  void Write(std::string_view s) { Write(s.data(), s.size()); }
  template <typename T>
  void WritePod(const T& v) {
    Write(&v, sizeof(T));
  }
  void Commit();

 private:
  AtomicFileWriter file_;
  std::unique_ptr<detail::StreamHash> hash_;
  uint64_t payload_bytes_ = 0;
};

// Reads a payload in order without holding it in memory. Opening checks the
// magic, version, config checksum and that the lengths add up to the file
// size; the whole-file checksum is checked when the last payload byte has been
// read, so a damaged payload fails by the end of every complete pass.
class ContainerReader {
 public:
  // Versions below fmt.first_version are refused: call ContainerVersion first.
  ContainerReader(std::string path, const ContainerFormat& fmt);
  ~ContainerReader();
  ContainerReader(const ContainerReader&) = delete;
  ContainerReader& operator=(const ContainerReader&) = delete;

  uint32_t version() const { return version_; }
  const std::string& config() const { return config_; }
  uint64_t payload_size() const { return payload_size_; }
  uint64_t remaining() const { return payload_size_ - pos_; }
  const std::string& path() const { return path_; }

  // The next n payload bytes; kCorruption naming `what` if fewer are left.
  void Read(void* data, size_t n, const char* what);
  // Bytes at a payload offset, leaving the stream where it is. Not covered
  // by a checksum until a pass has read them: check them yourself.
  void ReadAt(uint64_t offset, void* data, size_t n, const char* what);
  // Back to the first payload byte (a new pass).
  void Rewind();

 private:
  std::string path_, what_;
  FILE* f_ = nullptr;
  uint32_t version_ = 0;
  std::string config_;
  uint64_t payload_offset_ = 0, payload_size_ = 0, pos_ = 0, checksum_ = 0;
  std::unique_ptr<detail::StreamHash> hash_, after_config_;
};

}  // namespace adpilot
