#include "serve/serve_metrics.h"

#include <fmt/format.h>

namespace adpilot::serve {

namespace {
constexpr const char* kNoBidNames[] = {"bad_request",
                                       "currency",
                                       "no_campaigns",
                                       "format",
                                       "private_auction",
                                       "inventory",
                                       "domain",
                                       "publisher",
                                       "geo",
                                       "device",
                                       "os",
                                       "bcat",
                                       "badv",
                                       "size",
                                       "pacing",
                                       "strategy",
                                       "below_floor",
                                       "budget",
                                       "request_share",
                                       "budget_store",
                                       "reservations_full",
                                       "model_error",
                                       "deadline"};
static_assert(std::size(kNoBidNames) == size_t(NoBid::kCount));
constexpr const char* kEndpointNames[] = {"bid",     "win",     "loss",   "click", "score",
                                          "healthz", "metrics", "reload", "other"};
static_assert(std::size(kEndpointNames) == size_t(Endpoint::kCount));
constexpr const char* kStatusNames[] = {"200", "204", "400", "4xx", "413", "5xx"};
}  // namespace

const char* NoBidName(NoBid r) { return kNoBidNames[int(r)]; }
NoBid NoBidFromName(std::string_view name) {
  for (int i = 0; i < int(NoBid::kCount); ++i)
    if (name == kNoBidNames[i]) return NoBid(i);
  return NoBid::kNoCampaigns;
}
const char* EndpointName(Endpoint e) { return kEndpointNames[int(e)]; }

void Metrics::CountResponse(int status) {
  int i = status == 200 ? 0 : status == 204 ? 1 : status == 400 ? 2 : status == 413 ? 4 : status >= 500 ? 5 : 3;
  responses[i].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::ObserveLatency(double s) {
  size_t i = 0;
  while (i < kBuckets.size() && s > kBuckets[i]) ++i;
  latency[i].fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns.fetch_add(uint64_t(s * 1e9), std::memory_order_relaxed);
}

std::string Metrics::Text() const {
  std::string o;
  auto out = std::back_inserter(o);
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  o += "# HELP adpilot_http_requests_total HTTP requests by endpoint.\n# TYPE adpilot_http_requests_total counter\n";
  for (int i = 0; i < int(Endpoint::kCount); ++i)
    fmt::format_to(out, "adpilot_http_requests_total{{endpoint=\"{}\"}} {}\n", kEndpointNames[i], get(requests[i]));
  o += "# HELP adpilot_http_responses_total HTTP responses by status class.\n# TYPE adpilot_http_responses_total "
       "counter\n";
  for (int i = 0; i < 6; ++i)
    fmt::format_to(out, "adpilot_http_responses_total{{code=\"{}\"}} {}\n", kStatusNames[i], get(responses[i]));
  o += "# HELP adpilot_bid_responses_total Bid requests answered with at least one bid.\n# TYPE "
       "adpilot_bid_responses_total counter\n";
  fmt::format_to(out, "adpilot_bid_responses_total {}\n", get(bid_responses));
  o += "# HELP adpilot_bids_total Bids placed (one per impression bid on).\n# TYPE adpilot_bids_total counter\n";
  fmt::format_to(out, "adpilot_bids_total {}\n", get(bids));
  o += "# HELP adpilot_nobids_total Bid requests answered 204 (or 400), by reason.\n# TYPE adpilot_nobids_total "
       "counter\n";
  for (int i = 0; i < int(NoBid::kCount); ++i)
    fmt::format_to(out, "adpilot_nobids_total{{reason=\"{}\"}} {}\n", kNoBidNames[i], get(nobids[i]));
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    fmt::format_to(out, "# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, v);
  };
  counter("adpilot_wins_total", "Win notices settled.", get(wins));
  counter("adpilot_losses_total", "Loss notices releasing a reservation.", get(losses));
  counter("adpilot_clicks_total", "Clicks recorded.", get(clicks));
  counter("adpilot_reservations_expired_total", "Reservations released after the TTL without a notice.", get(expired));
  counter("adpilot_unknown_notices_total", "Win/loss notices for unknown or already settled bids.",
          get(unknown_notices));
  counter("adpilot_scored_rows_total", "Rows scored by /v1/score.", get(scored_rows));
  o += "# HELP adpilot_notices_rejected_total Notices refused before acting on them, by reason.\n"
       "# TYPE adpilot_notices_rejected_total counter\n";
  constexpr const char* kRejected[] = {"ok", "unsigned", "malformed", "bad_signature", "expired"};
  for (int i = 1; i < 5; ++i)
    fmt::format_to(out, "adpilot_notices_rejected_total{{reason=\"{}\"}} {}\n", kRejected[i], get(notices_rejected[i]));
  counter("adpilot_duplicate_wins_total", "Win notices for a bid already charged (not charged again).",
          get(duplicate_wins));
  counter("adpilot_late_wins_total", "Wins charged after their reservation was gone (loss, TTL or restart).",
          get(late_wins));
  counter("adpilot_imps_ignored_total", "Impressions past max_imps in one request, not bid on.", get(imps_ignored));
  counter("adpilot_auth_failures_total", "Requests to /admin or /metrics with a bad token.", get(auth_failures));
  counter("adpilot_auth_locked_total", "Requests refused (429) after too many bad tokens.", get(auth_locked));
  o += "# HELP adpilot_model_reloads_total Hot reloads by result.\n# TYPE adpilot_model_reloads_total counter\n";
  fmt::format_to(out, "adpilot_model_reloads_total{{result=\"ok\"}} {}\n", get(reloads_ok));
  fmt::format_to(out, "adpilot_model_reloads_total{{result=\"failed\"}} {}\n", get(reloads_failed));
  o += "# HELP adpilot_bid_latency_seconds Time to answer a bid request, in the server.\n# TYPE "
       "adpilot_bid_latency_seconds histogram\n";
  uint64_t cum = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cum += get(latency[i]);
    fmt::format_to(out, "adpilot_bid_latency_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], cum);
  }
  cum += get(latency[kBuckets.size()]);
  fmt::format_to(out, "adpilot_bid_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", cum);
  fmt::format_to(out, "adpilot_bid_latency_seconds_sum {}\n", double(get(latency_sum_ns)) * 1e-9);
  fmt::format_to(out, "adpilot_bid_latency_seconds_count {}\n", cum);
  return o;
}

}  // namespace adpilot::serve
