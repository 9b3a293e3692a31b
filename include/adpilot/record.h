// The two shapes data takes inside adpilot: a RawRecord straight from a reader
// (tokens still strings, views into the reader's buffer) and an Example after
// feature hashing (field, bucket, value), which every model trains on.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace adpilot {

enum class FieldKind : uint8_t { kNumeric, kCategorical, kMultiCategorical, kText };

struct Schema {
  std::vector<std::string> fields;  // field names, index = field id
  std::vector<FieldKind> kinds;     // same length as fields
  int FieldIndex(std::string_view name) const {
    for (size_t i = 0; i < fields.size(); ++i)
      if (fields[i] == name) return int(i);
    return -1;
  }
  void Add(std::string name, FieldKind kind) {
    fields.push_back(std::move(name));
    kinds.push_back(kind);
  }
};

struct RawFeature {
  uint32_t field = 0;
  // Categorical value or feature name; empty for a plain numeric field.
  std::string_view token;
  // Numeric value, or the weight of a categorical/named feature (1 by default).
  double value = 1.0;
  bool numeric = false;
  // The field is present in the schema but empty in this row.
  bool missing = false;
};

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One parsed row. Views stay valid until the reader's next Next().
struct RawRecord {
  double label = 0;
  double weight = 1;
  std::vector<RawFeature> features;
  std::string_view user_id;  // may be empty (pseudonymised when configured)
  // Auction fields where the format carries them (NaN otherwise).
  double market_price = kNaN;  // price paid by the winner (second price)
  double bid_price = kNaN;
  double pctr = kNaN;        // a given pCTR (RLB streams, true_pctr in worlds)
  double conversion = kNaN;  // conversion label where present
  int64_t timestamp = 0;
  uint64_t line = 0;  // source line number
  void Clear() {
    label = 0;
    weight = 1;
    features.clear();
    user_id = {};
    market_price = bid_price = pctr = conversion = kNaN;
    timestamp = 0;
  }
};

struct Feature {
  uint32_t field;  // field id (crosses get ids after the schema's fields)
  uint32_t index;  // hashed bucket in [0, 2^bits)
  float value;
};

struct Example {
  float label = 0;
  float weight = 1;
  std::vector<Feature> features;
  float market_price = std::numeric_limits<float>::quiet_NaN();
  float pctr = std::numeric_limits<float>::quiet_NaN();
  float conversion = std::numeric_limits<float>::quiet_NaN();
  std::string user_id;
};

}  // namespace adpilot
