// Daily campaign budgets that cannot be overspent however many threads or
// replicas bid: a bid first reserves its maximum cost (Reserve), the win notice
// turns the reservation into spend at the clearing price (Settle, never more
// than was reserved), and a loss or a timeout gives it back (Release). The
// check spent + reserved + amount <= budget and the increment are one atomic
// step: a CAS in one process, a Lua script in Redis for several replicas.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace adpilot {

struct Context;

struct BudgetState {
  std::string campaign;
  int64_t budget = 0, spent = 0, reserved = 0;  // micro-units of the account currency
  bool available = true;                        // false while the shared store is unreachable
  // Never below zero, even when late wins pushed spend past the budget.
  int64_t remaining() const {
    int64_t r = budget - spent - reserved;
    return r > 0 ? r : 0;
  }
  int64_t overspend() const { return spent > budget ? spent - budget : 0; }
};

class BudgetLedger {
 public:
  virtual ~BudgetLedger() = default;
  // Sets (or changes, on reload) a campaign's daily budget.
  virtual void SetBudget(const std::string& campaign, int64_t budget_micros) = 0;
  // Reserves `micros` for `day` (days since the epoch, UTC) under a unique
  // `token` (the bid id). False when it would exceed the budget or when the
  // store cannot confirm it (bid nothing then).
  virtual bool Reserve(const std::string& campaign, int32_t day, int64_t micros, const std::string& token) = 0;
  // Converts a reservation into spend of min(actual, reserved); the rest is
  // freed. Settle and Release are idempotent per token: a replayed or repeated
  // call finds no reservation and changes nothing.
  virtual void Settle(const std::string& campaign, int32_t day, int64_t reserved, int64_t actual,
                      const std::string& token) = 0;
  virtual void Release(const std::string& campaign, int32_t day, int64_t reserved, const std::string& token) = 0;
  // Charges a win whose reservation is gone (released by a loss or its TTL,
  // or held by a previous run of the server): spend grows by `micros` even
  // past the budget, since the exchange bills the win either way. Idempotent
  // per token; a reservation still held under `token` is settled instead.
  // Returns false for a token already charged (a duplicate win).
  virtual bool ChargeLate(const std::string& campaign, int32_t day, int64_t micros, const std::string& token) = 0;
  virtual BudgetState State(const std::string& campaign, int32_t day) = 0;
  // Settlements waiting for the shared store to come back (0 for the local ledger).
  virtual size_t pending() const { return 0; }
  // True when Release and Settle check their token (act only on a reservation
  // held under it), so a notice for a bid this process never reserved (a
  // previous run's) may be passed on safely. The local ledger trusts its
  // caller instead: one process, every call exactly once.
  virtual bool checks_tokens() const { return false; }
};

// One process: atomics per campaign and day.
std::unique_ptr<BudgetLedger> MakeLocalLedger();

// Shared through Redis at "host:port" (keys "<prefix>:<campaign>:<day>").
// Settlements that fail while Redis is down are queued and replayed when it
// returns; reservations fail meanwhile, so the bidder stops bidding.
// Won tokens stay marked for `won_mark_ttl_s` (the notices' lifetime), so a
// duplicate win is recognised by any replica and across restarts.
// Throws kUnsupported when built without hiredis.
std::unique_ptr<BudgetLedger> MakeRedisLedger(const std::string& address, const std::string& prefix, int timeout_ms,
                                              const Context& ctx, int64_t won_mark_ttl_s = 3600);

// Days since 1970-01-01 UTC for a Unix time in seconds.
inline int32_t UtcDay(int64_t unix_seconds) { return int32_t(unix_seconds / 86400); }

}  // namespace adpilot
