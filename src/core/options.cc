#include "adpilot/options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml.hpp>

#include "adpilot/error.h"
#include "adpilot/text.h"
#include "adpilot/toml_file.h"

namespace adpilot {

namespace {

template <class... Ts>
struct Overload : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overload(Ts...) -> Overload<Ts...>;

const char* TypeName(const OptionSet::Target& t) {
  return std::visit(Overload{[](bool*) { return "bool"; }, [](int*) { return "int"; }, [](int64_t*) { return "int"; },
                             [](uint64_t*) { return "uint"; }, [](double*) { return "float"; },
                             [](std::string*) { return "string"; }, [](std::vector<std::string>*) { return "list"; }},
                    t);
}

template <typename T>
T ParseInt(const std::string& s, const std::string& key, const std::string& origin) {
  // No '+': "+5" has never been an integer here (from_chars' rule).
  auto v = adpilot::ParseInt<T>(s, {.plus = false});
  if (!v) Throw(ErrorCode::kInvalidArgument, "{}: option '{}': '{}' is not a valid integer", origin, key, s);
  return *v;
}

double ParseDouble(const std::string& s, const std::string& key, const std::string& origin) {
  // Accept fractions such as 1/32, which budget ratios are written as.
  auto slash = s.find('/');
  if (slash != std::string::npos) {
    double a = ParseDouble(s.substr(0, slash), key, origin);
    double b = ParseDouble(s.substr(slash + 1), key, origin);
    if (b == 0) Throw(ErrorCode::kInvalidArgument, "{}: option '{}': division by zero in '{}'", origin, key, s);
    // Two finite parts can still divide to inf (1e308/1e-308).
    if (!std::isfinite(a / b))
      Throw(ErrorCode::kInvalidArgument, "{}: option '{}': '{}' is not a finite number", origin, key, s);
    return a / b;
  }
  auto v = adpilot::ParseDouble(s);
  if (!v) Throw(ErrorCode::kInvalidArgument, "{}: option '{}': '{}' is not a finite number", origin, key, s);
  return *v;
}

}  // namespace

OptionSet& OptionSet::Range(double lo, double hi) {
  entries_.back().lo = lo;
  entries_.back().hi = hi;
  return *this;
}

OptionSet& OptionSet::Min(double lo) {
  entries_.back().lo = lo;
  return *this;
}

OptionSet& OptionSet::Choices(std::vector<std::string> choices) {
  entries_.back().choices = std::move(choices);
  return *this;
}

OptionSet& OptionSet::Required() {
  entries_.back().required = true;
  return *this;
}

OptionSet& OptionSet::Positional() {
  entries_.back().positional = true;
  return *this;
}

OptionSet& OptionSet::Output() {
  entries_.back().io = Entry::Io::kOutput;
  return *this;
}

OptionSet& OptionSet::OutputDir() {
  entries_.back().io = Entry::Io::kOutputDir;
  return *this;
}

OptionSet& OptionSet::Alias(std::string key) {
  entries_.back().aliases.push_back(std::move(key));
  return *this;
}

std::string OptionSet::FlagName(const std::string& key) {
  std::string flag = "--" + key;
  for (auto& c : flag)
    if (c == '_') c = '-';
  return flag;
}

OptionSet::Entry* OptionSet::Find(const std::string& key) {
  for (auto& e : entries_)
    if (e.key == key) return &e;
  for (auto& e : entries_)
    for (const auto& a : e.aliases)
      if (a == key) return &e;
  return nullptr;
}

void OptionSet::MarkSet(const std::string& key) {
  if (const Entry* e = Find(key)) set_keys_.push_back(e->key);
}

bool OptionSet::IsSet(const std::string& key) const {
  return std::find(set_keys_.begin(), set_keys_.end(), key) != set_keys_.end();
}

std::string OptionSet::ValueText(const Entry& e) {
  return std::visit(
      Overload{[](bool* v) { return std::string(*v ? "true" : "false"); }, [](int* v) { return std::to_string(*v); },
               [](int64_t* v) { return std::to_string(*v); }, [](uint64_t* v) { return std::to_string(*v); },
               [](double* v) { return fmt::format("{}", *v); }, [](std::string* v) { return *v; },
               [](std::vector<std::string>* v) { return fmt::format("{}", fmt::join(*v, ",")); }},
      e.target);
}

void OptionSet::SetFromString(const std::string& key, const std::string& value, const std::string& origin) {
  Entry* e = Find(key);
  if (!e) {
    std::string valid;
    for (auto& x : entries_) valid += (valid.empty() ? "" : ", ") + x.key;
    Throw(ErrorCode::kInvalidArgument, "{}: unknown key '{}{}'; valid keys: {}", origin,
          section_.empty() ? "" : section_ + ".", key, valid);
  }
  set_keys_.push_back(e->key);
  std::visit(Overload{[&](bool* v) {
                        // The words CLI11 took for a bool option ("--baseline no") as well.
                        std::string w = value;
                        for (auto& c : w) c = char(std::tolower(static_cast<unsigned char>(c)));
                        if (w == "true" || w == "1" || w.empty() || w == "yes" || w == "on" || w == "enable" ||
                            w == "t" || w == "y" || w == "+")
                          *v = true;
                        else if (w == "false" || w == "0" || w == "no" || w == "off" || w == "disable" || w == "f" ||
                                 w == "n" || w == "-")
                          *v = false;
                        else
                          Throw(ErrorCode::kInvalidArgument, "{}: option '{}': '{}' is not true/false", origin, key,
                                value);
                      },
                      [&](int* v) { *v = ParseInt<int>(value, key, origin); },
                      [&](int64_t* v) { *v = ParseInt<int64_t>(value, key, origin); },
                      [&](uint64_t* v) { *v = ParseInt<uint64_t>(value, key, origin); },
                      [&](double* v) { *v = ParseDouble(value, key, origin); }, [&](std::string* v) { *v = value; },
                      [&](std::vector<std::string>* v) { *v = adpilot::SplitList(value); }},
             e->target);
  // Check this one option now so the error names where the bad value came from.
  OptionSet one(section_);
  one.entries_.push_back(*e);
  one.entries_.back().required = false;
  try {
    one.Validate();
  } catch (const Error& err) {
    Throw(ErrorCode::kInvalidArgument, "{}: {}", origin, err.what());
  }
}

void OptionSet::SetFromJson(const std::string& key, const nlohmann::json& v, const std::string& origin) {
  Entry* e = Find(key);
  if (v.is_string() || !e) return SetFromString(key, v.is_string() ? v.get<std::string>() : v.dump(), origin);
  bool integral = std::holds_alternative<int*>(e->target) || std::holds_alternative<int64_t*>(e->target) ||
                  std::holds_alternative<uint64_t*>(e->target);
  if (v.is_number_float() && integral)
    Throw(ErrorCode::kInvalidArgument, "{}: option '{}': {} is not an integer", origin, key, v.dump());
  if (v.is_array()) {
    std::string text;
    for (const auto& item : v)
      text += (text.empty() ? "" : ",") + (item.is_string() ? item.get<std::string>() : item.dump());
    return SetFromString(key, text, origin);
  }
  if (v.is_boolean() != std::holds_alternative<bool*>(e->target) || !(v.is_boolean() || v.is_number()))
    Throw(ErrorCode::kInvalidArgument, "{}: option '{}' must be {}", origin, key, TypeName(e->target));
  // Through text, so the bounds are checked where the value came from.
  SetFromString(key, v.is_number_float() ? fmt::format("{}", v.get<double>()) : v.dump(), origin);
}

void OptionSet::ParseArgs(const std::vector<std::string>& args, const std::string& origin) {
  size_t next_positional = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    // A one-letter alias is a short flag: Alias("n") is -n.
    if (a.size() == 2 && a[0] == '-' && a[1] != '-')
      for (const auto& e : entries_)
        for (const auto& alias : e.aliases)
          if (alias.size() == 1 && alias[0] == a[1]) a = FlagName(e.key);
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      size_t eq = name.find('=');
      bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      std::string key = name;
      std::replace(key.begin(), key.end(), '-', '_');
      Entry* e = Find(key);
      if (!e || e->positional) Throw(ErrorCode::kInvalidArgument, "{}: unknown option --{}", origin, name);
      if (!inline_value) {
        if (std::holds_alternative<bool*>(e->target)) {
          value = "true";
        } else {
          if (i + 1 >= args.size()) Throw(ErrorCode::kInvalidArgument, "{}: option --{} needs a value", origin, name);
          value = args[++i];
        }
      }
      // A repeated list flag adds to the list (--metric a --metric b).
      if (auto* list = std::get_if<std::vector<std::string>*>(&e->target); list && IsSet(e->key) && !(*list)->empty())
        value = fmt::format("{},{}", fmt::join(**list, ","), value);
      SetFromString(e->key, value, origin + " " + FlagName(e->key));
      continue;
    }
    Entry* pos = nullptr;
    for (size_t n = 0, seen = 0; n < entries_.size() && !pos; ++n)
      if (entries_[n].positional && seen++ == next_positional) pos = &entries_[n];
    if (!pos) Throw(ErrorCode::kInvalidArgument, "{}: unexpected argument '{}'", origin, a);
    ++next_positional;
    SetFromString(pos->key, a, origin);
  }
}

