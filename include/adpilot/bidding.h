// Bidding strategies, shared by the offline replay (`adpilot bid`) and the
// online bidder (serve). A Bidder is created by name from BidderRegistry
// (const, rand, mcpc, lin, ortb1, ortb2, rlb, rlbx, dual, pid, throttle, dqn,
// and best, which picks one of them on the tuning log), fitted
// on training data only (Fit), then driven auction by auction:
//   BeginPeriod(budget, auctions)   once per budget period (an RLB episode, a day)
//   Bid(AuctionContext) -> price    per auction (0 = no bid)
//   Observe(AuctionOutcome)         after each auction the bidder took part in
// Money is in the unit of the log's prices (iPinYou: CNY fen per 1000 impressions).
//
// Thread-safety: a Bidder is stateful (pacing state, dual price, RL state) and
// NOT thread-safe. Online use: one Bidder per campaign behind a mutex, or
// Clone() one per thread and give each its share of the budget. Fit/Save/Load
// must not run concurrently with Bid.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adpilot/auction_log.h"
#include "adpilot/registry.h"

namespace adpilot {

struct Context;

enum class AuctionType { kSecondPrice, kFirstPrice };
AuctionType ParseAuctionType(const std::string& s);  // "second" | "first"
const char* AuctionTypeName(AuctionType t);

// Static setting of a bidder: the auction rules and the budget protocol.
struct BidderEnv {
  CampaignStats stats;
  AuctionType auction = AuctionType::kSecondPrice;
  double max_bid = 300;             // bids are capped here (iPinYou's max market price)
  int64_t episode_auctions = 1000;  // T: auctions per budget period
  double episode_budget = 0;        // B per full period
  double click_value = 1;           // value of a click for value-based strategies (dual)
  uint64_t seed = 42;               // for randomised strategies
};

// Per-auction input. Fields a caller does not know keep their defaults.
struct AuctionContext {
  double pctr = 0;                 // predicted click probability of this impression
  double remaining_budget = 0;     // budget left in the current period
  int64_t remaining_auctions = 0;  // auctions left in the period, this one included (>= 1)
  double remaining_time = 0;       // share of the period left, in [0, 1] (pacing when auctions are unknown)
  double floor = 0;                // reserve price: a bid below it cannot win
};

struct AuctionOutcome {
  bool won = false;
  double price = 0;  // price paid (0 when lost)
  bool clicked = false;
  double pctr = 0;  // the pCTR the bid was placed with
};

class Bidder {
 public:
  virtual ~Bidder() = default;
  const std::string& name() const { return name_; }

  // Fits the strategy's parameters (b0, lambda, value function, network) on a
  // training/validation log; never on the test stream. Default: nothing to fit.
  virtual void Fit(const AuctionLog& train, const Context& ctx);
  // Starts a replay of a whole stream (Replay() calls it before the first
  // auction), so state that spans budget periods, such as a running pCTR
  // level, starts alike for every replay of a log. Default: nothing spans them.
  virtual void BeginStream() {}
  // Starts a budget period of `auctions` auctions with `budget` to spend.
  virtual void BeginPeriod(double budget, int64_t auctions) = 0;
  // The bid for one auction, in [0, min(max_bid, remaining_budget)]. 0 = no bid.
  virtual double Bid(const AuctionContext& a) = 0;
  // The result of an auction Bid() was called for (won or not).
  virtual void Observe(const AuctionOutcome&) {}

  // Fitted parameters, as saved in a policy file and reported by the CLI.
  virtual nlohmann::json Params() const = 0;
  virtual void SetParams(const nlohmann::json& p) = 0;
  virtual std::unique_ptr<Bidder> Clone() const = 0;
  // The strategy that actually bids: name() except for `best`, which reports its pick.
  virtual std::string Resolved() const { return name_; }

  const BidderEnv& env() const { return env_; }

 protected:
  explicit Bidder(BidderEnv env) : env_(std::move(env)) {}
  // Caps a raw bid into [0, min(max_bid, remaining budget)].
  double Cap(double b, const AuctionContext& a) const;
  BidderEnv env_;

 private:
  friend std::unique_ptr<Bidder> MakeBidder(const std::string&, const BidderEnv&);
  std::string name_;
};

using BidderRegistry = Registry<Bidder, const BidderEnv&>;

// Creates a strategy by name.
std::unique_ptr<Bidder> MakeBidder(const std::string& name, const BidderEnv& env);
// The strategies `best` chooses among, in tie-break order. `best` scores each
// by 2-fold cross-fitting over the tuning log's episodes (never the test
// stream), refits the winner on the whole tuning log and bids with it; with
// fewer than 4 tuning episodes it uses rlb (train stats only).
std::vector<std::string> BestCandidates();

// Policy files (`adpilot bid train --out policy.apb`): a container
// (adpilot/container.h, magic "APBIDPOL") whose config is the strategy name,
// env and params as JSON; written atomically. Version 1 files still load.
// Loading a corrupt, truncated or newer file throws kCorruption.
void SavePolicy(const Bidder& b, const std::string& path);
std::unique_ptr<Bidder> LoadPolicy(const std::string& path);

}  // namespace adpilot
