#include "adpilot/text.h"

#include <cmath>

namespace adpilot {

std::string_view TrimLeft(std::string_view s, std::string_view chars) {
  size_t i = s.find_first_not_of(chars);
  return i == std::string_view::npos ? std::string_view() : s.substr(i);
}

std::string_view TrimRight(std::string_view s, std::string_view chars) {
  size_t i = s.find_last_not_of(chars);
  return i == std::string_view::npos ? std::string_view() : s.substr(0, i + 1);
}

std::string_view Trim(std::string_view s, std::string_view chars) { return TrimRight(TrimLeft(s, chars), chars); }

void Split(std::string_view s, char delim, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(delim, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

void SplitWhitespace(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0, n = s.size();
  while (i < n) {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < n && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
}

std::vector<std::string> SplitList(std::string_view s, char delim) {
  std::vector<std::string> out;
  std::vector<std::string_view> parts;
  Split(s, delim, parts);
  for (auto p : parts)
    if (!p.empty()) out.emplace_back(p);
  return out;
}

bool SplitQuoted(std::string_view line, char delim, std::vector<std::string_view>& out,
                 std::deque<std::string>& store) {
  out.clear();
  size_t i = 0, n = line.size();
  for (;;) {
    if (i < n && line[i] == '"') {
      std::string v;
      ++i;
      for (;;) {
        if (i >= n) return false;
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            v.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        v.push_back(line[i++]);
      }
      if (i < n && line[i] != delim) return false;
      store.push_back(std::move(v));
      out.push_back(store.back());
    } else {
      size_t e = line.find(delim, i);
      if (e == std::string_view::npos) e = n;
      out.push_back(line.substr(i, e - i));
      i = e;
    }
    if (i >= n) return true;
    ++i;  // the delimiter
    if (i == n) {
      out.push_back(std::string_view());
      return true;
    }
  }
}

std::vector<std::string> SplitCsvRecord(std::string_view line, char delim, std::string_view trim) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, was_quoted = false;
  auto flush = [&] {
    out.push_back(was_quoted ? std::move(cur) : std::string(Trim(cur, trim)));
    cur.clear();
    was_quoted = false;
  };
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c != '"') {
        cur += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = was_quoted = true;
    } else if (c == delim) {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

std::optional<double> ParseDouble(std::string_view s, NumberRules rules) {
  if (rules.plus && !s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  if (rules.finite && !std::isfinite(v)) return std::nullopt;
  return v;
}

bool ParseDouble(std::string_view s, double& out, NumberRules rules) {
  auto v = ParseDouble(s, rules);
  if (v) out = *v;
  return v.has_value();
}

}  // namespace adpilot
