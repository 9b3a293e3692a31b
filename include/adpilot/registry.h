// Creation by name, as xgboost registers objectives: a new model, reader,
// strategy or metric is one file plus one ADPILOT_REGISTER line. An unknown name
// is an error that lists the valid ones.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adpilot/error.h"

namespace adpilot {

template <typename Base, typename... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Base>(Args...)>;
  struct Entry {
    std::string description;
    Factory factory;
  };

  // The one registry for this (Base, Args) family. `kind` names it in errors.
  static Registry& Get() {
    static Registry instance;
    return instance;
  }

  bool Add(const std::string& name, std::string description, Factory factory) {
    entries_[name] = Entry{std::move(description), std::move(factory)};
    return true;
  }

  bool Has(const std::string& name) const { return entries_.count(name) != 0; }

  std::unique_ptr<Base> Create(const std::string& kind, const std::string& name, Args... args) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      Throw(ErrorCode::kInvalidArgument, "unknown {} '{}'; valid: {}", kind, name, NamesJoined());
    }
    return it->second.factory(std::forward<Args>(args)...);
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : entries_) out.push_back(k);
    return out;
  }

  const std::map<std::string, Entry>& entries() const { return entries_; }

  std::string NamesJoined() const {
    std::string s;
    for (const auto& [k, v] : entries_) {
      if (!s.empty()) s += ", ";
      s += k;
    }
    return s;
  }

 private:
  std::map<std::string, Entry> entries_;
};

}  // namespace adpilot

#define ADP_CONCAT_INNER(a, b) a##b
#define ADP_CONCAT(a, b) ADP_CONCAT_INNER(a, b)

// ADPILOT_REGISTER(RegistryType, "name", "one-line description", factory-lambda)
#define ADPILOT_REGISTER(RegistryType, name, description, ...)               \
  [[maybe_unused]] static const bool ADP_CONCAT(adp_registered_, __LINE__) = \
      RegistryType::Get().Add(name, description, __VA_ARGS__)
