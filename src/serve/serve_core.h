// The server's logic without the network: bid decisions, notices, scoring,
// metrics, reload, and the reservation/impression tables with their timeouts.
// Everything here is thread-safe; the HTTP layer calls Handle() from its workers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "adpilot/server.h"
#include "serve/event_log.h"
#include "serve/feature_map.h"
#include "serve/notice_sign.h"
#include "serve/pending_table.h"
#include "serve/serve_metrics.h"
#include "serve/strategy.h"

namespace adpilot {

namespace serve {

// What is served, swapped whole by a reload.
struct ServingState {
  std::shared_ptr<PctrScorer> scorer;
  FeatureMap fmap;
  std::vector<Campaign> campaigns;
  std::vector<std::unique_ptr<CampaignStrategy>> strategies;
  std::map<std::string, double> currency;
};

struct Reservation {
  std::shared_ptr<ServingState> state;  // keeps the strategy alive across a reload
  int campaign = 0;
  int32_t day = 0;
  int64_t micros = 0;
  double rate = 1;  // response-currency units per account unit
  double pctr = 0;
  std::string row;  // training row (label 0)
  int64_t expires_ms = 0;
};

struct Impression {
  std::string campaign, row;
  double pctr = 0, price_cpm = 0;  // clearing CPM in account currency
  int64_t expires_ms = 0;
};

// A hash map split in shards so that notices and bids rarely share a lock
// (impressions waiting for a click; the bids waiting for a notice are in a
// PendingTable, pending_table.h). 256 shards because a shard that grows
// rehashes all its entries under its lock: the pause is the shard's size, and
// the shards, filled evenly, reach their thresholds together.
// Each shard also keeps its keys in insertion order with their expiry: every
// entry of a map lives for the same TTL (reservation_ttl_s, click_window_s),
// so that order is expiry order and a sweep pops only what has expired. A
// sweep that walked the whole map held each shard's lock for milliseconds
// once a few hundred thousand bids were pending (at 20k bids/s and a 300 s
// TTL there are millions), stalling the bids that hashed to it.
template <typename V>
class ShardedMap {
 public:
  void Put(const std::string& k, V v) {
    auto& s = shard(k);
    std::lock_guard lock(s.mu);
    s.order.emplace_back(v.expires_ms, k);
    s.map[k] = std::move(v);
  }
  bool Take(const std::string& k, V& out) {
    auto& s = shard(k);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(k);
    if (it == s.map.end()) return false;
    out = std::move(it->second);
    s.map.erase(it);
    return true;  // its entry in `order` is dropped when the sweep reaches it
  }
  // Removes and returns entries with expires_ms <= now (all when now < 0).
  std::vector<std::pair<std::string, V>> TakeExpiredWithKeys(int64_t now) {
    std::vector<std::pair<std::string, V>> out;
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      if (now < 0) {
        for (auto& kv : s.map) out.emplace_back(kv.first, std::move(kv.second));
        s.map.clear();
        s.order.clear();
        continue;
      }
      while (!s.order.empty() && s.order.front().first <= now) {
        auto it = s.map.find(s.order.front().second);
        // Absent: taken by a notice. Later expiry: put again since.
        if (it != s.map.end() && it->second.expires_ms <= now) {
          out.emplace_back(it->first, std::move(it->second));
          s.map.erase(it);
        }
        s.order.pop_front();
      }
    }
    return out;
  }
  std::vector<V> TakeExpired(int64_t now) {
    std::vector<V> out;
    for (auto& kv : TakeExpiredWithKeys(now)) out.push_back(std::move(kv.second));
    return out;
  }
  size_t size() {
    size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      n += s.map.size();
    }
    return n;
  }

 private:
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, V> map;
    std::deque<std::pair<int64_t, std::string>> order;  // (expires_ms, key), oldest first
  };
  Shard& shard(const std::string& k) { return shards_[std::hash<std::string>()(k) % shards_.size()]; }
  std::array<Shard, 256> shards_;
};

}  // namespace serve

class ServeCore {
 public:
  ServeCore(ServeConfig cfg, const Context& ctx, ScorerFactory factory, std::unique_ptr<BudgetLedger> ledger);
  ~ServeCore();

  HttpReply Handle(std::string_view method, std::string_view target, std::string_view body,
                   std::string_view authorization);
  bool Reload(std::string* error);
  // Writes out pending impressions and flushes the logs.
  void Shutdown();
  // The timeout sweep, run every 200 ms by a thread; public for tests.
  void SweepNow();
  void set_public_url(std::string url) { public_url_ = std::move(url); }
  const ServeConfig& config() const { return cfg_; }
  BudgetLedger& ledger() { return *ledger_; }
  serve::Metrics& metrics() { return metrics_; }

 private:
  std::shared_ptr<serve::ServingState> BuildState(const ServeConfig& cfg);
  std::shared_ptr<serve::ServingState> state() const;
  HttpReply HandleBid(std::string_view body);
  HttpReply HandleNotice(serve::Endpoint kind, std::string_view query);
  HttpReply HandleScore(std::string_view body);
  HttpReply HandleMetrics();
  HttpReply HandleHealth();
  HttpReply HandleReload(std::string_view authorization);
  // Bearer-token check with a lockout after repeated failures: nullopt when
  // authorised, else the reply to send (401, or 429 while locked out).
  std::optional<HttpReply> Authorize(std::string_view authorization, const std::string& token);
  HttpReply HandleLateWin(const serve::NoticeFields& f, std::string_view query, int64_t now_s);
  HttpReply DuplicateWin(const serve::NoticeFields& f, int64_t now_s);
  void SweepLoop();
  void Sweep(int64_t now_ms);
  void FinishImpression(serve::Impression& imp, bool clicked);
  void LogEvent(std::string_view line);

  ServeConfig cfg_;
  Context ctx_;
  std::shared_ptr<const Clock> clock_;  // ctx_.clock, checked once
  serve::NoticeSigner signer_;
  bool metrics_open_ = false;  // no metrics_token and a loopback bind
  ScorerFactory factory_;
  std::unique_ptr<BudgetLedger> ledger_;
  serve::Metrics metrics_;
  std::string public_url_, replica_;

  mutable std::mutex state_mu_;  // guards the pointer only; readers copy it
  std::shared_ptr<serve::ServingState> state_;
  std::mutex reload_mu_;

  // Bid ids are "<replica>-<run>-<seq>": seq is the reservation's key in this
  // table, run a random tag of this process, so a restarted server never
  // takes an old bid's notice for a new bid's.
  std::string id_prefix_;
  std::string BidId(uint64_t seq) const;
  bool BidSeq(std::string_view bid, uint64_t& seq) const;
  serve::PendingTable<serve::Reservation> reservations_;
  serve::ShardedMap<serve::Impression> impressions_;
  std::unique_ptr<serve::RotatingLog> events_, train_, rlb_;

  std::mutex auth_mu_;
  std::deque<int64_t> auth_failures_;  // steady ms of recent bad tokens

  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool stop_ = false;
  std::thread sweeper_;
};

}  // namespace adpilot
