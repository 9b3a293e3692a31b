// Typed options declared once. A component describes its option struct with an
// OptionSet (key, target, default taken from the struct, help, bounds); the same
// declaration then reads TOML config (unknown keys are errors naming key and
// file), adds command-line flags that override config, validates bounds, prints
// help and serialises the effective configuration into model files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace adpilot {

class OptionSet {
 public:
  using Target = std::variant<bool*, int*, int64_t*, uint64_t*, double*, std::string*, std::vector<std::string>*>;
  struct Entry {
    std::string key;  // snake_case; the flag is --key with '_' -> '-'
    Target target;
    std::string help;
    std::string default_text;  // the value at declaration time
    std::optional<double> lo, hi;
    std::vector<std::string> choices;
    bool required = false;
    bool positional = false;  // given by position on a command line, not as --flag
    enum class Io { kNone, kInput, kOutput, kOutputDir } io = Io::kNone;  // paths a step reads or writes
    std::vector<std::string> aliases;                                     // older flag names, still accepted
  };

  // `section` is the TOML table this set reads ("" = top level).
  explicit OptionSet(std::string section = "") : section_(std::move(section)) {}

  template <typename T>
  OptionSet& Add(std::string key, T* target, std::string help) {
    entries_.push_back(
        Entry{std::move(key), Target(target), std::move(help), "", {}, {}, {}, false, false, Entry::Io::kNone, {}});
    entries_.back().default_text = ValueText(entries_.back());
    return *this;
  }
  // Bounds and choices apply to the option added last.
  OptionSet& Range(double lo, double hi);
  OptionSet& Min(double lo);
  OptionSet& Choices(std::vector<std::string> choices);
  OptionSet& Required();
  OptionSet& Positional();
  // A file or folder the command writes: `adpilot run` leaves it out of a
  // step's reuse key and creates its folder before the step runs.
  OptionSet& Output();
  OptionSet& OutputDir();
  // An older name of this option (snake_case), accepted as key and flag.
  OptionSet& Alias(std::string key);

  // The one mapping from a key to its flag: "learning_rate" -> "--learning-rate".
  static std::string FlagName(const std::string& key);

  // Reads `section` of a TOML file (or the whole file when section is empty).
  // Unknown keys, wrong types and bad values are kInvalidArgument errors that
  // name the key and the file.
  void LoadTomlFile(const std::string& path);
  // Sets one option from text, as a flag or config would ("--bits 20").
  void SetFromString(const std::string& key, const std::string& value, const std::string& origin);
  // Sets one option from a JSON value (a typed TOML value of `adpilot run`):
  // strings parse as SetFromString does, numbers and booleans must fit the type.
  void SetFromJson(const std::string& key, const nlohmann::json& value, const std::string& origin);
  // Parses command-line arguments after the command's name: --flag value,
  // --flag=value, a bare --flag for a bool, repeated list flags, positionals
  // in declaration order. Used by `adpilot run`; the CLI parses with CLI11.
  void ParseArgs(const std::vector<std::string>& args, const std::string& origin);
  // Checks bounds and choices of every option, and that required ones were set.
  void Validate() const;
  // Marks an option as given (required options must be).
  void MarkSet(const std::string& key);
  bool IsSet(const std::string& key) const;

  const std::string& section() const { return section_; }
  std::vector<Entry>& entries() { return entries_; }
  const std::vector<Entry>& entries() const { return entries_; }
  static std::string ValueText(const Entry& e);
  // {"key": value, ...} with current values.
  nlohmann::json ToJson() const;
  // Sets options from such an object (used when loading model files).
  void FromJson(const nlohmann::json& j, const std::string& origin);
  // One line per option: --flag <type> (default) help [range]
  std::string HelpText() const;

  // The option named `key` (or one of its aliases); null when there is none.
  Entry* Find(const std::string& key);
  const Entry* Find(const std::string& key) const { return const_cast<OptionSet*>(this)->Find(key); }

 private:
  std::string section_;
  std::vector<std::string> set_keys_;
  std::vector<Entry> entries_;
};

}  // namespace adpilot
