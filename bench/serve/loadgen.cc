// Constant-rate (open-loop) HTTP/1.1 load generator: wrk2's method, because
// wrk2 is not packaged in Debian 12 and wrk's delay() pacing cannot hold a
// target rate (it offered 44%-132% of it in bench/serve).
//
//   loadgen --url http://127.0.0.1:8080/openrtb2/bid --body req.json
//           --rate 20000 --connections 32 --duration 10 [--warmup 2] [--json]
//           [--timeline slow.tsv]   where in the run the slow requests were
//   loadgen ... --rate 0        closed loop (as fast as answers come, like wrk)
//
// Why open loop: a closed-loop client sends the next request only after the
// previous answer, so when the server stalls it also stops sending, and the
// requests that should have been sent during the stall are never timed
// ("coordinated omission"): the tail looks far better than what a client
// arriving at a fixed rate (an ad exchange) sees. Here request k of the run is
// due at start + k/rate whatever happened before, and its latency is measured
// from that due time, not from when it was actually written. Connections are
// keep-alive and not pipelined (one request in flight each, as wrk2), so a
// connection that falls behind sends its overdue requests back to back and
// their waiting shows up in the latency.
//
// Request k goes on connection k mod N, so each connection runs at rate/N
// and the N schedules interleave into one evenly spaced stream.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "loadgen_report.h"
#include "loadgen_types.h"

namespace {

using namespace loadgen;

class Worker {
 public:
  Worker(const Options& o, const Plan& plan, const std::string& request, uint64_t first, int n)
      : o_(o), plan_(plan), request_(request), sweep_(io_) {
    tcp::resolver resolver(io_);
    endpoints_ = resolver.resolve(o.host, o.port);
    for (int i = 0; i < n; ++i) {
      conns_.push_back(std::make_unique<Conn>(io_));
      conns_.back()->k = first + uint64_t(i);
      asio::connect(conns_.back()->sock, endpoints_);  // up front: the run times requests, not handshakes
      conns_.back()->sock.set_option(tcp::no_delay(true));
    }
  }

  void Run() {
    stats.latency_ns.reserve(size_t(o_.rate > 0 ? o_.rate * o_.duration_s / o_.threads * 1.1 : 1 << 20));
    if (!o_.timeline.empty() && o_.rate > 0)
      stats.samples.reserve(size_t(o_.rate * (o_.duration_s + o_.warmup_s) / o_.threads * 1.1));
    active_ = int(conns_.size());
    for (auto& c : conns_) Next(*c);
    Sweep();
    io_.run();
  }

  Stats stats;

 private:
  void Next(Conn& c) {
    Clock::time_point now = Clock::now();
    if (plan_.rate > 0) {
      c.due = plan_.start + Ns(int64_t(double(c.k) * 1e9 / plan_.rate));
      if (c.due >= plan_.end) return Finish(c);
      if (now >= plan_.end) {  // still behind when the run ends: count what was never sent
        for (; c.due < plan_.end;
             c.k += plan_.total_conns, c.due = plan_.start + Ns(int64_t(double(c.k) * 1e9 / plan_.rate)))
          ++stats.backlog;
        return Finish(c);
      }
      c.waited = c.due > now;
      if (c.waited) {
        c.timer.expires_at(c.due);
        c.timer.async_wait([this, &c](boost::system::error_code ec) {
          if (!ec) Send(c);
        });
        return;
      }
    } else {
      // Closed loop: due = now, so the latency is the plain response time.
      if (now >= plan_.end) return Finish(c);
      c.due = now;
      c.waited = false;
    }
    Send(c);
  }

  void Finish(Conn& c) {
    if (c.done) return;
    c.done = true;
    --active_;
  }

  void Send(Conn& c) {
    c.in_flight = true;
    c.sent = Clock::now();
    c.len = 0;
    asio::async_write(c.sock, asio::buffer(request_), [this, &c, g = c.gen](boost::system::error_code ec, size_t) {
      if (g != c.gen) return;
      if (ec) return Fail(c, stats.write_err);
      Read(c);
    });
  }

  void Read(Conn& c) {
    c.sock.async_read_some(asio::buffer(c.buf.data() + c.len, c.buf.size() - c.len),
                           [this, &c, g = c.gen](boost::system::error_code ec, size_t n) {
                             if (g != c.gen) return;
                             if (ec) return Fail(c, stats.read_err);
                             c.len += n;
                             OnBytes(c);
                           });
  }

