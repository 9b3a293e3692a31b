// Auction replay: drives a Bidder through a logged stream in order. A bid wins
// when it reaches the logged market price (bid >= price, as in the RLB and
// make-ipinyou-data scripts); the winner pays the market price (second price)
// or its own bid (first price). Budgets follow one of two protocols:
//  - rlb:  episodes of T auctions, each with B = CPM * T * c0 / 1000 (CPM from
//          training); a final partial episode of n < T auctions gets B * n / T;
//  - ortb: one period over the whole log with B = c0 * total cost of the log.
// Invariant (checked on every win): spend never exceeds the budget, also at the
// last auction; a bid above the remaining budget is capped to it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/auction_log.h"
#include "adpilot/bidding.h"
#include "adpilot/reader.h"

namespace adpilot {

struct ReplayConfig {
  std::string protocol = "rlb";                    // "rlb" | "ortb"
  double budget_ratio = 1.0 / 32;                  // c0
  int64_t episode = BidderEnv().episode_auctions;  // T (rlb protocol)
  AuctionType auction = AuctionType::kSecondPrice;
  double max_bid = BidderEnv().max_bid;
  // Budget of one full period; <= 0: derived from the protocol.
  double budget_override = 0;
  // Multiplies the protocol's budget (not an override): e.g. the schedule
  // stage's allocated / current spend of the channel buying these auctions.
  double budget_scale = 1;
  bool traces = true;  // keep per-episode and per-hour traces
};

struct PeriodTrace {
  uint64_t auctions = 0, bids = 0, impressions = 0, clicks = 0;
  double spend = 0, budget = 0;
};

struct ReplayResult {
  std::string strategy;
  std::string resolved;  // the strategy that bid (`best`: its pick; else = strategy)
  uint64_t auctions = 0, bids = 0, impressions = 0, clicks = 0, conversions = 0;
  double spend = 0, budget = 0;
  double expected_clicks = 0;  // sum of the won auctions' pCTR (lower variance than clicks)
  uint64_t episodes = 0;
  double seconds = 0;
  std::vector<PeriodTrace> episode_trace;  // one per budget period
  std::vector<PeriodTrace> hour_trace;     // 24 entries when the log has hours
  // With traces: (pCTR, bid) of about 400 evenly spaced auctions, for plots.
  std::vector<std::pair<float, float>> bid_samples;
  double win_rate() const { return auctions ? double(impressions) / double(auctions) : 0; }
  double cpm() const { return impressions ? 1000.0 * spend / double(impressions) : 0; }
  double ecpc() const { return clicks ? spend / double(clicks) : 0; }
};

// Budget of one full period under `cfg` for this log and training stats.
double PeriodBudget(const ReplayConfig& cfg, const AuctionLog& log, const CampaignStats& train);

// The budget multiplier implied by an allocation (`adpilot mmm allocate --json`
// output or its --out file): allocated / current spend of `channel`. Throws
// kInvalidArgument naming the valid channels when `channel` is not in it, and
// kBadInput when its current spend is not > 0.
double BudgetScaleFromAllocation(const std::string& alloc_json_path, const std::string& channel);

// The environment a bidder is created with for this replay setting.
BidderEnv MakeBidderEnv(const ReplayConfig& cfg, const AuctionLog& log, const CampaignStats& train, uint64_t seed);

// Replays `log` with `bidder` (already fitted). Deterministic for a given bidder state.
ReplayResult Replay(const AuctionLog& log, Bidder& bidder, const ReplayConfig& cfg, const CampaignStats& train);

void to_json(nlohmann::json& j, const ReplayResult& r);
// The inverse of to_json (the derived rates are recomputed), exact for every
// field: how ranks of a distributed `bid compare` hand each other results.
void from_json(const nlohmann::json& j, ReplayResult& r);

// Hindsight optimum: the most clicks any bidder could win on `log` under the
// same budget periods (second price, a 0/1 knapsack per period over the won
// auctions' prices, solved exactly by DP over integer prices). Expected clicks
// (sum of pCTR) instead of realised clicks when `use_pctr`.
double HindsightOptimalClicks(const AuctionLog& log, const ReplayConfig& cfg, const CampaignStats& train,
                              bool use_pctr);

// What the pCTRs allow: an oracle that knows every auction's price and pCTR
// in advance (never its click) and buys, per budget period, the auctions of
// best pCTR per unit of money. `expected_clicks` is the fractional bound (no
// bidder that sees only pCTRs can expect more); `clicks` are the realised
// clicks of the auctions it buys whole. A strategy far below the bound has
// room to improve; realised clicks above the oracle's are luck.
struct ForesightBound {
  double expected_clicks = 0, clicks = 0;
};
ForesightBound PctrForesight(const AuctionLog& log, const ReplayConfig& cfg, const CampaignStats& train);

}  // namespace adpilot

namespace adpilot {

struct Context;

// Creates strategy `name` for this setting, fits it on `tune` (training or
// validation auctions, never the test log; null = no fitting, defaults from
// `train`) and replays `test`.
ReplayResult RunStrategy(const std::string& name, const AuctionLog& test, const AuctionLog* tune,
                         const CampaignStats& train, const ReplayConfig& cfg, const Context& ctx);

// A full bid log read with the `format` reader (e.g. "ipinyou": click,
// payprice, timestamp) scored by the adpilot model at `model_path` for pCTR.
// `privacy`: the pseudonymisation the model was trained under (--pseudonymise).
AuctionLog LoadScoredLog(const std::string& path, const std::string& format, const std::string& model_path,
                         const Context& ctx, const PrivacyOptions& privacy = {});

// Every registered strategy name, in a stable order.
std::vector<std::string> StrategyNames();

// Where a replay's auctions come from (the options every `adpilot bid` command shares).
struct ReplaySource {
  std::string log;             // the test stream
  std::string format = "rlb";  // rlb, world, or a reader (ipinyou) scored with `model`
  std::string model;           // adpilot model scoring pCTR for a reader format
  std::string train;           // <camp>.train-info.txt, info.json, or a training auction log
  std::string tune_log;        // auctions to tune strategy parameters on (never the test log)
  double tune_split = 0;       // > 0: tune on this leading share of `log`, replay the rest
  PrivacyOptions privacy;      // a reader format's pseudonymisation (as the model was trained)
};

// The data of one replay: the test log, the tuning log and the training stats.
struct ReplayInputs {
  AuctionLog test, tune;
  CampaignStats train;
  std::string tune_source;  // where `tune` came from ("" = no tuning data)
};

// Loads the logs of `src`. With --train info beside an RLB data set, its
// validation stream is the tuning log (never the log under test); without a
// test log the tuning log is replayed (bid train). `episode` aligns the
// tune-split cut to a budget episode. Logs what it tunes on.
ReplayInputs LoadReplayInputs(const ReplaySource& src, int64_t episode, const Context& ctx);

// The budget multiplier of --budget-from ALLOC --channel NAME (1 when neither
// is given): the generated world's auctions and its weekly channel spend live
// on unrelated money scales, so the allocation moves the budget relatively:
// replay budget = the c0 protocol budget x (allocated / current spend of the
// channel that buys these auctions). Both or neither, and not with a fixed
// `budget_override` > 0.
double ReplayBudgetScale(const std::string& budget_from, const std::string& channel, double budget_override);

// A budget ratio as text, a number or a fraction like 1/32; must be > 0.
double ParseBudgetRatio(const std::string& s);

}  // namespace adpilot
