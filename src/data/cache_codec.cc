#include "data/cache_codec.h"

#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "adpilot/hash.h"

namespace adpilot::data {
namespace {

template <typename T>
void Put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
T Get(const std::string& in, size_t& pos, const std::string& path) {
  if (pos + sizeof(T) > in.size()) Throw(ErrorCode::kCorruption, "{}: block ends inside an example", path);
  T v;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return v;
}

void ReadExact(FILE* f, void* buf, size_t n, const std::string& path, const char* what) {
  if (std::fread(buf, 1, n, f) != n)
    Throw(ErrorCode::kCorruption, "{}: truncated cache ({}); delete it to rebuild", path, what);
}

uint64_t FooterChecksum(uint64_t rows, uint64_t bad) {
  uint64_t v[2] = {rows, bad};
  return Hash64(v, sizeof v, 0xadc);
}

}  // namespace

void WriteCacheHeader(AtomicFileWriter& w, const std::string& header_json) {
  w.Write(kCacheMagic, 8);
  w.WritePod(kCacheVersion);
  w.WritePod(uint32_t(header_json.size()));
  w.Write(header_json);
  w.WritePod(Hash64(header_json));
}

void WriteBlock(AtomicFileWriter& w, const std::string& payload, uint32_t examples) {
  BlockHeader b{uint32_t(payload.size()), examples, Hash64(payload)};
  w.WritePod(b);
  w.Write(payload);
}

void WriteCacheFooter(AtomicFileWriter& w, uint64_t rows, uint64_t bad_rows) {
  w.WritePod(BlockHeader{0, 0, 0});
  w.WritePod(rows);
  w.WritePod(bad_rows);
  w.WritePod(FooterChecksum(rows, bad_rows));
  w.Write(kFooterMagic, 8);
}

void ReadCacheFrame(FILE* f, const std::string& path, nlohmann::json& header, size_t& data_offset,
                    uint64_t& rows, uint64_t& bad_rows) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  char magic[8];
  ReadExact(f, magic, 8, path, "magic");
  if (std::memcmp(magic, kCacheMagic, 8) != 0)
    Throw(ErrorCode::kCorruption, "{}: not an adpilot dataset cache (bad magic)", path);
  uint32_t version = 0, len = 0;
  ReadExact(f, &version, 4, path, "version");
  if (version > kCacheVersion)
    Throw(ErrorCode::kCorruption, "{}: cache format version {} is newer than this build's {}", path,
          version, kCacheVersion);
  if (version == 0) Throw(ErrorCode::kCorruption, "{}: cache format version 0 is invalid", path);
  ReadExact(f, &len, 4, path, "header length");
  if (uint64_t(len) + 24 + kFooterBytes + sizeof(BlockHeader) > size)
    Throw(ErrorCode::kCorruption, "{}: truncated cache (header of {} bytes in a {}-byte file)", path, len, size);
  std::string hj(len, '\0');
  ReadExact(f, hj.data(), len, path, "header");
  uint64_t sum = 0;
  ReadExact(f, &sum, 8, path, "header checksum");
  if (sum != Hash64(hj)) Throw(ErrorCode::kCorruption, "{}: cache header checksum mismatch", path);
  header = nlohmann::json::parse(hj, nullptr, false);
  if (header.is_discarded() || !header.is_object())
    Throw(ErrorCode::kCorruption, "{}: cache header is not a JSON object", path);
  data_offset = 16 + len + 8;
  std::fseek(f, long(size - kFooterBytes), SEEK_SET);
  uint64_t footer[3];
  char end[8];
  ReadExact(f, footer, sizeof footer, path, "footer");
  ReadExact(f, end, 8, path, "footer");
  if (std::memcmp(end, kFooterMagic, 8) != 0 || footer[2] != FooterChecksum(footer[0], footer[1]))
    Throw(ErrorCode::kCorruption, "{}: truncated or damaged cache (bad footer); delete it to rebuild", path);
  rows = footer[0];
  bad_rows = footer[1];
}

bool ReadBlock(FILE* f, const std::string& path, std::string& payload, uint32_t& examples) {
  BlockHeader b;
  ReadExact(f, &b, sizeof b, path, "block header");
  if (b.bytes == 0 && b.examples == 0) return false;
  if (b.bytes > (256u << 20) || b.examples == 0)
    Throw(ErrorCode::kCorruption, "{}: implausible cache block ({} bytes, {} examples)", path, b.bytes, b.examples);
  payload.resize(b.bytes);
  ReadExact(f, payload.data(), b.bytes, path, "block");
  if (Hash64(payload) != b.checksum) Throw(ErrorCode::kCorruption, "{}: cache block checksum mismatch", path);
  examples = b.examples;
  return true;
}

void EncodeExample(const Example& ex, std::string& out) {
  Put(out, ex.label);
  Put(out, ex.weight);
  Put(out, ex.market_price);
  Put(out, ex.pctr);
  Put(out, ex.conversion);
  Put(out, uint32_t(ex.user_id.size()));
  out.append(ex.user_id);
  Put(out, uint32_t(ex.features.size()));
  out.append(reinterpret_cast<const char*>(ex.features.data()), ex.features.size() * sizeof(Feature));
}

void DecodeExample(const std::string& in, size_t& pos, Example& ex, const std::string& path) {
  ex.label = Get<float>(in, pos, path);
  ex.weight = Get<float>(in, pos, path);
  ex.market_price = Get<float>(in, pos, path);
  ex.pctr = Get<float>(in, pos, path);
  ex.conversion = Get<float>(in, pos, path);
  uint32_t ulen = Get<uint32_t>(in, pos, path);
  if (pos + ulen > in.size()) Throw(ErrorCode::kCorruption, "{}: block ends inside an example", path);
  ex.user_id.assign(in.data() + pos, ulen);
  pos += ulen;
  uint32_t n = Get<uint32_t>(in, pos, path);
  if (pos + uint64_t(n) * sizeof(Feature) > in.size())
    Throw(ErrorCode::kCorruption, "{}: block ends inside an example", path);
  ex.features.resize(n);
  std::memcpy(ex.features.data(), in.data() + pos, n * sizeof(Feature));
  pos += n * sizeof(Feature);
}

}  // namespace adpilot::data
