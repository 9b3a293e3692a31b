// The user population: demographics, a latent interest mixture over topics and
// an activity level, kept in memory (auctions, experiment and journeys draw
// users from it), and users.jsonl with texts drawn from the interests.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/world.h"
#include "gen/random.h"

namespace adpilot::gen {

inline const std::vector<std::string> kGenders = {"f", "m", "x"};
inline const std::vector<std::string> kRegions = {"north", "south", "east", "west", "central"};
inline const std::vector<std::string> kIncomes = {"low", "mid", "high"};
inline const std::vector<std::string> kDevices = {"desktop", "mobile", "tablet", "ctv"};

struct User {
  uint8_t age = 0, gender = 0, region = 0, income = 0, device = 0;
  uint8_t dominant = 0;      // argmax of the interests
  float activity = 1;        // relative auction rate (mean 1)
  float propensity = 0;      // the user's own click tendency (logit scale)
  uint32_t past_clicks = 0;  // I2: historic clicks, driven by propensity
  uint32_t tenure_days = 0;  // I9
};

struct Population {
  int topics = 0;
  std::vector<User> users;
  std::vector<float> interests;            // users x topics, rows sum to 1
  std::vector<std::array<char, 8>> token;  // C1 hex token per user
  AliasTable by_activity;                  // draws a user in proportion to activity

  const float* Interests(size_t u) const { return &interests[u * size_t(topics)]; }
  static std::string Id(size_t u);  // "u0000042"
};

Population MakePopulation(const WorldConfig& cfg, const Context& ctx);

// Writes users.jsonl (texts drawn from stream "users.texts"); returns the
// truth.json "users" object.
nlohmann::json WriteUsers(const WorldConfig& cfg, const Population& pop, const std::string& path, const Context& ctx);

// 8 lower-case hex digits naming value `v` of a field, as Criteo's hashed categoricals.
std::array<char, 8> HexToken(const std::string& field, const std::string& value);

}  // namespace adpilot::gen
