#include "adpilot/profile_store.h"

#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>

#include "adpilot/atomic_file.h"
#include "adpilot/container.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/text.h"

namespace adpilot {
namespace {

constexpr ContainerFormat kProfileFile{"ADPPROF1", "adpilot profile file", ProfileStore::kVersion, 2};

struct Frame {  // NOLINT(bugprone-exception-escape): json's implicit move does not throw
  uint64_t dim = 0, rows = 0;
  bool normalized = false;
  nlohmann::json meta;
  std::string_view data;  // rows x dim float32
};

// magic | u32 1 | u32 dim | u64 rows | u32 flags | u32 M | meta JSON | floats | u64 XXH3 of all before.
Frame ReadV1(std::string_view b, const std::string& path) {
  auto corrupt = [&](const std::string& why) { Throw(ErrorCode::kCorruption, "{}: {}", path, why); };
  if (b.size() < 40) corrupt(fmt::format("truncated profile file ({} bytes)", b.size()));
  size_t off = 12;
  auto get = [&](auto& v) {
    std::memcpy(&v, b.data() + off, sizeof(v));
    off += sizeof(v);
  };
  uint32_t dim, flags, meta_len;
  uint64_t rows;
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
  if (Hash64(b.substr(0, b.size() - 8)) != sum) corrupt("checksum mismatch");
  Frame f{dim, rows, (flags & 1) != 0, nlohmann::json::parse(b.substr(off, meta_len), nullptr, false), {}};
  if (f.meta.is_discarded()) corrupt("metadata is not JSON");
  f.data = b.substr(off + meta_len, rows * dim * 4);
  return f;
}

Frame ReadContainer(std::string_view b, const std::string& path) {
  ContainerView c = DecodeContainer(b, kProfileFile, path);
  Frame f;
  try {
    auto j = nlohmann::json::parse(c.config);
    f.dim = j.at("dim").get<uint64_t>();
    f.rows = j.at("rows").get<uint64_t>();
    f.normalized = j.at("normalized").get<bool>();
    f.meta = j.at("meta");
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: bad profile header: {}", path, e.what());
  }
  if (f.dim > (1u << 20) || (f.dim && f.rows > c.payload.size() / 4 / f.dim) || f.rows * f.dim * 4 != c.payload.size())
    Throw(ErrorCode::kCorruption, "{}: {} rows of {} floats but {} bytes of vectors", path, f.rows, f.dim,
          c.payload.size());
  f.data = c.payload;
  return f;
}

}  // namespace

ProfileStore::ProfileStore(size_t dim, std::vector<std::string> user_ids, std::vector<float> data,
                           std::vector<uint32_t> text_counts, bool normalized, nlohmann::json meta)
    : dim_(dim),
      ids_(std::move(user_ids)),
      data_(std::move(data)),
      counts_(std::move(text_counts)),
      normalized_(normalized),
      meta_(std::move(meta)) {
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
  nlohmann::json config = {{"dim", dim_},
                           {"rows", ids_.size()},
                           {"normalized", normalized_},
                           {"meta", meta_.is_null() ? nlohmann::json::object() : meta_}};
  WriteContainer(path, kProfileFile, config.dump(),
                 std::string_view(reinterpret_cast<const char*>(data_.data()), data_.size() * sizeof(float)));
  std::string idx = "row\tuser_id\ttexts\n";
  for (size_t i = 0; i < ids_.size(); ++i)
    idx += std::to_string(i) + "\t" + ids_[i] + "\t" + std::to_string(text_count(i)) + "\n";
  WriteFileAtomic(path + ".index", idx);
}

ProfileStore ProfileStore::Load(const std::string& path) {
  if (!std::filesystem::exists(path)) Throw(ErrorCode::kNotFound, "{}: no such profile file", path);
  std::string b = ReadFile(path);
  Frame f =
      ContainerVersion(b, kProfileFile, path) < kProfileFile.first_version ? ReadV1(b, path) : ReadContainer(b, path);
  std::vector<float> data(f.rows * f.dim);
  std::memcpy(data.data(), f.data.data(), f.data.size());

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
  if (ids.size() != f.rows)
    Throw(ErrorCode::kCorruption, "{}: {} users but {} has {} rows", ipath, ids.size(), path, f.rows);
  return ProfileStore(f.dim, std::move(ids), std::move(data), std::move(counts), f.normalized, std::move(f.meta));
}

}  // namespace adpilot
