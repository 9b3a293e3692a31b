// Budgets shared by several replicas through Redis. Each operation is one Lua
// script, so the check and the update are atomic across replicas. A Redis that
// cannot be reached makes Reserve fail (the bidder then bids nothing) and queues
// Settle/Release locally until it returns: the reservation held in Redis already
// covers the spend, so the budget holds through the outage.
#include "adpilot/budget_ledger.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/text.h"

#ifdef ADPILOT_WITH_HIREDIS
#include <hiredis/hiredis.h>

#include <sys/time.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#endif

namespace adpilot {

#ifdef ADPILOT_WITH_HIREDIS
namespace {

// Each reservation is also a field "r:<token>" of the day's hash, so that a
// call whose reply was lost (timeout) can be replayed safely: Reserve is a
// no-op for a token already held, Release acts only while it is held, and a
// win is charged once per token (kWin).
constexpr const char* kReserve = R"(
if redis.call('HEXISTS', KEYS[1], 'r:' .. ARGV[3]) == 1 then return 1 end
local b = tonumber(ARGV[2])
local s = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local r = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local amt = tonumber(ARGV[1])
if s + r + amt > b then return 0 end
redis.call('HSET', KEYS[1], 'budget', b, 'r:' .. ARGV[3], amt)
redis.call('HINCRBY', KEYS[1], 'reserved', amt)
redis.call('EXPIRE', KEYS[1], 259200)
return 1)";

// A win, in time or late (Settle and ChargeLate alike). The reservation held
// under the token is settled at min(price, reservation); when Redis holds
// none (a loss or the TTL released it, a previous run made the bid, a
// restart lost the last writes) the price is charged anyway, since the
// exchange bills it. KEYS[2] marks the token as won until its notices expire,
// for every replica and across restarts, so a repeated or replayed win is
// never charged twice. Returns the amount charged, or -2 for a repeat.
constexpr const char* kWin = R"(
local res = tonumber(redis.call('HGET', KEYS[1], 'r:' .. ARGV[1]) or '-1')
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) == false then return -2 end
local amt = math.max(0, tonumber(ARGV[2]))
if res >= 0 then
  amt = math.min(amt, res)
  redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'reserved', -res)
end
redis.call('HINCRBY', KEYS[1], 'spent', amt)
redis.call('EXPIRE', KEYS[1], 259200)
return amt)";

// A loss or timeout: frees the reservation held under the token, if any; -1
// when none is (already settled or released).
constexpr const char* kRelease = R"(
local res = tonumber(redis.call('HGET', KEYS[1], 'r:' .. ARGV[1]) or '-1')
if res < 0 then return -1 end
redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
redis.call('HINCRBY', KEYS[1], 'reserved', -res)
return 0)";

struct Op {
  std::string key, token;
  int64_t actual;        // the win's price; 0 for a release
  bool release = false;  // a release (kRelease), else a win (kWin)
};

class RedisLedger : public BudgetLedger {
 public:
  RedisLedger(const std::string& address, std::string prefix, int timeout_ms, int64_t mark_ttl_s, const Context& ctx)
      : prefix_(std::move(prefix)),
        timeout_ms_(timeout_ms),
        mark_ttl_(std::to_string(std::max<int64_t>(1, mark_ttl_s))),
        log_(ctx.logger) {
    auto colon = address.rfind(':');
    if (colon == std::string::npos)
      Throw(ErrorCode::kInvalidArgument, "redis address '{}': expected host:port", address);
    host_ = address.substr(0, colon);
    // The whole rest must be the port: "host:63x9" is a typo, not port 63.
    port_ = ParseInt<int>(std::string_view(address).substr(colon + 1), {.plus = false}).value_or(0);
    if (port_ <= 0 || port_ > 65535) Throw(ErrorCode::kInvalidArgument, "redis address '{}': bad port", address);
  }
  ~RedisLedger() override {
    for (auto* c : idle_) redisFree(c);
  }

  void SetBudget(const std::string& campaign, int64_t budget) override {
    std::lock_guard lock(mu_);
    budgets_[campaign] = budget;
  }

  bool Reserve(const std::string& campaign, int32_t day, int64_t micros, const std::string& token) override {
    int64_t budget = Budget(campaign);
    if (budget < 0 || micros < 0) return false;
    if (!FlushPending()) return false;
    std::string key = Key(campaign, day);
    // Every replica passes the budget of its config; the key records it for
    // inspection (redis-cli HGETALL).
    long long r = 0;
    if (!Eval(kReserve, {key}, {std::to_string(micros), std::to_string(budget), token}, &r)) {
      // No reply: the script may still have run. Releasing the token (queued
      // until Redis answers) frees such a reservation and is a no-op otherwise.
      std::lock_guard lock(mu_);
      pending_.push_back(Op{key, token, 0, true});
      return false;
    }
    return r == 1;
  }

  void Settle(const std::string& campaign, int32_t day, int64_t, int64_t actual, const std::string& token) override {
    Apply(Op{Key(campaign, day), token, std::max<int64_t>(0, actual), false});
  }
  void Release(const std::string& campaign, int32_t day, int64_t, const std::string& token) override {
    Apply(Op{Key(campaign, day), token, 0, true});
  }

  bool ChargeLate(const std::string& campaign, int32_t day, int64_t micros, const std::string& token) override {
    if (micros < 0) return false;
    std::string key = Key(campaign, day);
    std::string won = prefix_ + ":won:" + token;
    long long r = 0;
    if (FlushPending() && Eval(kWin, {key, won}, {token, std::to_string(micros), mark_ttl_}, &r)) return r != -2;
    // Redis away: queued like a settlement (the token mark makes a replay safe).
    std::lock_guard lock(mu_);
    pending_.push_back(Op{key, token, micros, false});
    return true;
  }

