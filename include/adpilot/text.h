// Splitting text and parsing numbers, shared by every stage that reads text
// (option lists, CSV tables, the line readers, notices on the serving path),
// so "a,,b", a quoted field or "+1.5" mean the same thing wherever they are
// read. Each function's rules are the ones its callers relied on before they
// shared it; the comments give them because command outputs depend on them.
#pragma once

#include <charconv>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace adpilot {

// `s` without the characters in `chars` at its ends.
std::string_view Trim(std::string_view s, std::string_view chars = " \t");
std::string_view TrimLeft(std::string_view s, std::string_view chars);
std::string_view TrimRight(std::string_view s, std::string_view chars);

// Every piece between delimiters, empty ones kept: "a,,b" -> {a, "", b},
// "a," -> {a, ""}, "" -> {""}. No quoting, no trimming. Views into `s`.
void Split(std::string_view s, char delim, std::vector<std::string_view>& out);
// Words separated by runs of spaces and tabs; never an empty word.
void SplitWhitespace(std::string_view s, std::vector<std::string_view>& out);
// A list as flags and config keys write it ("a,b,c"): empty items are dropped
// ("a,,b," -> {a, b}, "" -> {}), nothing is trimmed (" a" stays " a").
std::vector<std::string> SplitList(std::string_view s, char delim = ',');

// One CSV line split on `delim` under strict RFC 4180 quoting: a field that
// starts with a quote runs to the matching quote ("" inside is one quote) and
// must be followed by the delimiter or the end; a quote anywhere else is an
// ordinary character. Nothing is trimmed; "a," ends in an empty field.
// Unquoted fields are views into `line`, unescaped ones live in `store`
// (the caller clears it per line). False on an unterminated quote or text
// after a closing quote.
bool SplitQuoted(std::string_view line, char delim, std::vector<std::string_view>& out, std::deque<std::string>& store);

// One CSV record split on `delim`, lenient, for small hand-edited tables: a
// quote anywhere opens or closes quoting (a"b,c"d -> {ab,cd}), "" inside
// quotes is one quote, an unterminated quote runs to the end of the line.
// A field with no quote in it is trimmed of the characters in `trim`; a field
// with one keeps its spaces, so " x " survives quoted. Never fails.
std::vector<std::string> SplitCsvRecord(std::string_view line, char delim, std::string_view trim = " \t");

struct NumberRules {
  bool plus = true;    // one leading '+' is accepted ("+1.5", as spreadsheets write it)
  bool finite = true;  // NaN and the infinities are rejected (doubles only)
};

// The number that is the whole of `s` (std::from_chars syntax: decimal or
// exponent form, "inf"/"nan" before the finite check; no spaces, no hex, no
// locale); std::nullopt for anything else, the empty string and a value out
// of range included.
std::optional<double> ParseDouble(std::string_view s, NumberRules rules = {});
// The same for conditions that test several fields at once; `out` is left
// alone when `s` is not a number.
bool ParseDouble(std::string_view s, double& out, NumberRules rules = {});

template <typename T>
std::optional<T> ParseInt(std::string_view s, NumberRules rules = {}) {
  static_assert(std::is_integral_v<T>);
  if (rules.plus && !s.empty() && s.front() == '+') s.remove_prefix(1);
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace adpilot
