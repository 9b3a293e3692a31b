// Shared pieces of loadgen (bench/serve/loadgen.cc): options, the schedule,
// per-thread statistics, one connection's state and the HTTP response head
// parser. Header-only so that bench/CMakeLists.txt builds loadgen from one
// source file.
#pragma once

#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace loadgen {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Ns = std::chrono::nanoseconds;

struct Options {
  std::string host = "127.0.0.1", port = "80", path = "/";
  std::string body, content_type = "application/json";
  std::string timeline;  // file for the per-10-ms timeline of slow requests ("" = none)
  double timeline_ms = 2;
  bool has_body = false, json = false;
  int connections = 32, threads = 1, timeout_ms = 2000;
  double rate = 0, duration_s = 10, warmup_s = 1;
};

// The shared schedule. Only requests due in [record_from, end) are timed; the
// warm-up lets connections, caches and the server's allocator settle.
struct Plan {
  Clock::time_point start, record_from, end;
  double rate;
  uint64_t total_conns;
};

// One timed request, kept only with --timeline: when it was due (from the
// start of the run), how late the client itself sent it when it had been
// waiting on its timer (the generator's own scheduling delay, not the
// server's), how late it was sent at all, and its latency from the due time.
struct Sample {
  uint32_t due_us, timer_lag_us, send_lag_us, latency_us;
};

struct Stats {
  std::vector<uint64_t> latency_ns;  // one per timed response (exact percentiles)
  std::vector<Sample> samples;       // with --timeline only
  std::array<uint64_t, 600> status{};
  uint64_t connect_err = 0, read_err = 0, write_err = 0, timeouts = 0, bad_response = 0;
  uint64_t backlog = 0;  // due before the end but never sent: the server fell behind
};

struct Conn {
  explicit Conn(asio::io_context& io) : sock(io), timer(io) {}
  tcp::socket sock;
  asio::steady_timer timer;
  uint64_t k = 0;  // index of this connection's next request in the run
  Clock::time_point due, sent;
  bool in_flight = false, done = false;
  bool waited = false;  // the current request waited on the timer (was not yet due)
  uint32_t gen = 0;     // bumped when a timeout closes the socket: stale handlers return
  size_t len = 0;
  std::array<char, 64 * 1024> buf;
};

// Head of an HTTP/1.1 response: status, body length, whether the server
// closes. Chunked or length-less bodies are not expected from the servers
// measured here, so they count as bad responses rather than being parsed.
inline bool ParseHead(std::string_view head, int& status, size_t& body_len, bool& close) {
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1.") return false;
  status = std::atoi(std::string(head.substr(9, 3)).c_str());
  if (status < 100 || status > 599) return false;
  bool has_len = false;
  close = head[7] == '0';
  body_len = 0;
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    size_t eol = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(pos + 2, eol == std::string_view::npos ? head.npos : eol - pos - 2);
    pos = eol;
    size_t colon = line.find(':');
    if (colon == line.npos) continue;
    std::string name(line.substr(0, colon));
    for (auto& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "content-length") {
      body_len = std::strtoull(std::string(value).c_str(), nullptr, 10);
      has_len = true;
    } else if (name == "connection") {
      close = value.find("close") != value.npos;
    } else if (name == "transfer-encoding") {
      return false;
    }
  }
  return has_len || status == 204 || status == 304 || status < 200;
}

}  // namespace loadgen
