// Multi-touch attribution: who gets credit for a conversion. Rule-based models
// (last, first, linear, position, decay) split each converting journey; the
// data-driven ones (markov removal effect, shapley) also learn from journeys
// that did not convert. Journey layout: docs/attribution.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "adpilot/registry.h"

namespace adpilot {

struct Context;

struct Journey {
  std::vector<int> touches;   // channel indices in time order
  std::vector<double> times;  // touch times (Unix seconds) or empty
  double conversions = 0;     // 0 / 1 (or a count)
};

struct Journeys {
  std::vector<std::string> channels;  // index -> name, first-seen order
  std::vector<Journey> items;
  bool has_time = false;
  double total_conversions() const;
};

// Column names of the long layout: one row per touch.
struct JourneyColumns {
  std::string journey = "journey_id";
  std::string channel = "channel";
  std::string converted = "converted";
  std::string time = "timestamp";  // optional: used when the column exists
  std::string order = "touch";     // optional: orders touches within a journey
};

// Streams a long-layout journeys CSV (plain or gzip). Touches of one journey may
// be spread over the file; they are ordered by `order` then `time` then file order.
Journeys ReadJourneys(const std::string& path, const JourneyColumns& cols = {});

struct AttributionOptions {
  double half_life = 7;             // time decay: days (with timestamps) or touches (without)
  double position_first = 0.4;      // position-based: share of the first touch
  double position_last = 0.4;       // and of the last; the middle touches share the rest
  int shapley_exact_max = 12;       // channels up to which Shapley values are exact
  int shapley_permutations = 4000;  // sampled permutations above that
  int min_set_journeys = 20;        // shapley: journeys a channel set needs for its own rate
};

class AttributionModel {
 public:
  virtual ~AttributionModel() = default;
  // Attributed conversions per channel (same order as j.channels).
  virtual std::vector<double> Attribute(const Journeys& j, const AttributionOptions& o, const Context& ctx) const = 0;
};
using AttributionRegistry = Registry<AttributionModel>;

std::vector<double> Attribute(const Journeys& j, const std::string& model, const AttributionOptions& o,
                              const Context& ctx);

// Markov-chain conversion probability from the start state, and the removal
// effect of each channel (1 - P(conv without channel) / P(conv)).
struct MarkovResult {
  double conversion_probability = 0;
  std::vector<double> removal_effect;
};
MarkovResult MarkovRemoval(const Journeys& j);

}  // namespace adpilot
