// The declared mapping from bid-request fields to the model's raw fields
// ([features] in the serve config), and the rows the server logs for training.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "adpilot/openrtb.h"
#include "adpilot/record.h"

namespace adpilot::serve {

class FeatureMap {
 public:
  FeatureMap() = default;
  // Throws kInvalidArgument for a model field the schema lacks.
  FeatureMap(const std::map<std::string, std::string>& features, const Schema& schema, const std::string& config_path);

  // Fills rec with the model's fields for one impression; `storage` keeps the
  // token text the record's views point to (one string per schema field).
  void Map(const openrtb::BidRequest& req, const openrtb::Imp& imp, int64_t unix_s, RawRecord& rec,
           std::vector<std::string>& storage) const;
  const Schema& schema() const { return schema_; }
  size_t mapped() const { return sources_.size(); }
  // The request's user.id becomes its keyed pseudonym (adpilot/pseudonym.h).
  void set_pseudonym_key(std::string key) { key_ = std::move(key); }

 private:
  Schema schema_;
  std::vector<std::pair<int, int>> sources_;  // (schema field, request field id)
  std::string key_;
};

// Builds a record from named values ({"C1": "abc", "I1": 3}) for /v1/score.
// Unknown names are errors; numbers and strings are accepted for any field.
struct NamedValue {
  std::string name, text;
  bool is_number = false;
  double number = 0;
};
bool RecordFromNamed(const Schema& schema, const std::vector<NamedValue>& values, RawRecord& rec,
                     std::vector<std::string>& storage, std::string& error);

// "label<TAB>field1<TAB>..." in schema order: for a Criteo-schema model this is
// Criteo TSV, which the criteo reader (and so `adpilot train`) reads back.
std::string TrainingRow(const Schema& schema, const RawRecord& rec);

}  // namespace adpilot::serve
