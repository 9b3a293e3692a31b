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

constexpr char kV1FooterMagic[8] = {'A', 'D', 'P', 'C', 'E', 'N', 'D', '1'};
constexpr size_t kV1FooterBytes = 32;

uint64_t CountsChecksum(uint64_t rows, uint64_t bad) {
  uint64_t v[2] = {rows, bad};
  return Hash64(v, sizeof v, 0xadc);
}

}  // namespace

void WriteBlock(ContainerWriter& w, const std::string& payload, uint32_t examples) {
  BlockHeader b{uint32_t(payload.size()), examples, Hash64(payload)};
  w.WritePod(b);
  w.Write(payload);
}

void WriteCacheEnd(ContainerWriter& w, uint64_t rows, uint64_t bad_rows) {
  w.WritePod(BlockHeader{0, 0, 0});
  uint64_t counts[3] = {rows, bad_rows, CountsChecksum(rows, bad_rows)};
  w.Write(counts, sizeof counts);
}

std::unique_ptr<CacheFile> CacheFile::Open(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return nullptr;
  std::unique_ptr<CacheFile> c(new CacheFile(path));
  c->v1_ = f;  // closed by ~CacheFile on every way out
  char head[12];
  size_t got = std::fread(head, 1, sizeof head, f);
  if (ContainerVersion(std::string_view(head, got), kCacheFile, path) < kCacheFile.first_version) {
    c->OpenV1();
    return c;
  }
  std::fclose(f);
  c->v1_ = nullptr;
  c->OpenContainer();
  return c;
}

CacheFile::~CacheFile() {
  if (v1_) std::fclose(v1_);
}

void CacheFile::OpenContainer() {
  container_ = std::make_unique<ContainerReader>(path_, kCacheFile);
  header_ = nlohmann::json::parse(container_->config(), nullptr, false);
  if (header_.is_discarded() || !header_.is_object())
    Throw(ErrorCode::kCorruption, "{}: cache header is not a JSON object", path_);
  uint64_t counts[3];
  if (container_->payload_size() < sizeof(BlockHeader) + sizeof counts)
    Throw(ErrorCode::kCorruption, "{}: cache without its end marker and counts; delete it to rebuild", path_);
  container_->ReadAt(container_->payload_size() - sizeof counts, counts, sizeof counts, "row counts");
  if (counts[2] != CountsChecksum(counts[0], counts[1]))
    Throw(ErrorCode::kCorruption, "{}: damaged cache (bad row counts); delete it to rebuild", path_);
  rows_ = counts[0];
  bad_rows_ = counts[1];
}

// magic | u32 1 | u32 H | header JSON | u64 XXH3(JSON) | blocks, end marker |
// u64 rows | u64 bad rows | u64 counts checksum | "ADPCEND1".
void CacheFile::OpenV1() {
  FILE* f = v1_;
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path_, ec);
  uint32_t len = 0;
  std::fseek(f, 12, SEEK_SET);
  ReadExact(f, &len, 4, path_, "header length");
  if (uint64_t(len) + 24 + kV1FooterBytes + sizeof(BlockHeader) > size)
    Throw(ErrorCode::kCorruption, "{}: truncated cache (header of {} bytes in a {}-byte file)", path_, len, size);
  std::string hj(len, '\0');
  ReadExact(f, hj.data(), len, path_, "header");
  uint64_t sum = 0;
  ReadExact(f, &sum, 8, path_, "header checksum");
  if (sum != Hash64(hj)) Throw(ErrorCode::kCorruption, "{}: cache header checksum mismatch", path_);
  header_ = nlohmann::json::parse(hj, nullptr, false);
  if (header_.is_discarded() || !header_.is_object())
    Throw(ErrorCode::kCorruption, "{}: cache header is not a JSON object", path_);
  v1_data_offset_ = 16 + len + 8;
  std::fseek(f, long(size - kV1FooterBytes), SEEK_SET);
  uint64_t footer[3];
  char end[8];
  ReadExact(f, footer, sizeof footer, path_, "footer");
  ReadExact(f, end, 8, path_, "footer");
  if (std::memcmp(end, kV1FooterMagic, 8) != 0 || footer[2] != CountsChecksum(footer[0], footer[1]))
    Throw(ErrorCode::kCorruption, "{}: truncated or damaged cache (bad footer); delete it to rebuild", path_);
  rows_ = footer[0];
  bad_rows_ = footer[1];
  Rewind();
}

void CacheFile::Read(void* buf, size_t n, const char* what) {
  if (container_) container_->Read(buf, n, what);
  else ReadExact(v1_, buf, n, path_, what);
}

void CacheFile::Rewind() {
  if (container_) container_->Rewind();
  else std::fseek(v1_, long(v1_data_offset_), SEEK_SET);
}

bool CacheFile::ReadBlock(std::string& payload, uint32_t& examples) {
  BlockHeader b;
  Read(&b, sizeof b, "block header");
  if (b.bytes == 0 && b.examples == 0) {
    if (container_) {  // the counts, already checked: reading them completes the file checksum
      uint64_t counts[3];
      if (container_->remaining() != sizeof counts)
        Throw(ErrorCode::kCorruption, "{}: {} bytes after the cache's end marker; delete it to rebuild", path_,
              container_->remaining());
      Read(counts, sizeof counts, "row counts");
    }
    return false;
  }
  if (b.bytes > (256u << 20) || b.examples == 0 || (container_ && b.bytes > container_->remaining()))
    Throw(ErrorCode::kCorruption, "{}: implausible cache block ({} bytes, {} examples)", path_, b.bytes, b.examples);
  payload.resize(b.bytes);
  Read(payload.data(), b.bytes, "block");
  if (Hash64(payload) != b.checksum) Throw(ErrorCode::kCorruption, "{}: cache block checksum mismatch", path_);
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
  // An example without features leaves data() null, not valid for memcpy (found by tests/fuzz/fuzz_cache).
  if (n) std::memcpy(ex.features.data(), in.data() + pos, n * sizeof(Feature));
  pos += n * sizeof(Feature);
}

}  // namespace adpilot::data
