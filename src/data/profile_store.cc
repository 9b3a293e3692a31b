#include "adpilot/profile_store.h"

#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/text.h"

namespace adpilot {
namespace {
constexpr char kMagic[8] = {'A', 'D', 'P', 'P', 'R', 'O', 'F', '1'};
}

ProfileStore::ProfileStore(size_t dim, std::vector<std::string> user_ids, std::vector<float> data,
                           std::vector<uint32_t> text_counts, bool normalized, nlohmann::json meta)
    : dim_(dim), ids_(std::move(user_ids)), data_(std::move(data)), counts_(std::move(text_counts)),
      normalized_(normalized), meta_(std::move(meta)) {
  ADP_CHECK(data_.size() == ids_.size() * dim_);
  ADP_CHECK(counts_.empty() || counts_.size() == ids_.size());
  for (size_t i = 0; i < ids_.size(); ++i)
    if (!index_.emplace(ids_[i], i).second)
      Throw(ErrorCode::kInvalidArgument, "profile store: duplicate user id '{}'", ids_[i]);
}

int64_t ProfileStore::Find(std::string_view user_id) const {
  auto it = index_.find(user_id);
  return it == index_.end() ? -1 : int64_t(it->second);
}

void ProfileStore::Save(const std::string& path) const {
  std::string meta = meta_.is_null() ? "{}" : meta_.dump();
  std::string buf(kMagic, 8);
  auto put = [&](const auto& v) { buf.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
  put(kVersion);
  put(uint32_t(dim_));
  put(uint64_t(ids_.size()));
  put(uint32_t(normalized_ ? 1 : 0));
  put(uint32_t(meta.size()));
  buf += meta;
  buf.append(reinterpret_cast<const char*>(data_.data()), data_.size() * sizeof(float));
  put(Hash64(buf));
  WriteFileAtomic(path, buf);
  std::string idx = "row\tuser_id\ttexts\n";
  for (size_t i = 0; i < ids_.size(); ++i) idx += std::to_string(i) + "\t" + ids_[i] + "\t" + std::to_string(text_count(i)) + "\n";
  WriteFileAtomic(path + ".index", idx);
}

ProfileStore ProfileStore::Load(const std::string& path) {
  if (!std::filesystem::exists(path)) Throw(ErrorCode::kNotFound, "{}: no such profile file", path);
  std::string b = ReadFile(path);
  auto corrupt = [&](const std::string& why) { Throw(ErrorCode::kCorruption, "{}: {}", path, why); };
  if (b.size() < 40 || std::memcmp(b.data(), kMagic, 8) != 0) corrupt("not an adpilot profile file (bad magic)");
  size_t off = 8;
  auto get = [&](auto& v) {
    std::memcpy(&v, b.data() + off, sizeof(v));
    off += sizeof(v);
  };
  uint32_t version, dim, flags, meta_len;
  uint64_t rows;
  get(version);
  if (version > kVersion) corrupt(fmt::format("format version {} is newer than this build reads ({})", version, kVersion));
  get(dim);
  get(rows);
  get(flags);
  get(meta_len);
  // rows * dim * 4 must not wrap around (found by tests/fuzz/fuzz_profile_store).
  uint64_t want = off + uint64_t(meta_len) + rows * dim * 4 + 8;
  if (rows > (1ull << 40) || (dim && rows > (b.size() / 4) / dim) || b.size() != want)
    corrupt(fmt::format("{} bytes but the header implies {} (truncated?)", b.size(), want));
  uint64_t sum;
  std::memcpy(&sum, b.data() + b.size() - 8, 8);
  if (Hash64(std::string_view(b).substr(0, b.size() - 8)) != sum) corrupt("checksum mismatch");
  nlohmann::json meta = nlohmann::json::parse(b.substr(off, meta_len), nullptr, false);
  if (meta.is_discarded()) corrupt("metadata is not JSON");
  off += meta_len;
  std::vector<float> data(rows * dim);
  std::memcpy(data.data(), b.data() + off, data.size() * 4);

  std::string ipath = path + ".index";
  if (!std::filesystem::exists(ipath)) Throw(ErrorCode::kNotFound, "{}: index file missing", ipath);
  std::istringstream in(ReadFile(ipath));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> ids;
  std::vector<uint32_t> counts;
  while (std::getline(in, line)) {
    size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    // Numbers are parsed without exceptions: a bad index is corruption (found by tests/fuzz).
    std::optional<uint64_t> row;
    std::optional<uint32_t> count;
    std::string_view text = line;
    if (t1 != std::string::npos && t2 != std::string::npos) {
      row = ParseInt<uint64_t>(text.substr(0, t1), {.plus = false});
      count = ParseInt<uint32_t>(text.substr(t2 + 1), {.plus = false});
    }
    if (!row || *row != ids.size() || !count)
      Throw(ErrorCode::kCorruption, "{}:{}: expected row<TAB>user_id<TAB>texts", ipath, ids.size() + 2);
    ids.push_back(line.substr(t1 + 1, t2 - t1 - 1));
    counts.push_back(*count);
  }
  if (ids.size() != rows)
    Throw(ErrorCode::kCorruption, "{}: {} users but {} has {} rows", ipath, ids.size(), path, rows);
  return ProfileStore(dim, std::move(ids), std::move(data), std::move(counts), flags & 1, std::move(meta));
}

}  // namespace adpilot
