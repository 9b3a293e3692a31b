// A small in-memory CSV table for the evaluation commands (experiments, uplift
// data, journeys) and the report's charts: a header row, quoted fields ("a,b", "say ""hi"""), quoted
// line breaks, plain or gzip files. Cells stay text; typed access goes through
// the column helpers, whose errors name the file, column, line and value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/text.h"

namespace adpilot {

struct CsvOptions {
  // 0 = detect from the header: tab if it has tabs and no commas, else comma.
  char delimiter = 0;
};

class Table {
 public:
  std::string path;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each row has columns.size() cells
  std::vector<uint64_t> lines;                 // file line of each row (1-based)

  size_t num_rows() const { return rows.size(); }
  bool Has(std::string_view column) const;
  // Index of a column; kInvalidArgument naming the flag, the column and the
  // columns the file has when it is absent.
  size_t Col(std::string_view column, std::string_view flag = "") const;
  const std::string& Cell(size_t row, size_t col) const { return rows[row][col]; }

  // Value of a numeric cell; std::nullopt for an empty cell. Garbage, NaN or
  // infinity is a kBadInput error naming file, line, column and value.
  std::optional<double> Number(size_t row, size_t col) const;
  // Every cell of a column as a number; empty cells are errors naming the line.
  std::vector<double> NumericColumn(size_t col) const;
  // "file:line" of a row, for error messages.
  std::string Where(size_t row) const;
  // Distinct values of a column in first-seen order.
  std::vector<std::string> Distinct(size_t col) const;
};

// Reads a whole CSV file with a header row; records are split by
// SplitCsvRecord (text.h). Rows with a wrong cell count are kBadInput errors
// naming the line (evaluation inputs are small and a torn row would silently
// shift an experiment's numbers).
Table ReadCsvTable(const std::string& path, const CsvOptions& opts = {});

// The first `max_rows` rows of a CSV file as JSON objects, a cell as a number
// where it parses whole as a finite one: the data of a report chart. A file
// that does not parse gives no rows, so its chart is left out rather than the
// report failing.
nlohmann::json CsvRowsJson(const std::string& path, size_t max_rows = 5000);

}  // namespace adpilot
