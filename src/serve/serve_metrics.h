// Counters of the server, exported in Prometheus text format by /metrics.
// Plain relaxed atomics: a scrape may see counters a few requests apart, never torn.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace adpilot::serve {

// Why a bid request got no bid, in pipeline order: a request reports the
// furthest stage any impression/campaign pair reached.
enum class NoBid : int {
  kBadRequest,
  kCurrency,
  kNoCampaigns,
  kFormat,
  kPrivateAuction,
  kInventory,
  kDomain,
  kPublisher,
  kGeo,
  kDevice,
  kOs,
  kBcat,
  kBadv,
  kSize,
  kPacing,
  kStrategy,
  kBelowFloor,
  kBudget,
  kRequestShare,
  kBudgetStore,
  kReservationsFull,
  kModelError,
  kDeadline,
  kCount
};
const char* NoBidName(NoBid r);
NoBid NoBidFromName(std::string_view name);  // from MatchCampaign's reasons

enum class Endpoint : int { kBid, kWin, kLoss, kClick, kScore, kHealth, kMetrics, kReload, kOther, kCount };
const char* EndpointName(Endpoint e);

struct Metrics {
  static constexpr std::array<double, 11> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   1.0};
  std::array<std::atomic<uint64_t>, size_t(Endpoint::kCount)> requests{};
  std::array<std::atomic<uint64_t>, 6> responses{};  // 200 204 400 401/403/404 413 5xx
  std::atomic<uint64_t> bid_responses{0}, bids{0}, wins{0}, losses{0}, clicks{0}, expired{0};
  std::atomic<uint64_t> unknown_notices{0}, late_clicks{0}, scored_rows{0};
  std::array<std::atomic<uint64_t>, size_t(NoBid::kCount)> nobids{};
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> latency{};  // last = +Inf
  std::atomic<uint64_t> latency_sum_ns{0};
  std::atomic<uint64_t> reloads_ok{0}, reloads_failed{0};
  // Notices refused before acting, by NoticeCheck (unsigned, malformed, bad_signature, expired).
  std::array<std::atomic<uint64_t>, 5> notices_rejected{};
  std::atomic<uint64_t> duplicate_wins{0}, late_wins{0}, imps_ignored{0};
  std::atomic<uint64_t> auth_failures{0}, auth_locked{0};

  void CountResponse(int status);
  void ObserveLatency(double seconds);
  // The counters above in Prometheus text format (campaign gauges are added by the caller).
  std::string Text() const;
};

}  // namespace adpilot::serve
