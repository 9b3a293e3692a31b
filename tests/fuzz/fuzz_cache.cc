// libFuzzer target for the hashed-dataset cache loader (cache.h). At start-up
// the harness writes a small Criteo file and lets OpenHashedDataset cache it;
// each input then replaces that cache. The input is the cache's header JSON
// (the container's config), the separator "\nADPBLK\n", then the payload: the
// blocks, the end marker and the 24 bytes of counts. The harness keeps the
// fuzzed cache "fresh" (the header's source path, size and mtime are set to
// the real file's, as a cache written on another machine would not be),
// rewrites the block and counts checksums and frames the result as a
// container (current version), so that
// mutations reach the header parsing, block decoding and example checks
// rather than the staleness test or a checksum. Format: docs/formats.md.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "adpilot/cache.h"
#include "adpilot/container.h"
#include "adpilot/context.h"
#include "adpilot/hash.h"
#include "data/cache_codec.h"
#include "fuzz_fixtures.h"
#include "fuzz_util.h"

using namespace adpilot;
namespace fs = std::filesystem;

namespace {

struct Setup {
  std::string source, dir, cache;
  nlohmann::json header;  // of the genuine cache: the keys that make it fresh
};

const Setup& GetSetup() {
  static const Setup s = [] {
    Setup s;
    s.source = fuzz::TempPath("cache-src.tsv");
    s.dir = fuzz::TempPath("cache");
    fs::create_directories(s.dir);
    fuzz::WriteFile(s.source, fuzz::CriteoRows());
    auto ds = OpenHashedDataset(s.source, fuzz::CacheReaderOptions(), fuzz::CacheFeatures(), Context::Default(), s.dir);
    Example ex;
    while (ds->Next(ex)) {}
    s.cache = ds->cache_path();
    std::string bytes = fuzz::ReadFile(s.cache);
    uint32_t len = 0;
    std::memcpy(&len, bytes.data() + 12, 4);
    s.header = nlohmann::json::parse(bytes.substr(16, len));
    return s;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Setup& s = GetSetup();
  std::string_view in = fuzz::AsView(data, size);
  constexpr std::string_view kSep = "\nADPBLK\n";
  size_t cut = in.find(kSep);
  std::string header(in.substr(0, cut));
  std::string rest(cut == std::string_view::npos ? std::string_view() : in.substr(cut + kSep.size()));
  nlohmann::json h = nlohmann::json::parse(header, nullptr, false);
  if (h.is_object()) {
    for (const char* k : {"source_path", "source_size", "source_mtime_ns"})
      if (h.contains(k)) h[k] = s.header[k];
    header = h.dump();
  }
  // Blocks: u32 bytes, u32 examples, u64 checksum, payload; a zero header ends them.
  size_t pos = 0;
  while (rest.size() - pos >= 16 + 32) {
    uint32_t bytes, examples;
    std::memcpy(&bytes, rest.data() + pos, 4);
    std::memcpy(&examples, rest.data() + pos + 4, 4);
    if ((bytes == 0 && examples == 0) || bytes > rest.size() - pos - 16) break;
    uint64_t sum = Hash64(std::string_view(rest).substr(pos + 16, bytes));
    std::memcpy(rest.data() + pos + 8, &sum, 8);
    pos += 16 + bytes;
  }
  if (rest.size() >= 24) {  // counts: rows, bad rows, checksum of both
    uint64_t counts[2];
    std::memcpy(counts, rest.data() + rest.size() - 24, 16);
    uint64_t sum = Hash64(counts, sizeof counts, 0xadc);
    std::memcpy(rest.data() + rest.size() - 8, &sum, 8);
  }
  fuzz::WriteFile(s.cache, EncodeContainer(adpilot::data::kCacheFile, header, rest));
  fuzz::Refusable([&] {
    auto ds = OpenHashedDataset(s.source, fuzz::CacheReaderOptions(), fuzz::CacheFeatures(), Context::Default(), s.dir);
    Example ex;
    const FeatureHasher& hs = ds->hasher();
    for (int pass = 0; pass < 2; ++pass, ds->Rewind())
      while (ds->Next(ex))
        for (const auto& f : ex.features)  // what every model indexes its tables with
          if (f.index > hs.mask() || f.field >= uint32_t(hs.num_fields())) __builtin_trap();
  });
  // A cache that failed its checks may have been replaced by a rebuilt one:
  // start each input from the same files.
  return 0;
}
