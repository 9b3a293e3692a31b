// Minimal CSV reading for the schedule stage's small tables (quoted fields,
// header row); rows are held in memory: MMM inputs are a few hundred rows.
// Cells are numbers through core's ParseDouble (text.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace adpilot::mmm {

struct CsvTable {
  std::string file;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<uint64_t> lines;                // source line of each row
  int Column(const std::string& name) const;  // kInvalidArgument listing the columns when absent
};

CsvTable ReadCsv(const std::string& path);
bool ParseDate(const std::string& s, int64_t& days);  // days since 1970-01-01

}  // namespace adpilot::mmm
