// loadgen's output: percentiles and counters (text or one JSON object) and,
// with --timeline FILE, where in the run the slow requests were.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "loadgen_types.h"

namespace loadgen {

inline void Report(const Options& o, Stats& all, double client_cpu_s) {
  std::vector<uint64_t>& lat = all.latency_ns;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {  // nearest rank, in ms
    if (lat.empty()) return 0.0;
    size_t r = size_t(std::ceil(p * double(lat.size())));
    return double(lat[std::min(lat.size() - 1, r == 0 ? 0 : r - 1)]) / 1e6;
  };
  double mean = 0;
  for (uint64_t v : lat) mean += double(v);
  mean = lat.empty() ? 0 : mean / double(lat.size()) / 1e6;
  uint64_t non2xx = 0;
  for (size_t i = 0; i < all.status.size(); ++i)
    if (i < 200 || i > 299) non2xx += all.status[i];
  double achieved = double(lat.size()) / o.duration_s;
  uint64_t errors = all.connect_err + all.read_err + all.write_err + all.timeouts + all.bad_response;
  auto u = [](uint64_t v) { return (unsigned long long)v; };

  std::string codes;  // {"200": n, ...}: a bidder's 204 (no bid) is 2xx but not a bid
  for (size_t i = 0; i < all.status.size(); ++i)
    if (all.status[i] > 0)
      codes += (codes.empty() ? "\"" : ", \"") + std::to_string(i) + "\": " + std::to_string(all.status[i]);
  if (o.json) {
    std::printf(
        "{\"status\": {%s}, \"target_rate\": %.1f, \"rate\": %.1f, \"responses\": %zu, \"non2xx\": %llu, \"errors\": "
        "%llu, "
        "\"connect_errors\": %llu, \"read_errors\": %llu, \"write_errors\": %llu, \"timeouts\": %llu, "
        "\"bad_responses\": %llu, \"backlog\": %llu, \"connections\": %d, \"threads\": %d, \"duration_s\": %.3f, "
        "\"client_cpu_s\": %.3f, \"latency_ms\": {\"mean\": %.4f, \"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, "
        "\"p999\": %.4f, \"max\": %.4f}}\n",
        codes.c_str(), o.rate, achieved, lat.size(), u(non2xx), u(errors), u(all.connect_err), u(all.read_err),
        u(all.write_err), u(all.timeouts), u(all.bad_response), u(all.backlog), o.connections, o.threads, o.duration_s,
        client_cpu_s, mean, pct(0.5), pct(0.9), pct(0.99), pct(0.999), pct(1.0));
    return;
  }
  std::printf("%s %s:%s%s, %d connections, %d threads, %.1f s (+%.1f s warm-up)\n",
              o.rate > 0 ? "open loop" : "closed loop", o.host.c_str(), o.port.c_str(), o.path.c_str(), o.connections,
              o.threads, o.duration_s, o.warmup_s);
  if (o.rate > 0) std::printf("  target     %.0f req/s\n", o.rate);
  std::printf("  achieved   %.0f req/s (%zu timed responses), non-2xx %llu, by status {%s}\n", achieved, lat.size(),
              u(non2xx), codes.c_str());
  std::printf("  errors     connect %llu, read %llu, write %llu, timeout %llu, bad response %llu; backlog %llu\n",
              u(all.connect_err), u(all.read_err), u(all.write_err), u(all.timeouts), u(all.bad_response),
              u(all.backlog));
  std::printf("  latency ms%s: mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
              o.rate > 0 ? " (from the due time)" : "", mean, pct(0.5), pct(0.9), pct(0.99), pct(0.999), pct(1.0));
  std::printf("  client CPU %.2f s\n", client_cpu_s);
}

// One line per 10 ms of due time that holds a request slower than
// --timeline-ms: when (ms from the start of the run, warm-up included), how
// many requests were due then and how many were slow, the worst latency, and
// the worst lateness of the client itself in sending a request it had been
// waiting to send (timer_lag: the generator was not running; a stall of the
// server shows as latency with timer_lag near 0), and the worst send lag of
// any request (overdue ones queue behind the previous answer on their
// connection).
inline bool WriteTimeline(const Options& o, const std::vector<Sample>& samples) {
  struct Bucket {
    uint64_t n = 0, slow = 0;
    uint32_t max_lat = 0, max_timer_lag = 0, max_send_lag = 0;
  };
  std::map<uint32_t, Bucket> buckets;
  for (const Sample& s : samples) {
    Bucket& b = buckets[s.due_us / 10000];
    ++b.n;
    if (double(s.latency_us) > o.timeline_ms * 1e3) ++b.slow;
    b.max_lat = std::max(b.max_lat, s.latency_us);
    b.max_timer_lag = std::max(b.max_timer_lag, s.timer_lag_us);
    b.max_send_lag = std::max(b.max_send_lag, s.send_lag_us);
  }
  std::FILE* f = std::fopen(o.timeline.c_str(), "w");
  if (!f) return false;
  std::fprintf(f, "t_ms\trequests\tslow\tmax_latency_ms\tmax_timer_lag_ms\tmax_send_lag_ms\n");
  for (const auto& [t, b] : buckets)
    if (b.slow > 0)
      std::fprintf(f, "%u\t%llu\t%llu\t%.3f\t%.3f\t%.3f\n", t * 10, (unsigned long long)b.n, (unsigned long long)b.slow,
                   b.max_lat / 1e3, b.max_timer_lag / 1e3, b.max_send_lag / 1e3);
  return std::fclose(f) == 0;
}

}  // namespace loadgen