  BudgetState State(const std::string& campaign, int32_t day) override {
    BudgetState s;
    s.campaign = campaign;
    s.budget = std::max<int64_t>(0, Budget(campaign));
    FlushPending();  // so that what is reported includes settlements queued earlier
    redisContext* c = Acquire();
    if (!c) {
      s.available = false;
      return s;
    }
    std::string key = Key(campaign, day);
    auto* rep = static_cast<redisReply*>(redisCommand(c, "HMGET %s spent reserved", key.c_str()));
    bool ok = rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2;
    if (ok) {
      auto num = [](redisReply* e) { return e->type == REDIS_REPLY_STRING ? std::atoll(e->str) : 0LL; };
      s.spent = num(rep->element[0]);
      s.reserved = num(rep->element[1]);
    }
    if (rep) freeReplyObject(rep);
    Return(c, ok);
    s.available = ok;
    return s;
  }

  size_t pending() const override {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  bool checks_tokens() const override { return true; }

 private:
  std::string Key(const std::string& campaign, int32_t day) const {
    return prefix_ + ":" + campaign + ":" + std::to_string(day);
  }
  int64_t Budget(const std::string& campaign) {
    std::lock_guard lock(mu_);
    auto it = budgets_.find(campaign);
    return it == budgets_.end() ? -1 : it->second;
  }

  void Apply(Op op) {
    if (!FlushPending() || !Run(op)) {
      std::lock_guard lock(mu_);
      pending_.push_back(std::move(op));
    }
  }

  bool Run(const Op& op) {
    long long r = 0;
    if (op.release) return Eval(kRelease, {op.key}, {op.token}, &r);
    return Eval(kWin, {op.key, prefix_ + ":won:" + op.token}, {op.token, std::to_string(op.actual), mark_ttl_}, &r);
  }

  // Replays queued settlements in order; false while Redis is still away.
  bool FlushPending() {
    for (;;) {
      Op op;
      {
        std::lock_guard lock(mu_);
        if (pending_.empty()) return true;
        op = pending_.front();
        pending_.pop_front();
      }
      if (!Run(op)) {
        std::lock_guard lock(mu_);
        pending_.push_front(std::move(op));
        return false;
      }
    }
  }

  bool Eval(const char* script, const std::vector<std::string>& keys, const std::vector<std::string>& args,
            long long* out) {
    redisContext* c = Acquire();
    if (!c) return false;
    const std::string nkeys = std::to_string(keys.size());
    std::vector<const char*> argv = {"EVAL", script, nkeys.c_str()};
    std::vector<size_t> lens = {4, strlen(script), nkeys.size()};
    for (const auto& k : keys) {
      argv.push_back(k.c_str());
      lens.push_back(k.size());
    }
    for (const auto& a : args) {
      argv.push_back(a.c_str());
      lens.push_back(a.size());
    }
    auto* rep = static_cast<redisReply*>(redisCommandArgv(c, int(argv.size()), argv.data(), lens.data()));
    bool ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (ok) *out = rep->integer;
    if (rep && rep->type == REDIS_REPLY_ERROR) log_->warn("redis: {}", rep->str);
    if (rep) freeReplyObject(rep);
    Return(c, ok);
    return ok;
  }

  // A pooled connection, or null while Redis is unreachable (reconnects are
  // tried at most every 100 ms so an outage does not stall every request).
  redisContext* Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto* c = idle_.back();
        idle_.pop_back();
        return c;
      }
      auto now = std::chrono::steady_clock::now();
      if (now < retry_after_) return nullptr;
      retry_after_ = now + std::chrono::milliseconds(100);
    }
    timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
    redisContext* c = redisConnectWithTimeout(host_.c_str(), port_, tv);
    if (!c || c->err) {
      if (c) redisFree(c);
      if (!down_.exchange(true)) log_->warn("redis {}:{} unreachable: not bidding until it returns", host_, port_);
      return nullptr;
    }
    redisSetTimeout(c, tv);
    if (down_.exchange(false)) log_->info("redis {}:{} reachable again", host_, port_);
    std::lock_guard lock(mu_);
    retry_after_ = {};
    return c;
  }

  void Return(redisContext* c, bool ok) {
    if (!ok && c->err) {
      redisFree(c);  // a broken connection is never reused
      return;
    }
    std::lock_guard lock(mu_);
    idle_.push_back(c);
  }

  std::string prefix_, host_;
  int port_ = 0, timeout_ms_;
  std::string mark_ttl_;  // seconds a won token stays marked (the notices' lifetime)
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> budgets_;
  std::vector<redisContext*> idle_;
  std::deque<Op> pending_;
  std::chrono::steady_clock::time_point retry_after_{};
  std::atomic<bool> down_{false};
};

}  // namespace

std::unique_ptr<BudgetLedger> MakeRedisLedger(const std::string& address, const std::string& prefix, int timeout_ms,
                                              const Context& ctx, int64_t won_mark_ttl_s) {
  return std::make_unique<RedisLedger>(address, prefix, timeout_ms, won_mark_ttl_s, ctx);
}

#else

std::unique_ptr<BudgetLedger> MakeRedisLedger(const std::string& address, const std::string&, int, const Context&,
                                              int64_t) {
  Throw(ErrorCode::kUnsupported, "redis budget store '{}' requested, but adpilot was built without hiredis", address);
}

#endif

}  // namespace adpilot
