// Small parsing helpers shared by the readers: civil dates and text tokens
// (quoted CSV fields are core's SplitQuoted, text.h). Header-only because
// every function is a few lines.
#pragma once

#include <cctype>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace adpilot::data {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
inline int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

// Parses `n` decimal digits at s[pos]; false when any is not a digit.
inline bool Digits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Seconds since the epoch (UTC) from a date and time; false when out of range.
inline bool CivilSeconds(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s, int64_t& out) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  out = DaysFromCivil(y, unsigned(mo), unsigned(d)) * 86400 + h * 3600 + mi * 60 + s;
  return true;
}

// "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or with 'T'; or an integer of seconds.
inline bool ParseTimestamp(std::string_view s, int64_t& out) {
  int64_t y, mo, d, h = 0, mi = 0, sec = 0;
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-') {
    if (!Digits(s, 0, 4, y) || !Digits(s, 5, 2, mo) || !Digits(s, 8, 2, d)) return false;
    if (s.size() >= 19 && (s[10] == ' ' || s[10] == 'T')) {
      if (!Digits(s, 11, 2, h) || !Digits(s, 14, 2, mi) || !Digits(s, 17, 2, sec)) return false;
    } else if (s.size() != 10) {
      return false;
    }
    return CivilSeconds(y, mo, d, h, mi, sec, out);
  }
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty() || s.size() > 18 || !Digits(s, 0, s.size(), out)) return false;
  if (neg) out = -out;
  return true;
}

// Lower-cased alphanumeric words of a text (ASCII folding only; other bytes,
// e.g. UTF-8, are kept as part of words).
inline void Words(std::string_view text, std::deque<std::string>& store, std::vector<std::string_view>& out) {
  out.clear();
  std::string w;
  auto flush = [&] {
    if (w.empty()) return;
    store.push_back(std::move(w));
    out.push_back(store.back());
    w.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) w.push_back(char(std::tolower(c)));
    else flush();
  }
  flush();
}

}  // namespace adpilot::data
