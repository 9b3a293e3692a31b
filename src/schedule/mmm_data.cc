// Loading and checking the time series an MMM is fitted on.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "adpilot/mmm.h"
#include "adpilot/text.h"
#include "schedule/csv.h"

namespace adpilot::mmm {

namespace {

// Quoted cells as the evaluation tables read them, then every cell (quoted
// or not) trimmed of spaces, and of carriage returns at its end: the MMM
// inputs' own rule, older than the shared splitter.
std::vector<std::string> SplitRow(std::string_view line) {
  std::vector<std::string> cells = SplitCsvRecord(line, ',', "");
  for (auto& c : cells) c = std::string(TrimLeft(TrimRight(c, " \r"), " "));
  return cells;
}

}  // namespace

CsvTable ReadCsv(const std::string& path) {
  LineSource src(path);
  CsvTable t;
  t.file = path;
  bool header = true;
  while (src.Next() == LineSource::Status::kLine) {
    if (src.line().empty()) continue;
    auto cells = SplitRow(src.line());
    if (header) {
      t.header = std::move(cells);
      header = false;
      continue;
    }
    if (cells.size() != t.header.size())
      Throw(ErrorCode::kBadInput, "{}:{}: expected {} columns, got {}", path, src.line_number(), t.header.size(),
            cells.size());
    t.rows.push_back(std::move(cells));
    t.lines.push_back(src.line_number());
  }
  if (header) Throw(ErrorCode::kBadInput, "{}: empty file (no header)", path);
  return t;
}

int CsvTable::Column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return int(i);
  Throw(ErrorCode::kInvalidArgument, "{}: no column '{}'; columns: {}", file, name, fmt::join(header, ", "));
}