void OptionSet::LoadTomlFile(const std::string& path) {
  toml::value root = ParseTomlFile(path);
  const toml::value* table = &root;
  if (!section_.empty()) {
    if (!root.is_table() || !root.contains(section_)) return;
    table = &root.at(section_);
  }
  if (!table->is_table()) Throw(ErrorCode::kInvalidArgument, "{}: '{}' must be a table", path, section_);
  for (const auto& [k, v] : table->as_table()) {
    std::string origin = fmt::format("{} [{}]", path, section_.empty() ? "top level" : section_);
    std::string text;
    if (v.is_table() && section_.empty()) continue;  // other sections belong to other sets
    if (v.is_boolean()) text = v.as_boolean() ? "true" : "false";
    else if (v.is_integer()) text = std::to_string(v.as_integer());
    else if (v.is_floating()) {
      // 8e1 prints as "80": without this an integer option would take a float.
      const Entry* e = Find(k);
      if (e && (std::holds_alternative<int*>(e->target) || std::holds_alternative<int64_t*>(e->target) ||
                std::holds_alternative<uint64_t*>(e->target)))
        Throw(ErrorCode::kInvalidArgument, "{}: option '{}': {} is not an integer", origin, k, v.as_floating());
      text = fmt::format("{}", v.as_floating());
    } else if (v.is_string()) text = v.as_string();
    else if (v.is_array()) {
      for (const auto& item : v.as_array()) {
        if (!text.empty()) text += ",";
        text += item.is_string() ? std::string(item.as_string()) : toml::format(item);
      }
    } else {
      Throw(ErrorCode::kInvalidArgument, "{}: key '{}' has an unsupported type", origin, k);
    }
    SetFromString(k, text, origin);
  }
}

