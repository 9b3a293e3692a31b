// CSV tables for the evaluation commands and report charts (include/adpilot/table.h).
#include "adpilot/table.h"

#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "adpilot/line_source.h"

namespace adpilot {
namespace {

// True while a quote opened in `s` is still open at its end.
bool QuoteOpen(std::string_view s) {
  bool open = false;
  for (char c : s)
    if (c == '"') open = !open;
  return open;
}

}  // namespace

Table ReadCsvTable(const std::string& path, const CsvOptions& opts) {
  LineSource src(path);
  Table t;
  t.path = path;
  char delim = opts.delimiter;
  std::string record;
  uint64_t record_line = 0;
  for (;;) {
    auto st = src.Next();
    if (st == LineSource::Status::kEnd) break;
    if (st == LineSource::Status::kTooLong)
      Throw(ErrorCode::kBadInput, "{}:{}: line longer than the line limit", path, src.line_number());
    if (record.empty()) {
      record_line = src.line_number();
      record = std::string(src.line());
    } else {
      record += '\n';
      record += src.line();
    }
    if (QuoteOpen(record)) continue;  // a quoted field spans lines
    if (record.empty() || record.find_first_not_of(" \t") == std::string::npos) {
      record.clear();
      continue;
    }
    if (t.columns.empty()) {
      if (!delim)
        delim = (record.find('\t') != std::string::npos && record.find(',') == std::string::npos) ? '\t' : ',';
      t.columns = SplitCsvRecord(record, delim);
      std::unordered_set<std::string> seen;
      for (const auto& c : t.columns) {
        if (c.empty()) Throw(ErrorCode::kBadInput, "{}:{}: empty column name in header", path, record_line);
        if (!seen.insert(c).second)
          Throw(ErrorCode::kBadInput, "{}:{}: column '{}' appears twice in header", path, record_line, c);
      }
    } else {
      auto cells = SplitCsvRecord(record, delim);
      if (cells.size() != t.columns.size())
        Throw(ErrorCode::kBadInput, "{}:{}: expected {} fields (as in the header), got {}", path, record_line,
              t.columns.size(), cells.size());
      t.rows.push_back(std::move(cells));
      t.lines.push_back(record_line);
    }
    record.clear();
  }
  if (!record.empty()) Throw(ErrorCode::kBadInput, "{}:{}: unterminated quoted field", path, record_line);
  if (t.columns.empty()) Throw(ErrorCode::kBadInput, "{}: empty file (no header row)", path);
  return t;
}

bool Table::Has(std::string_view column) const {
  for (const auto& c : columns)
    if (c == column) return true;
  return false;
}

size_t Table::Col(std::string_view column, std::string_view flag) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == column) return i;
  std::string have;
  for (const auto& c : columns) have += (have.empty() ? "" : ", ") + c;
  Throw(ErrorCode::kInvalidArgument, "{}column '{}' not found in {}; columns are: {}",
        flag.empty() ? "" : fmt::format("{}: ", flag), column, path, have);
}

std::string Table::Where(size_t row) const { return fmt::format("{}:{}", path, row < lines.size() ? lines[row] : 0); }

std::optional<double> Table::Number(size_t row, size_t col) const {
  std::string_view s = rows[row][col];
  if (s.empty()) return std::nullopt;
  auto v = ParseDouble(s);
  if (!v)
    Throw(ErrorCode::kBadInput, "{}: column '{}': expected a finite number, got '{}'", Where(row), columns[col],
          s.substr(0, 40));
  return v;
}

std::vector<double> Table::NumericColumn(size_t col) const {
  std::vector<double> out(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    auto v = Number(r, col);
    if (!v) Throw(ErrorCode::kBadInput, "{}: column '{}': empty value", Where(r), columns[col]);
    out[r] = *v;
  }
  return out;
}

std::vector<std::string> Table::Distinct(size_t col) const {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& r : rows)
    if (seen.insert(r[col]).second) out.push_back(r[col]);
  return out;
}

nlohmann::json CsvRowsJson(const std::string& path, size_t max_rows) {
  nlohmann::json rows = nlohmann::json::array();
  Table t;
  try {
    t = ReadCsvTable(path);
  } catch (const Error&) {
    return rows;
  }
  for (size_t r = 0; r < t.num_rows() && rows.size() < max_rows; ++r) {
    nlohmann::json row = nlohmann::json::object();
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const std::string& v = t.Cell(r, c);
      if (auto d = ParseDouble(v)) row[t.columns[c]] = *d;
      else row[t.columns[c]] = v;
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace adpilot
