// Feature engineering from RawRecord to Example: per-field hashing into 2^bits
// buckets (xxhash), numeric transforms, declared pair crosses (like VW's -q)
// and missing-value tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/record.h"

namespace adpilot {

class OptionSet;
class RecordReader;

struct FeatureConfig {
  // Hash space per model: buckets = 2^bits.
  int bits = 20;
  // Numeric fields: "log" = bucket floor(ln(x)^2) for x > 2 as the Criteo
  // winners did, "raw" = one feature per field carrying the value,
  // "bin" = bucket by the integer value (no log), "quantile" = one bucket per
  // quantile bin, edges fitted on the first `quantile_sample` rows
  // (FitQuantileEdges) and stored with the model/cache so hashing is reproducible.
  std::string numeric = "log";
  int quantile_bins = 16;
  int64_t quantile_sample = 100000;
  // Pair crosses by field names, "C1xC2".
  std::vector<std::string> crosses;
  // Emit a per-field "missing" token instead of dropping a missing value.
  bool missing_token = true;
  uint64_t hash_seed = 0;

  void Describe(OptionSet& opts);
  // Stable digest of the configuration, for cache and model checks.
  uint64_t Digest() const;
};

// Thread-safe after construction (Hash is const).
class FeatureHasher {
 public:
  // Throws kInvalidArgument for an unknown field in a cross or a bad transform.
  FeatureHasher(FeatureConfig config, Schema schema);

  void Hash(const RawRecord& rec, Example& ex) const;

  // Quantile transform: per schema field, sorted bin edges (empty for
  // non-numeric fields). A value v falls in bin upper_bound(edges, v).
  const std::vector<std::vector<double>>& quantile_edges() const { return edges_; }
  void SetQuantileEdges(std::vector<std::vector<double>> edges);
  // Fits edges on up to config.quantile_sample rows of `reader` (consumes them).
  void FitQuantileEdges(RecordReader& reader);
  bool needs_fit() const { return numeric_mode_ == 3 && edges_.empty(); }
  // Config digest plus fitted state (edges): equal digests hash equally.
  uint64_t StateDigest() const;
  // {"config": {...}, "fields": [...], "quantile_edges": [[...], ...]} for model files.
  nlohmann::json StateToJson() const;
  void StateFromJson(const nlohmann::json& j);

  // Schema fields followed by one field per cross.
  int num_fields() const { return int(field_names_.size()); }
  const std::vector<std::string>& field_names() const { return field_names_; }
  uint32_t mask() const { return mask_; }
  const FeatureConfig& config() const { return config_; }
  const Schema& schema() const { return schema_; }

 private:
  FeatureConfig config_;
  Schema schema_;
  std::vector<std::string> field_names_;
  std::vector<std::pair<int, int>> crosses_;
  std::vector<uint64_t> field_seed_;
  uint32_t mask_;
  int numeric_mode_;  // 0 log, 1 raw, 2 bin, 3 quantile
  std::vector<std::vector<double>> edges_;
};

}  // namespace adpilot