void OptionSet::Validate() const {
  for (const auto& e : entries_) {
    if (e.required && !IsSet(e.key))
      Throw(ErrorCode::kInvalidArgument, "{} is required", e.positional ? e.key : FlagName(e.key));
    std::optional<double> num = std::visit(Overload{[](int* v) -> std::optional<double> { return double(*v); },
                                                    [](int64_t* v) -> std::optional<double> { return double(*v); },
                                                    [](uint64_t* v) -> std::optional<double> { return double(*v); },
                                                    [](double* v) -> std::optional<double> { return *v; },
                                                    [](auto*) -> std::optional<double> { return std::nullopt; }},
                                           e.target);
    if (num && ((e.lo && *num < *e.lo) || (e.hi && *num > *e.hi)))
      Throw(ErrorCode::kInvalidArgument, "option '{}' = {} is outside [{}, {}]", e.key, *num,
            e.lo ? fmt::format("{}", *e.lo) : "-inf", e.hi ? fmt::format("{}", *e.hi) : "inf");
    if (!e.choices.empty()) {
      std::string v = ValueText(e);
      bool ok = false;
      for (auto& c : e.choices) ok = ok || c == v;
      if (!ok)
        Throw(ErrorCode::kInvalidArgument, "option '{}' = '{}' is not one of: {}", e.key, v,
              fmt::join(e.choices, ", "));
    }
  }
}

nlohmann::json OptionSet::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& e : entries_) {
    std::visit(Overload{[&](auto* v) { j[e.key] = *v; }}, e.target);
  }
  return j;
}

void OptionSet::FromJson(const nlohmann::json& j, const std::string& origin) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    Entry* e = Find(it.key());
    if (!e) Throw(ErrorCode::kInvalidArgument, "{}: unknown key '{}'", origin, it.key());
    try {
      std::visit(Overload{[&](auto* v) { *v = it.value().get<std::remove_pointer_t<decltype(v)>>(); }}, e->target);
    } catch (const nlohmann::json::exception&) {
      Throw(ErrorCode::kInvalidArgument, "{}: key '{}' has the wrong type (want {})", origin, it.key(),
            TypeName(e->target));
    }
  }
}

std::string OptionSet::HelpText() const {
  std::string out;
  for (const auto& e : entries_) {
    out += fmt::format("  {:<24} {:<6} {} (default: {})", FlagName(e.key), TypeName(e.target), e.help,
                       e.default_text.empty() ? "\"\"" : e.default_text);
    if (e.lo || e.hi)
      out +=
          fmt::format(" [{}, {}]", e.lo ? fmt::format("{}", *e.lo) : "-inf", e.hi ? fmt::format("{}", *e.hi) : "inf");
    if (!e.choices.empty()) out += fmt::format(" {{{}}}", fmt::join(e.choices, "|"));
    out += "\n";
  }
  return out;
}

}  // namespace adpilot
