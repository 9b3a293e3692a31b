// The one way adpilot reads TOML. toml11 (3.7 in Debian 12) parses nested
// arrays, inline tables and dotted keys by recursion with no depth limit, so a
// file of 20,000 '[' overflows the stack. These helpers check the nesting depth
// first and then parse, so a hostile config is an error, never a crash.
#pragma once

#include <string>

#include <toml.hpp>

namespace adpilot {

// Deepest nesting accepted: brackets, braces and dotted-key parts together.
// Real configs use fewer than 10; 128 keeps toml11's recursion far from the stack limit.
inline constexpr int kMaxTomlDepth = 128;

// kInvalidArgument "ORIGIN:LINE: TOML nested deeper than 128 levels" when `text` nests too deep.
void CheckTomlDepth(const std::string& text, const std::string& origin);

// Parses TOML text; errors are kInvalidArgument naming `origin` (a file name).
toml::value ParseTomlString(const std::string& text, const std::string& origin);

// Reads and parses a file: kNotFound when it cannot be opened, kInvalidArgument
// when it is not valid TOML or nests too deep (the message names file and line).
toml::value ParseTomlFile(const std::string& path);

}  // namespace adpilot
