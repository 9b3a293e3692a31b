// A table held in memory column by column (numpy arrays, a pandas DataFrame)
// read as records, without copying the columns: the Python module trains and
// scores on it through the same FeatureHasher as the file readers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adpilot/reader.h"

namespace adpilot {

// One column: numeric (`numbers`, NaN = missing) or categorical (`codes` into
// `categories`, -1 = missing). The pointers must outlive the reader.
struct Column {
  std::string name;
  const double* numbers = nullptr;
  const int64_t* codes = nullptr;
  std::vector<std::string> categories;
};

// A sparse matrix in CSR form (scipy's): one field of named features, the
// column index as the name and the entry as the value; zeros are absent.
struct SparseColumns {
  std::string field = "features";
  const int64_t* indptr = nullptr;  // rows + 1 offsets into indices/values
  const int32_t* indices = nullptr;
  const double* values = nullptr;
  size_t cols = 0;
};

struct ColumnTable {
  size_t rows = 0;
  std::vector<Column> columns;
  const SparseColumns* sparse = nullptr;  // after the columns' fields, when set
  const double* labels = nullptr;         // null: label 0
  const double* weights = nullptr;        // null: weight 1
  // The schema these columns make (numeric or categorical fields, by name).
  Schema MakeSchema() const;
};

// Records of rows [begin, end) of `table`; kInvalidArgument for a code outside
// its column's categories, a sparse index outside the matrix, a label other
// than 0 or 1 or a negative weight, naming the row and the column.
std::unique_ptr<RecordReader> ReadColumns(const ColumnTable& table, size_t begin = 0, size_t end = SIZE_MAX);

}  // namespace adpilot