  void OnBytes(Conn& c) {
    std::string_view got(c.buf.data(), c.len);
    size_t head_end = got.find("\r\n\r\n");
    if (head_end == got.npos) {
      if (c.len == c.buf.size()) return Fail(c, stats.bad_response);
      return Read(c);
    }
    int status = 0;
    size_t body_len = 0;
    bool close = false;
    if (!ParseHead(got.substr(0, head_end), status, body_len, close)) return Fail(c, stats.bad_response);
    size_t need = head_end + 4 + body_len;
    if (need > c.buf.size()) return Fail(c, stats.bad_response);
    if (c.len < need) return Read(c);
    if (c.len > need) return Fail(c, stats.bad_response);  // one request in flight: extra bytes are a protocol error
    Clock::time_point now = Clock::now();
    if (c.due >= plan_.record_from && c.due < plan_.end) {
      stats.latency_ns.push_back(uint64_t(std::chrono::duration_cast<Ns>(now - c.due).count()));
      ++stats.status[size_t(status)];
    }
    if (!o_.timeline.empty() && c.due < plan_.end) Record(c, now);
    c.in_flight = false;
    c.k += plan_.total_conns;
    if (close) return Reconnect(c);
    Next(c);
  }

  void Record(const Conn& c, Clock::time_point now) {
    auto us = [](Clock::duration d) {
      return uint32_t(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
    };
    uint32_t send_lag = us(c.sent - c.due);
    stats.samples.push_back({us(c.due - plan_.start), c.waited ? send_lag : 0, send_lag, us(now - c.due)});
  }

  // The request is lost (counted as an error, not timed); the connection is
  // replaced and carries on with its next due request.
  void Fail(Conn& c, uint64_t& counter) {
    ++counter;
    ++c.gen;
    c.in_flight = false;
    c.k += plan_.total_conns;
    Reconnect(c);
  }

  void Reconnect(Conn& c) {
    boost::system::error_code ignored;
    c.sock.close(ignored);
    c.timer.cancel();
    if (Clock::now() >= plan_.end) return Finish(c);
    asio::async_connect(c.sock, endpoints_, [this, &c, g = c.gen](boost::system::error_code ec, const tcp::endpoint&) {
      if (g != c.gen) return;
      if (!ec) {
        c.sock.set_option(tcp::no_delay(true), ec);
        return Next(c);
      }
      ++stats.connect_err;
      c.timer.expires_after(std::chrono::milliseconds(10));
      c.timer.async_wait([this, &c, g](boost::system::error_code e2) {
        if (!e2 && g == c.gen) Reconnect(c);
      });
    });
  }

  // Timeouts by a periodic sweep rather than one timer per request: arming
  // and cancelling a timer on every request would cost the client CPU that
  // the server under test shares.
  void Sweep() {
    Clock::time_point now = Clock::now();
    for (auto& c : conns_) {
      if (c->in_flight && now - c->sent > std::chrono::milliseconds(o_.timeout_ms)) {
        ++stats.timeouts;
        ++c->gen;
        c->in_flight = false;
        c->k += plan_.total_conns;
        Reconnect(*c);
      }
    }
    bool give_up = now > plan_.end + std::chrono::milliseconds(o_.timeout_ms + 1000);
    if (active_ == 0 || give_up) {
      for (auto& c : conns_) {
        if (c->in_flight) ++stats.timeouts;
        ++c->gen;  // the handlers the close aborts must not count a second error
        boost::system::error_code ignored;
        c->sock.close(ignored);
        c->timer.cancel();
      }
      return;
    }
    sweep_.expires_after(std::chrono::milliseconds(20));
    sweep_.async_wait([this](boost::system::error_code ec) {
      if (!ec) Sweep();
    });
  }

  const Options& o_;
  const Plan& plan_;
  const std::string& request_;
  asio::io_context io_{1};
  asio::steady_timer sweep_;
  tcp::resolver::results_type endpoints_;
  std::vector<std::unique_ptr<Conn>> conns_;
  int active_ = 0;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "loadgen: %s\nusage: loadgen --url http://HOST:PORT/PATH [--body FILE] [--content-type T]\n"
               "  [--rate R (0 = closed loop)] [--connections N] [--threads T] [--duration S]\n"
               "  [--warmup S] [--timeout-ms MS] [--json] [--timeline FILE [--timeline-ms MS]]\n",
               why);
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value of " + a).c_str());
      return argv[++i];
    };
    if (a == "--url") {
      std::string u = val();
      if (u.rfind("http://", 0) != 0) Usage("only http:// URLs");
      u = u.substr(7);
      size_t slash = u.find('/');
      std::string hostport = u.substr(0, slash);
      o.path = slash == u.npos ? "/" : u.substr(slash);
      size_t colon = hostport.rfind(':');
      o.host = hostport.substr(0, colon);
      if (colon != hostport.npos) o.port = hostport.substr(colon + 1);
    } else if (a == "--body") {
      std::ifstream f(val(), std::ios::binary);
      if (!f) Usage("cannot read the body file");
      std::stringstream ss;
      ss << f.rdbuf();
      o.body = ss.str();
      o.has_body = true;
    } else if (a == "--content-type") {
      o.content_type = val();
    } else if (a == "--rate" || a == "-R") {
      o.rate = std::stod(val());
    } else if (a == "--connections" || a == "-c") {
      o.connections = std::stoi(val());
    } else if (a == "--threads" || a == "-t") {
      o.threads = std::stoi(val());
    } else if (a == "--duration" || a == "-d") {
      o.duration_s = std::stod(val());
    } else if (a == "--warmup") {
      o.warmup_s = std::stod(val());
    } else if (a == "--timeout-ms") {
      o.timeout_ms = std::stoi(val());
    } else if (a == "--timeline") {
      o.timeline = val();
    } else if (a == "--timeline-ms") {
      o.timeline_ms = std::stod(val());
    } else if (a == "--json") {
      o.json = true;
    } else {
      Usage(("unknown argument " + a).c_str());
    }
  }
  if (o.connections < 1 || o.threads < 1 || o.threads > o.connections) Usage("need 1 <= threads <= connections");
  if (o.rate < 0 || o.duration_s <= 0 || o.warmup_s < 0 || o.timeout_ms < 1) Usage("bad rate/duration/warmup/timeout");
  return o;
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1e-6 * double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  std::string request =
      (o.has_body ? "POST " : "GET ") + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port + "\r\n";
  if (o.has_body)
    request += "Content-Type: " + o.content_type + "\r\nContent-Length: " + std::to_string(o.body.size()) + "\r\n";
  request += "\r\n" + o.body;

  Plan plan{};
  plan.rate = o.rate;
  plan.total_conns = uint64_t(o.connections);
  std::vector<std::unique_ptr<Worker>> workers;
  try {
    for (int t = 0, first = 0; t < o.threads; ++t) {
      int n = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
      workers.push_back(std::make_unique<Worker>(o, plan, request, uint64_t(first), n));
      first += n;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen: cannot connect to %s:%s: %s\n", o.host.c_str(), o.port.c_str(), e.what());
    return 1;
  }
  // Set after the connections exist, so that connecting is not part of the
  // schedule; the few ms of slack let every thread start before the first due time.
  plan.start = Clock::now() + std::chrono::milliseconds(5);
  plan.record_from = plan.start + Ns(int64_t(o.warmup_s * 1e9));
  plan.end = plan.record_from + Ns(int64_t(o.duration_s * 1e9));
  double cpu0 = CpuSeconds();
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->Run(); });
  for (auto& t : threads) t.join();
  double cpu = CpuSeconds() - cpu0;

  Stats all;
  for (auto& w : workers) {
    Stats& s = w->stats;
    all.latency_ns.insert(all.latency_ns.end(), s.latency_ns.begin(), s.latency_ns.end());
    for (size_t i = 0; i < s.status.size(); ++i) all.status[i] += s.status[i];
    all.connect_err += s.connect_err, all.read_err += s.read_err, all.write_err += s.write_err;
    all.timeouts += s.timeouts, all.bad_response += s.bad_response, all.backlog += s.backlog;
    all.samples.insert(all.samples.end(), s.samples.begin(), s.samples.end());
  }
  Report(o, all, cpu);
  if (!o.timeline.empty() && !WriteTimeline(o, all.samples)) {
    std::fprintf(stderr, "loadgen: cannot write %s\n", o.timeline.c_str());
    return 1;
  }
  return 0;
}
