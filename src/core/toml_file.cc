#include "adpilot/toml_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "adpilot/error.h"

namespace adpilot {

namespace {

// Index of the last character of the string starting at s[i] (a quote);
// counts the newlines of multi-line strings into `line`. An unterminated
// string ends before its newline so the caller still sees the line break.
size_t SkipString(const std::string& s, size_t i, int& line) {
  const char q = s[i];
  const size_t n = s.size();
  const std::string triple(3, q);
  if (s.compare(i, 3, triple) == 0) {
    for (size_t j = i + 3; j < n; ++j) {
      if (s[j] == '\n') ++line;
      if (q == '"' && s[j] == '\\') {  // basic strings escape; literal ones do not
        if (j + 1 < n && s[j + 1] == '\n') ++line;
        ++j;
        continue;
      }
      if (s.compare(j, 3, triple) == 0) {
        j += 3;
        // Up to two quotes right before the closing ones belong to the content.
        for (int extra = 0; extra < 2 && j < n && s[j] == q; ++extra) ++j;
        return j - 1;
      }
    }
    return n - 1;
  }
  size_t j = i + 1;
  for (; j < n && s[j] != '\n'; ++j) {
    if (q == '"' && s[j] == '\\') {
      ++j;
      if (j < n && s[j] == '\n') break;
      continue;
    }
    if (s[j] == q) return j;
  }
  return j - 1;
}

}  // namespace

// A scan of the tokens that open levels, outside strings and comments: table
// headers ([a.b], [[a]]), dotted keys (a.b.c = ...), arrays and inline tables.
// It does not validate the TOML (toml11 does that next); it only bounds how
// deep toml11 will have to recurse.
void CheckTomlDepth(const std::string& s, const std::string& origin) {
  struct Open {
    char close;
    int levels;
  };
  std::vector<Open> stack;
  int header = 0;    // levels of the current [table] header
  int open = 0;      // levels of the brackets open now
  int key_dots = 0;  // dots of the key being read (each one a table level)
  int pending = 0;   // levels a dotted key adds to the value after its '='
  bool key_pos = true, line_start = true, in_header = false;
  int line = 1;
  auto check = [&](int depth) {
    if (depth > kMaxTomlDepth)
      Throw(ErrorCode::kInvalidArgument, "{}:{}: TOML nested deeper than {} levels", origin, line, kMaxTomlDepth);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      if (stack.empty()) {  // a top-level statement ends with its line
        key_pos = line_start = true;
        in_header = false;
        key_dots = pending = 0;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (c == '#') {
      while (i + 1 < s.size() && s[i + 1] != '\n') ++i;
      continue;
    }
    const bool first_on_line = line_start;
    line_start = false;
    if (c == '"' || c == '\'') {
      i = SkipString(s, i, line);
      continue;
    }
    if (in_header) {
      if (c == '[' || c == '.') check(++header);
      continue;
    }
    if (c == '[' && stack.empty() && key_pos && first_on_line) {
      in_header = true;
      header = 1;
      continue;
    }
    if (c == '[' || c == '{') {
      int levels = (key_pos ? key_dots : pending) + 1;
      stack.push_back({c == '[' ? ']' : '}', levels});
      open += levels;
      check(header + open);
      key_dots = pending = 0;
      key_pos = c == '{';
      continue;
    }
    if (c == ']' || c == '}') {
      if (!stack.empty()) {
        open -= stack.back().levels;
        stack.pop_back();
      }
      key_pos = false;
      pending = 0;
      continue;
    }
    if (c == ',') {
      if (!stack.empty() && stack.back().close == '}') key_pos = true;
      key_dots = pending = 0;
      continue;
    }
    if (key_pos) {
      if (c == '.') check(header + open + ++key_dots + 1);
      if (c == '=') {
        pending = key_dots;
        key_dots = 0;
        key_pos = false;
      }
    }
  }
}

toml::value ParseTomlString(const std::string& text, const std::string& origin) {
  CheckTomlDepth(text, origin);
  std::istringstream in(text);
  try {
    return toml::parse(in, origin);
  } catch (const std::exception& ex) {
    Throw(ErrorCode::kInvalidArgument, "{}: invalid TOML: {}", origin, ex.what());
  }
}

toml::value ParseTomlFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    Throw(ErrorCode::kInvalidArgument, "{}: is a directory, not a config file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) Throw(ErrorCode::kNotFound, "{}: cannot open config file", path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) Throw(ErrorCode::kIOError, "{}: cannot read config file", path);
  // One read feeds both the depth check and the parser, so they see the same bytes.
  return ParseTomlString(text.str(), path);
}

}  // namespace adpilot
