// The marketing world simulator: one consistent synthetic world (users with
// texts, auctions, weekly channel spend and KPI, an experiment, multi-touch
// journeys) generated from known parameters, with the truth written beside it
// so every later stage can be checked against it. File layouts:
// docs/formats.d/20-gen.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace adpilot {

class OptionSet;
struct Context;

struct WorldConfig {
  // Sizes (defaults = the "small" scale).
  int64_t auctions = 200000;
  int64_t users = 5000;
  int days = 14;
  int weeks = 156;
  int channels = 5;
  int topics = 8;
  int64_t experiment_units = 20000;
  int64_t journeys = 20000;
  int texts_min = 3, texts_max = 12;
  // Vocabulary mismatch: each topic's words split into this many groups and
  // each user writes mostly (75%) from one group, the rest from the whole
  // topic (1 = off, the default: every user draws from the whole topic).
  int dialects = 1;
  // Auction model.
  double ctr = 0.04;                   // target mean click rate
  double interaction_strength = 1.0;   // scale of the pairwise latent interactions
  double interest_strength = 1.0;      // weight of user interest x ad topic
  double higher_order_strength = 0.0;  // scale of the field-aware three-way interactions (0 = none)
  double targeting = 0.5;              // share of ads picked from the user's interests
  double competitiveness = 1.0;        // multiplies the market price level
  double price_noise = 0.5;            // sd of log market price
  int max_price = 300;
  double cvr = 0.08;  // mean P(conversion | click)
  // Channels (marketing mix).
  double kpi_noise = 0.05;         // noise sd as a share of the mean KPI
  double spend_correlation = 0.5;  // share of spend variation from a common factor
  // How far the logged (current) split is from the best one: channel c's true
  // ROAS is multiplied by exp(+m) (even c) or exp(-m) (odd c), so the money sits
  // where it earns least (0 = off, the default: worlds stay byte-identical).
  double spend_misallocation = 0.0;
  // Experiment and journeys.
  double treatment_share = 0.5;
  double uplift_strength = 1.0;     // scales the heterogeneous treatment effect
  double journey_base_rate = 0.02;  // conversion probability with no touches
  std::string scale = "small";

  // Registers every knob (key, help, bounds) on `opts`.
  void Describe(OptionSet& opts);
  // Sets the sizes of a named scale ("small", "medium", "large"); throws kInvalidArgument.
  void ApplyScale(const std::string& name);
  // Cross-field checks the per-key bounds cannot express; throws kInvalidArgument naming the key.
  void Check() const;
};

// Names used in the files (the first `topics` / `channels` are used).
const std::vector<std::string>& TopicNames();
const std::vector<std::string>& ChannelNames();

// Writes the world into `dir` (created if needed) and returns truth.json's object.
nlohmann::json GenerateWorld(const WorldConfig& config, const std::string& dir, const Context& ctx);

// Response-curve helpers shared with the truth computation (and usable by callers
// that want the true curves): Hill saturation and its derivative.
double HillSaturation(double x, double K, double gamma);
double HillDerivative(double x, double K, double gamma);

}  // namespace adpilot
