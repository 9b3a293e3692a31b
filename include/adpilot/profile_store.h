// User-profile vectors on disk, joinable by user id from any stage.
//
// FILE: a container (adpilot/container.h, magic "ADPPROF1", version 2) whose
//   config is {"dim", "rows", "normalized" (rows L2-normalised), "meta" (JSON
//   metadata: encoder, model, pooling, ...)} and whose payload is rows x dim
//   float32, row-major. Version 1 files (hand-framed) still load.
// FILE.index (text): header "row<TAB>user_id<TAB>texts", then one line per row.
// A zero row is a user with no text. Loading checks magic, version, sizes and
// checksum: a corrupt, truncated or newer file is a kCorruption error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace adpilot {

class ProfileStore {
 public:
  static constexpr uint32_t kVersion = 2;

  ProfileStore() = default;
  ProfileStore(size_t dim, std::vector<std::string> user_ids, std::vector<float> data,
               std::vector<uint32_t> text_counts = {}, bool normalized = false, nlohmann::json meta = {});

  static ProfileStore Load(const std::string& path);
  // Writes FILE and FILE.index atomically.
  void Save(const std::string& path) const;

  size_t size() const { return ids_.size(); }
  size_t dim() const { return dim_; }
  bool normalized() const { return normalized_; }
  const nlohmann::json& meta() const { return meta_; }
  const std::vector<std::string>& user_ids() const { return ids_; }
  const float* row(size_t i) const { return data_.data() + i * dim_; }
  uint32_t text_count(size_t i) const { return counts_.empty() ? 0 : counts_[i]; }
  // Row of a user id, or -1.
  int64_t Find(std::string_view user_id) const;
  // The user's vector, or nullptr when unknown.
  const float* Get(std::string_view user_id) const {
    int64_t r = Find(user_id);
    return r < 0 ? nullptr : row(size_t(r));
  }
  const std::vector<float>& data() const { return data_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  size_t dim_ = 0;
  std::vector<std::string> ids_;
  std::vector<float> data_;
  std::vector<uint32_t> counts_;
  bool normalized_ = false;
  nlohmann::json meta_;
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> index_;
};

}  // namespace adpilot