// Days since 1970-01-01 of an ISO date (YYYY-MM-DD or YYYY/MM/DD, optional time after it).
bool ParseDate(const std::string& s, int64_t& days) {
  int y = 0, m = 0, d = 0;
  char a = 0, b = 0;
  if (std::sscanf(s.c_str(), "%4d%c%2d%c%2d", &y, &a, &m, &b, &d) != 5 || a != b || (a != '-' && a != '/'))
    return false;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + unsigned(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  days = int64_t(era) * 146097 + int64_t(doe) - 719468;
  return true;
}

MmmData LoadMmmCsv(const std::string& path, const std::string& date_col, const std::string& kpi_col,
                   const std::vector<std::string>& channels, const std::vector<std::string>& controls) {
  if (channels.empty()) Throw(ErrorCode::kInvalidArgument, "no channels given (--channels a,b,c)");
  CsvTable t = ReadCsv(path);
  const int di = t.Column(date_col), ki = t.Column(kpi_col);
  std::vector<int> ci, qi;
  for (const auto& c : channels) ci.push_back(t.Column(c));
  for (const auto& c : controls) qi.push_back(t.Column(c));
  const int n = int(t.rows.size());
  MmmData d;
  d.file = path;
  d.channels = channels;
  d.controls = controls;
  // Sort rows by date; an unsorted file is repaired and the repair reported.
  std::vector<int64_t> day(n);
  for (int r = 0; r < n; ++r)
    if (!ParseDate(t.rows[r][di], day[r]))
      Throw(ErrorCode::kBadInput, "{}:{}: {}: '{}' is not a date (want YYYY-MM-DD)", path, t.lines[r], date_col,
            t.rows[r][di]);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return day[a] < day[b]; });
  if (!std::is_sorted(day.begin(), day.end()))
    d.repairs.push_back(fmt::format("rows were not in date order: sorted by {}", date_col));
  // The grid step is the most common gap; any other gap is missing or duplicate rows.
  if (n >= 2) {
    std::map<int64_t, int> gaps;
    for (int i = 1; i < n; ++i) ++gaps[day[order[i]] - day[order[i - 1]]];
    int64_t step =
        std::max_element(gaps.begin(), gaps.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    for (int i = 1; i < n; ++i) {
      int64_t g = day[order[i]] - day[order[i - 1]];
      if (g == 0)
        Throw(ErrorCode::kBadInput, "{}:{}: {}: duplicate date {}", path, t.lines[order[i]], date_col,
              t.rows[order[i]][di]);
      if (g != step)
        Throw(ErrorCode::kBadInput,
              "{}: missing rows between {} and {} (rows are {} days apart elsewhere): fill the gap with the real spend "
              "and KPI, or fit each regular stretch separately",
              path, t.rows[order[i - 1]][di], t.rows[order[i]][di], step);
    }
  }
  d.spend.resize(n, channels.size());
  d.control.resize(n, controls.size());
  int missing_kpi = 0;
  std::string first_missing;
  for (int i = 0; i < n; ++i) {
    const auto& row = t.rows[order[i]];
    const uint64_t line = t.lines[order[i]];
    d.dates.push_back(row[di]);
    double y;
    if (!ParseDouble(row[ki], y)) {
      y = std::nan("");
      if (!missing_kpi++) first_missing = fmt::format("{}:{} ('{}')", path, line, row[ki]);
    }
    d.kpi.push_back(y);
    for (size_t c = 0; c < channels.size(); ++c) {
      double v;
      if (!ParseDouble(row[ci[c]], v))
        Throw(ErrorCode::kBadInput, "{}:{}: {}: '{}' is not a number", path, line, channels[c], row[ci[c]]);
      if (v < 0) Throw(ErrorCode::kBadInput, "{}:{}: {}: negative spend {}", path, line, channels[c], v);
      d.spend(i, c) = v;
    }
    for (size_t c = 0; c < controls.size(); ++c) {
      double v;
      if (!ParseDouble(row[qi[c]], v))
        Throw(ErrorCode::kBadInput, "{}:{}: {}: '{}' is not a number", path, line, controls[c], row[qi[c]]);
      d.control(i, c) = v;
    }
  }
  if (missing_kpi)
    d.repairs.push_back(
        fmt::format("{} rows with a missing or non-numeric KPI (first {}) are left out of the "
                    "likelihood; their spend still feeds the adstock",
                    missing_kpi, first_missing));
  for (size_t c = 0; c < channels.size(); ++c) {
    auto col = d.spend.col(c);
    if (n > 0 && col.maxCoeff() == col.minCoeff())
      Throw(ErrorCode::kBadInput,
            "{}: channel '{}' is constant ({}) in every row: its effect cannot be separated "
            "from the intercept; drop it from --channels",
            path, channels[c], col.maxCoeff());
  }
  const int params = int(channels.size()) * 5 + int(controls.size()) + 2;
  if (int(channels.size()) >= n || params >= n - missing_kpi)
    Throw(ErrorCode::kBadInput,
          "{}: {} channels and {} controls need about {} parameters but there are only {} rows "
          "with a KPI: use fewer channels or more weeks",
          path, channels.size(), controls.size(), params, n - missing_kpi);
  return d;
}

std::vector<LiftTest> LoadLiftTests(const std::string& path, const MmmData& data) {
  CsvTable t = ReadCsv(path);
  int ci = t.Column("channel"), si = t.Column("start"), ei = t.Column("end"), li = t.Column("lift"),
      se = t.Column("se");
  auto row_of = [&](const std::string& date, uint64_t line) {
    for (int i = 0; i < data.rows(); ++i)
      if (data.dates[i] == date) return i;
    Throw(ErrorCode::kBadInput, "{}:{}: date {} is not a row of {}", path, line, date, data.file);
  };
  std::vector<LiftTest> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    LiftTest L;
    auto it = std::find(data.channels.begin(), data.channels.end(), row[ci]);
    if (it == data.channels.end())
      Throw(ErrorCode::kBadInput, "{}:{}: channel '{}' is not one of the model's channels", path, t.lines[r], row[ci]);
    L.channel = int(it - data.channels.begin());
    L.start = row_of(row[si], t.lines[r]);
    L.end = row_of(row[ei], t.lines[r]);
    if (L.end < L.start) Throw(ErrorCode::kBadInput, "{}:{}: end date before start date", path, t.lines[r]);
    if (!ParseDouble(row[li], L.lift) || !ParseDouble(row[se], L.se) || !(L.se > 0))
      Throw(ErrorCode::kBadInput, "{}:{}: lift and se must be numbers, se > 0", path, t.lines[r]);
    out.push_back(L);
  }
  return out;
}

}  // namespace adpilot::mmm
