// Campaigns a bidder serves, as declared in the serve config: budget per day,
// targeting, exclusions, creatives, the bidding strategy and pacing. Money is
// held in micro-units of the account currency (USD by default) so that budget
// arithmetic is exact.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adpilot/openrtb.h"

namespace adpilot {

inline constexpr int64_t kMicrosPerUnit = 1'000'000;

struct Creative {
  std::string id;
  int w = 0, h = 0;
  // Markup with the macros ${CLICK_URL} (our click tracker) and ${AUCTION_PRICE}.
  std::string adm;
};

struct Targeting {
  std::string inventory = "any";        // any | site | app
  std::vector<std::string> domains;     // site.domain / app.bundle allow-list (empty = all)
  std::vector<std::string> publishers;  // publisher.id allow-list
  std::vector<std::string> countries;   // device.geo.country (ISO-3166 alpha-3 as sent)
  std::vector<int> devicetypes;         // OpenRTB device types
  std::vector<std::string> os;          // device.os, case-insensitive
};

struct Campaign {
  std::string id;
  double daily_budget = 0;  // account currency per UTC day
  double max_cpm = 0;       // hard cap of any bid (CPM)
  // Bidding strategy from the deliver stage's BidderRegistry (bidding.h), with
  // either a fitted policy file (`adpilot bid train --out`) or inline params.
  std::string strategy = "lin";
  std::string policy;                  // .apb file; "" = strategy defaults + params
  std::string params_json;             // [campaign.params] as JSON ("" = none)
  double avg_ctr = 0.001;              // training CTR the strategy is set up with
  double avg_cpm = 1.0;                // mean clearing CPM of past impressions
  int64_t daily_auctions = 1'000'000;  // expected auctions per day (budget period length)
  std::string pacing = "even";         // none | even
  double pacing_slack = 0.05;          // even: spend may lead the day's clock by this share
  double shade = 0.85;                 // first-price auctions bid value * shade
  std::vector<std::string> adomain;    // advertiser domains (checked against badv)
  std::vector<std::string> cat;        // IAB categories (checked against bcat, prefix-wise)
  Targeting targeting;
  std::vector<Creative> creatives;
};

// Reads every [[campaign]] of a serve config. Unknown keys, missing ids,
// duplicate ids, non-positive budgets and creatives without size are
// kInvalidArgument errors naming the key and the file.
std::vector<Campaign> LoadCampaigns(const std::string& toml_path);

// Why a campaign does not bid on an impression ("" = it may bid). Checks
// targeting, bcat/badv and that a creative fits one of the impression's sizes;
// `creative` is set to the index of the first creative that fits.
std::string MatchCampaign(const Campaign& c, const openrtb::BidRequest& req, const openrtb::Imp& imp, int& creative);

}  // namespace adpilot
