// Strict reading of one TOML table: every key must be consumed, so a typo in a
// serve config is an error naming the key and the file, never a silent default.
#pragma once

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <toml.hpp>

#include "adpilot/error.h"

namespace adpilot::serve {

class TomlTable {
 public:
  TomlTable(const toml::value& v, std::string file, std::string where)
      : file_(std::move(file)), where_(std::move(where)) {
    if (!v.is_table()) Throw(ErrorCode::kInvalidArgument, "{}: [{}] must be a table", file_, where_);
    table_ = &v.as_table();
  }

  bool Has(const std::string& key) const { return table_->count(key) != 0; }
  const toml::value* Raw(const std::string& key) {
    auto it = table_->find(key);
    if (it == table_->end()) return nullptr;
    used_.insert(key);
    return &it->second;
  }

  void Get(const std::string& key, std::string& out) {
    if (auto* v = Raw(key)) {
      if (!v->is_string()) Bad(key, "a string");
      out = v->as_string().str;
    }
  }
  // TOML floats include inf and nan: a budget of inf would never be spent
  // down, so no number here may be anything but finite.
  void Get(const std::string& key, double& out) {
    if (auto* v = Raw(key)) {
      if (v->is_integer()) out = double(v->as_integer());
      else if (v->is_floating()) out = v->as_floating();
      else Bad(key, "a number");
      if (!std::isfinite(out)) Bad(key, "a finite number");
    }
  }
  // TOML integers are 64-bit; one that does not fit an int is an error, not wrapped.
  void Get(const std::string& key, int& out) {
    if (auto* v = Raw(key)) {
      if (!v->is_integer()) Bad(key, "an integer");
      out = ToInt(key, v->as_integer());
    }
  }
  void Get(const std::string& key, int64_t& out) {
    if (auto* v = Raw(key)) {
      if (!v->is_integer()) Bad(key, "an integer");
      out = v->as_integer();
    }
  }
  void Get(const std::string& key, std::vector<std::string>& out) {
    if (auto* v = Raw(key)) {
      if (!v->is_array()) Bad(key, "an array of strings");
      out.clear();
      for (const auto& x : v->as_array()) {
        if (!x.is_string()) Bad(key, "an array of strings");
        out.push_back(x.as_string().str);
      }
    }
  }
  void Get(const std::string& key, std::vector<int>& out) {
    if (auto* v = Raw(key)) {
      if (!v->is_array()) Bad(key, "an array of integers");
      out.clear();
      for (const auto& x : v->as_array()) {
        if (!x.is_integer()) Bad(key, "an array of integers");
        out.push_back(ToInt(key, x.as_integer()));
      }
    }
  }
  // Errors on the first key nobody asked for.
  void CheckAllUsed() const {
    for (const auto& [k, v] : *table_)
      if (!used_.count(k)) Throw(ErrorCode::kInvalidArgument, "{}: unknown key '{}' in [{}]", file_, k, where_);
  }
  [[noreturn]] void Bad(const std::string& key, const char* what) const {
    Throw(ErrorCode::kInvalidArgument, "{}: [{}] {}: expected {}", file_, where_, key, what);
  }
  const std::string& file() const { return file_; }
  const std::string& where() const { return where_; }
  const toml::table& table() const { return *table_; }

 private:
  int ToInt(const std::string& key, int64_t v) const {
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
      Throw(ErrorCode::kInvalidArgument, "{}: [{}] {}: {} does not fit a 32-bit integer", file_, where_, key, v);
    return int(v);
  }
  std::string file_, where_;
  const toml::table* table_;
  std::set<std::string> used_;
};

}  // namespace adpilot::serve
