// Criteo Display Advertising Challenge TSV: label, I1..I13 (counts), C1..C26
// (hashed categoricals); an empty field is a missing value.
#include <fmt/format.h>

#include "data/line_reader.h"

namespace adpilot::data {
namespace {

constexpr int kNumeric = 13, kCategorical = 26, kColumns = 1 + kNumeric + kCategorical;

class CriteoReader : public LineReader {
 public:
  CriteoReader(const std::string& path, const ReaderOptions& opts) : LineReader(path, opts) {
    for (int i = 1; i <= kNumeric; ++i) schema_.Add(fmt::format("I{}", i), FieldKind::kNumeric);
    for (int i = 1; i <= kCategorical; ++i) schema_.Add(fmt::format("C{}", i), FieldKind::kCategorical);
  }

 protected:
  bool ParseLine(std::string_view line, RawRecord& rec, RowError& err) override {
    Split(line, '\t', cols_);
    if (cols_.size() != kColumns) {
      err = {"line", fmt::format("expected {} tab-separated columns, got {}", kColumns, cols_.size())};
      return false;
    }
    if (!ParseLabel01(cols_[0], rec.label, err)) return false;
    for (int i = 0; i < kNumeric; ++i) {
      std::string_view c = cols_[1 + i];
      RawFeature f;
      f.field = uint32_t(i);
      f.numeric = true;
      if (c.empty()) {
        f.missing = true;
      } else if (!ParseFinite(c, f.value)) {
        err = {schema_.fields[i], fmt::format("not a finite number: '{}'", c.substr(0, 32))};
        return false;
      }
      rec.features.push_back(f);
    }
    for (int i = 0; i < kCategorical; ++i) {
      std::string_view c = cols_[1 + kNumeric + i];
      RawFeature f;
      f.field = uint32_t(kNumeric + i);
      f.token = c;
      f.missing = c.empty();
      rec.features.push_back(f);
    }
    return true;
  }

 private:
  std::vector<std::string_view> cols_;
};

ADPILOT_REGISTER(ReaderRegistry, "criteo", "Criteo TSV: label, I1-I13, C1-C26; empty = missing",
                 [](const std::string& path, const ReaderOptions& o) -> std::unique_ptr<RecordReader> {
                   return std::make_unique<CriteoReader>(path, o);
                 });

}  // namespace
}  // namespace adpilot::data
