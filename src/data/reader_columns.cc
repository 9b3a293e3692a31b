// ReadColumns (adpilot/columns.h): in-memory columns as records.
#include <charconv>
#include <cmath>

#include "adpilot/columns.h"
#include "adpilot/error.h"

namespace adpilot {

Schema ColumnTable::MakeSchema() const {
  Schema s;
  for (const auto& c : columns) s.Add(c.name, c.codes ? FieldKind::kCategorical : FieldKind::kNumeric);
  if (sparse) s.Add(sparse->field, FieldKind::kMultiCategorical);
  return s;
}

namespace {

class ColumnsReader : public RecordReader {
 public:
  ColumnsReader(const ColumnTable& t, size_t begin, size_t end)
      : t_(t), row_(begin), end_(std::min(end, t.rows)), schema_(t.MakeSchema()), bad_("arrays") {
    for (const auto& c : t_.columns)
      if (!c.numbers == !c.codes) Throw(ErrorCode::kInvalidArgument, "column '{}': give numbers or codes", c.name);
  }

  bool Next(RawRecord& rec) override {
    if (row_ >= end_) return false;
    const size_t i = row_++;
    rec.Clear();
    rec.line = i + 1;
    if (t_.labels) {
      rec.label = t_.labels[i];
      // As the file readers: a click label is 0 or 1.
      if (rec.label != 0 && rec.label != 1)
        Throw(ErrorCode::kInvalidArgument, "row {}: the label is {}; labels are 0 or 1", i, rec.label);
    }
    if (t_.weights) {
      rec.weight = t_.weights[i];
      if (!(rec.weight >= 0) || !std::isfinite(rec.weight))
        Throw(ErrorCode::kInvalidArgument, "row {}: the sample weight is {} (must be finite and >= 0)", i, rec.weight);
    }
    rec.features.resize(t_.columns.size());
    for (size_t j = 0; j < t_.columns.size(); ++j) {
      const Column& c = t_.columns[j];
      RawFeature& f = rec.features[j];
      f = RawFeature{};
      f.field = uint32_t(j);
      if (c.numbers) {
        f.numeric = true;
        f.value = c.numbers[i];
        f.missing = std::isnan(f.value);
      } else {
        const int64_t code = c.codes[i];
        if (code < 0) {
          f.missing = true;
        } else if (uint64_t(code) >= c.categories.size()) {
          Throw(ErrorCode::kInvalidArgument, "row {}, column '{}': category code {} outside its {} categories", i,
                c.name, code, c.categories.size());
        } else {
          f.token = c.categories[size_t(code)];
        }
      }
    }
    if (const SparseColumns* sp = t_.sparse) {
      const uint32_t field = uint32_t(t_.columns.size());
      // The names (column indices in decimal) live in one buffer per row,
      // filled first: the views into it stay valid until the next row.
      const int64_t lo = sp->indptr[i], hi = sp->indptr[i + 1];
      names_.resize(size_t(hi - lo) * 11);
      for (int64_t k = lo; k < hi; ++k) {
        const int32_t j = sp->indices[k];
        if (j < 0 || size_t(j) >= sp->cols)
          Throw(ErrorCode::kInvalidArgument, "row {}: sparse column index {} outside its {} columns", i, j, sp->cols);
        char* at = names_.data() + size_t(k - lo) * 11;
        RawFeature f;
        f.field = field;
        f.token = std::string_view(at, size_t(std::to_chars(at, at + 11, j).ptr - at));
        f.value = sp->values[k];
        rec.features.push_back(f);
      }
    }
    return true;
  }
  const Schema& schema() const override { return schema_; }
  const BadRowLog& bad_rows() const override { return bad_; }
  uint64_t bytes_read() const override { return row_; }
  uint64_t total_bytes() const override { return end_; }

 private:
  const ColumnTable& t_;
  size_t row_, end_;
  Schema schema_;
  BadRowLog bad_;
  std::vector<char> names_;
};

}  // namespace

std::unique_ptr<RecordReader> ReadColumns(const ColumnTable& table, size_t begin, size_t end) {
  return std::make_unique<ColumnsReader>(table, begin, end);
}

}  // namespace adpilot
