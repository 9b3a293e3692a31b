// Summary statistics of a data file: rows, bad rows, label rate, and per-field
// cardinality and missing share. One streaming pass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/reader.h"

namespace adpilot {

struct Context;

struct FieldStats {
  std::string name;
  uint64_t present = 0;   // rows with a value
  uint64_t missing = 0;   // rows where the field is empty
  uint64_t distinct = 0;  // distinct values (HyperLogLog estimate past 2^16)
  bool numeric = false;
  double min = 0, max = 0, mean = 0;  // numeric fields only
};

struct DataStats {
  std::string file, format;
  uint64_t rows = 0, bad_rows = 0;
  double label_sum = 0, weight_sum = 0;
  double label_rate() const { return weight_sum > 0 ? label_sum / weight_sum : 0; }
  std::vector<FieldStats> fields;
  std::vector<std::string> bad_examples;
  double seconds = 0;
  uint64_t bytes = 0;
};

DataStats ComputeStats(const std::string& path, const ReaderOptions& opts, const Context& ctx);
void to_json(nlohmann::json& j, const DataStats& s);

}  // namespace adpilot
