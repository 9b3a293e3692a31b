// World configuration: knobs, scales and checks; small shared helpers.
#include <cmath>

#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/world.h"
#include "gen/random.h"

namespace adpilot {

void WorldConfig::Describe(OptionSet& o) {
  o.Add("auctions", &auctions, "auctions to generate (rows of auctions.tsv/.rlb)").Min(1);
  o.Add("users", &users, "users (users.jsonl rows; they take part in auctions)").Range(1, 9999999);
  o.Add("days", &days, "days the auctions span (daily and weekly cycles)").Range(1, 3650);
  o.Add("weeks", &weeks, "weeks of channel spend and KPI (channels.csv rows)").Range(8, 5200);
  o.Add("channels", &channels,
        "marketing channels (search, social, ecommerce, display, video, tv, radio, email, affiliate, podcast)")
      .Range(1, 10);
  o.Add("topics", &topics,
        "interest topics (sports, travel, finance, cooking, tech, fashion, gaming, health, music, automotive, home, "
        "pets)")
      .Range(2, 12);
  o.Add("experiment_units", &experiment_units, "units in the randomised experiment (experiment.csv rows)").Min(2);
  o.Add("journeys", &journeys, "multi-touch journeys (journeys.csv)").Min(1);
  o.Add("texts_min", &texts_min, "fewest texts per user").Range(1, 100);
  o.Add("texts_max", &texts_max, "most texts per user").Range(1, 100);
  o.Add("dialects", &dialects,
        "vocabulary groups per topic; each user writes 75% of topic words from one (1 = off, the default)")
      .Range(1, 6);
  o.Add("ctr", &ctr, "target mean click-through rate of the auctions").Range(1e-4, 0.3);
  o.Add("interaction_strength", &interaction_strength,
        "scale of the field-aware pairwise interactions in the true click model (0 = none)")
      .Range(0, 5);
  o.Add("higher_order_strength", &higher_order_strength,
        "scale of the field-aware three-way interactions in the true click model, a structure FFM cannot represent (0 "
        "= none, the default)")
      .Range(0, 5);
  o.Add("interest_strength", &interest_strength, "weight of user interest x ad topic in the true click model")
      .Range(0, 5);
  o.Add("targeting", &targeting, "probability an ad is picked from the user's interests rather than at random")
      .Range(0, 1);
  o.Add("competitiveness", &competitiveness, "market price level multiplier (more bidders = higher prices)")
      .Range(0.05, 20);
  o.Add("price_noise", &price_noise, "sd of the log market price given the features").Range(0, 3);
  o.Add("max_price", &max_price, "largest market price (CPM units; prices are capped)").Range(2, 100000);
  o.Add("cvr", &cvr, "mean probability of a conversion after a click").Range(0, 1);
  o.Add("kpi_noise", &kpi_noise, "KPI noise sd as a share of the mean KPI").Range(0, 1);
  o.Add("spend_correlation", &spend_correlation, "share of weekly spend variation shared by all channels").Range(0, 1);
  o.Add("spend_misallocation", &spend_misallocation,
        "skews each channel's true ROAS by exp(+m) or exp(-m) (alternating), so the logged split is far from the "
        "best one (0 = off)")
      .Range(0, 3);
  o.Add("treatment_share", &treatment_share, "probability a unit is assigned to treatment").Range(0.01, 0.99);
  o.Add("uplift_strength", &uplift_strength, "scale of the heterogeneous treatment effect (0 = no effect)").Range(0, 5);
  o.Add("journey_base_rate", &journey_base_rate, "conversion probability of a journey without any touch effect")
      .Range(0, 1);
}

void WorldConfig::ApplyScale(const std::string& name) {
  scale = name;
  if (name == "small") {
    auctions = 200000, users = 5000, days = 14, experiment_units = 20000, journeys = 20000;
  } else if (name == "medium") {
    auctions = 2500000, users = 50000, days = 30, experiment_units = 100000, journeys = 100000;
  } else if (name == "large") {
    auctions = 100000000, users = 500000, days = 60, experiment_units = 1000000, journeys = 1000000;
  } else {
    Throw(ErrorCode::kInvalidArgument, "unknown scale '{}'; valid: small, medium, large", name);
  }
}

void WorldConfig::Check() const {
  if (texts_min > texts_max)
    Throw(ErrorCode::kInvalidArgument, "option 'texts_min' = {} is larger than 'texts_max' = {}", texts_min, texts_max);
}

const std::vector<std::string>& TopicNames() {
  static const std::vector<std::string> names = {"sports", "travel", "finance", "cooking",    "tech", "fashion",
                                                 "gaming", "health", "music",   "automotive", "home", "pets"};
  return names;
}

const std::vector<std::string>& ChannelNames() {
  static const std::vector<std::string> names = {"search", "social", "ecommerce", "display",   "video",
                                                 "tv",     "radio",  "email",     "affiliate", "podcast"};
  return names;
}

double HillSaturation(double x, double K, double gamma) {
  if (x <= 0) return 0;
  double a = std::pow(x / K, gamma);
  return a / (1 + a);
}

double HillDerivative(double x, double K, double gamma) {
  if (x <= 0) return gamma < 1 ? INFINITY : (gamma == 1 ? 1 / K : 0);
  double a = std::pow(x / K, gamma);
  return gamma * a / (x * (1 + a) * (1 + a));
}

namespace gen {

AliasTable::AliasTable(const std::vector<double>& weights) {
  size_t n = weights.size();
  ADP_CHECK(n > 0);
  double total = 0;
  for (double w : weights) total += w;
  prob_.assign(n, 0);
  alias_.assign(n, 0);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * double(n) / total;
    (scaled[i] < 1 ? small : large).push_back(uint32_t(i));
  }
  while (!small.empty() && !large.empty()) {
    uint32_t s = small.back(), l = large.back();
    small.pop_back();
    prob_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] -= 1 - scaled[s];
    if (scaled[l] < 1) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (uint32_t i : large) prob_[i] = 1, alias_[i] = i;
  for (uint32_t i : small) prob_[i] = 1, alias_[i] = i;
}

std::vector<double> ZipfWeights(size_t n, double s) {
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = 1.0 / std::pow(double(i + 1), s);
  return w;
}

}  // namespace gen
}  // namespace adpilot
