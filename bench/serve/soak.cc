// Budget soak: an exchange that misbehaves, against replicas sharing a budget.
//
//   soak --targets 127.0.0.1:8081,127.0.0.1:8082 --body req.json --rate 4000
//        --duration 600 --budget 20 --max-cpm 3 [--win 0.2 --late 0.05
//        --late-min-s 1 --late-max-s 4 --dup 0.1 --loss-first 0.05
//        --forge 0.05 --event-at 300 --event "cmd"] [--json]
//
// Bid requests go out open loop (request k is due at start + k/rate and its
// latency counts from then, so a stall is not hidden), alternating replicas.
// Each bid is won with probability --win at a second price below its bid;
// its win notice is sent once on time (within 0.2 s), late (--late of wins,
// after --late-min-s..--late-max-s), twice (--dup: a retried notice), or after
// a loss notice for the same bid (--loss-first: out of order); the rest lose,
// half of them with a loss notice. --forge of all bids also get a forged win:
// a price-0 unsigned notice, a tampered signature or a raised maximum. At
// --event-at seconds the --event shell command runs (the script restarts
// Redis there). At the end it reads each replica's /metrics and compares what
// the "exchange" billed (distinct genuine wins at their clearing price) with
// the spend the servers recorded, and that with the budget.
//
// Loopback only: every target must be 127.0.0.0/8. Bounded: the run lasts
// --duration, notices drain for at most --late-max-s + 5 s.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <queue>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  std::string host;
  int port = 0;
};

// One blocking keep-alive HTTP/1.1 connection, one request in flight.
class Conn {
 public:
  explicit Conn(Target t) : t_(std::move(t)) {}
  ~Conn() { Close(); }
  int Request(const std::string& method, const std::string& path, const std::string& body, std::string* out) {
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + t_.host +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !Connect()) return 0;
      if (Send(req)) {
        int status = Read(out);
        if (status > 0) return status;
      }
      Close();
    }
    return 0;
  }

 private:
  bool Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(t_.port));
    ::inet_pton(AF_INET, t_.host.c_str(), &a.sin_addr);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      Close();
      return false;
    }
    return true;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }
  bool Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += size_t(n);
    }
    return true;
  }
  int Read(std::string* out) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!Fill()) return 0;
    int status = std::atoi(buf_.c_str() + 9);
    std::string head = buf_.substr(0, end);
    for (auto& c : head) c = char(std::tolower(c));
    size_t len = 0, cl = head.find("content-length:");
    if (cl != std::string::npos) len = std::strtoull(head.c_str() + cl + 15, nullptr, 10);
    while (buf_.size() < end + 4 + len)
      if (!Fill()) return 0;
    if (out) *out = buf_.substr(end + 4, len);
    buf_.erase(0, end + 4 + len);
    if (head.find("connection: close") != std::string::npos) Close();
    return status;
  }
  bool Fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, size_t(n));
    return true;
  }
  Target t_;
  int fd_ = -1;
  std::string buf_;
};

struct Options {
  std::vector<Target> targets;
  std::string body;
  double rate = 2000, duration = 60, budget = 10, max_cpm = 3;
  double win = 0.2, late = 0.05, late_min = 1, late_max = 4, dup = 0.1, loss_first = 0.05, forge = 0.05;
  double event_at = -1;
  std::string event;
  int senders = 8;
  uint64_t seed = 1;
  bool json = false;
};

struct Notice {
  Clock::time_point due;
  int target;
  std::string path;
  int kind;  // 0 genuine win (first copy), 1 genuine repeat, 2 loss, 3 forged
  bool operator>(const Notice& o) const { return due > o.due; }
};

struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::priority_queue<Notice, std::vector<Notice>, std::greater<Notice>> queue;
  bool done = false;
  std::atomic<int64_t> billed_micros{0}, genuine_wins{0}, repeats{0}, losses{0}, forged{0};
  std::atomic<int64_t> forged_accepted{0}, copies_accepted{0}, notice_errors{0};
  std::atomic<int64_t> max_bid_micros{0};
};

std::string Between(const std::string& s, const std::string& key) {
  auto p = s.find("\"" + key + "\":\"");
  if (p == std::string::npos) return "";
  p += key.size() + 4;
  return s.substr(p, s.find('"', p) - p);
}

double NumberAfter(const std::string& s, const std::string& key) {
  auto p = s.find("\"" + key + "\":");
  return p == std::string::npos ? -1 : std::atof(s.c_str() + p + key.size() + 3);
}

std::string PathOf(const std::string& url) {
  auto p = url.find("/v1/");
  return p == std::string::npos ? "" : url.substr(p);
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto p = s.find(from);
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

// Sends bids on its own schedule (every senders-th request of the stream).
void Sender(const Options& o, Shared& sh, int id, Clock::time_point start, std::vector<double>& lat_ms, int64_t& bids,
            int64_t& nobids, int64_t& errors) {
  std::vector<std::unique_ptr<Conn>> conns;
  for (const auto& t : o.targets) conns.push_back(std::make_unique<Conn>(t));
  std::mt19937_64 rng(o.seed * 1000 + uint64_t(id));
  std::uniform_real_distribution<double> u(0, 1);
  const uint64_t total = uint64_t(o.rate * o.duration);
  std::string body;
  for (uint64_t k = uint64_t(id); k < total; k += uint64_t(o.senders)) {
    auto due = start + std::chrono::nanoseconds(int64_t(double(k) / o.rate * 1e9));
    std::this_thread::sleep_until(due);
    const int tgt = int(k % o.targets.size());
    int status = conns[size_t(tgt)]->Request("POST", "/openrtb2/bid", o.body, &body);
    lat_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
    if (status == 204) {
      ++nobids;
      continue;
    }
    if (status != 200) {
      ++errors;
      continue;
    }
    ++bids;
    const std::string nurl = PathOf(Between(body, "nurl")), lurl = PathOf(Between(body, "lurl"));
    const double price = NumberAfter(body, "price");
    const int64_t bid_micros = int64_t(std::ceil(price * 1000.0 - 1e-9));
    int64_t seen = sh.max_bid_micros.load();
    while (bid_micros > seen && !sh.max_bid_micros.compare_exchange_weak(seen, bid_micros)) {}
    auto now = Clock::now();
    std::vector<Notice> out;
    auto at = [&](double s) { return now + std::chrono::microseconds(int64_t(s * 1e6)); };
    if (u(rng) < o.forge) {
      // Three forgeries: unsigned sequential id at price 0, a flipped
      // signature, a raised maximum.
      double f = u(rng);
      std::string p = f < 1.0 / 3   ? "/v1/win?bid=" + Between(body.substr(body.find("\"bid\"")), "id") + "&price=0"
                      : f < 2.0 / 3 ? Replace(nurl, "&s=", "&s=0")
                                    : Replace(nurl, "&m=", "&m=9");
      p = Replace(p, "${AUCTION_PRICE}", "0");
      out.push_back({at(u(rng) * 0.2), tgt, p, 3});
    }
    if (u(rng) < o.win) {
      // Second price: the clearing price is below the bid.
      const double clearing = std::floor(price * (0.3 + 0.7 * u(rng)) * 1000.0) / 1000.0;
      const std::string path = Replace(nurl, "${AUCTION_PRICE}", std::to_string(clearing));
      const double r = u(rng);
      double when = u(rng) * 0.2;
      if (r < o.late) when = o.late_min + (o.late_max - o.late_min) * u(rng);
      if (r >= o.late && r < o.late + o.loss_first) {
        out.push_back({at(when), tgt, lurl, 2});
        when += 0.05 + 0.2 * u(rng);
      }
      out.push_back({at(when), tgt, path, 0});
      if (u(rng) < o.dup) out.push_back({at(when + u(rng) * 0.5), tgt, path, 1});
      sh.billed_micros += int64_t(std::llround(clearing * 1000.0));
      ++sh.genuine_wins;
    } else if (u(rng) < 0.5) {
      out.push_back({at(u(rng) * 0.2), tgt, lurl, 2});
    }
    if (!out.empty()) {
      std::lock_guard lock(sh.mu);
      for (auto& n : out) sh.queue.push(std::move(n));
      sh.cv.notify_one();
    }
  }
}

void Notifier(const Options& o, Shared& sh) {
  std::vector<std::unique_ptr<Conn>> conns;
  for (const auto& t : o.targets) conns.push_back(std::make_unique<Conn>(t));
  for (;;) {
    Notice n;
    {
      std::unique_lock lock(sh.mu);
      for (;;) {
        if (!sh.queue.empty() && sh.queue.top().due <= Clock::now()) break;
        if (sh.done && sh.queue.empty()) return;
        if (sh.queue.empty()) sh.cv.wait_for(lock, std::chrono::milliseconds(50));
        else sh.cv.wait_until(lock, sh.queue.top().due);
      }
      n = sh.queue.top();
      sh.queue.pop();
    }
    int status = conns[size_t(n.target)]->Request("GET", n.path, "", nullptr);
    if (status == 0 || status >= 500) ++sh.notice_errors;
    if (n.kind == 3 && status == 200) ++sh.forged_accepted;
    if (n.kind == 3) ++sh.forged;
    if (n.kind == 1) ++sh.repeats;
    if (n.kind == 2) ++sh.losses;
    // Copies of one win may be taken in either order by the notifier threads:
    // what counts is that exactly one copy of each win is accepted.
    if ((n.kind == 0 || n.kind == 1) && status == 200) ++sh.copies_accepted;
  }
}

double Metric(const std::string& text, const std::string& series) {
  auto p = text.find("\n" + series + " ");
  return p == std::string::npos ? 0 : std::atof(text.c_str() + p + series.size() + 2);
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, size_t(q * double(v.size())));
  std::nth_element(v.begin(), v.begin() + long(i), v.end());
  return v[i];
}

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--targets") {
      std::stringstream ss(next());
      for (std::string t; std::getline(ss, t, ',');) {
        auto c = t.rfind(':');
        if (c == std::string::npos || t.rfind("127.", 0) != 0) {
          std::fprintf(stderr, "soak: target %s: expected 127.x.y.z:port (loopback only)\n", t.c_str());
          return false;
        }
        o.targets.push_back({t.substr(0, c), std::atoi(t.c_str() + c + 1)});
      }
    } else if (a == "--body") {
      std::ifstream in(next());
      o.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else if (a == "--rate") o.rate = std::atof(next().c_str());
    else if (a == "--duration") o.duration = std::atof(next().c_str());
    else if (a == "--budget") o.budget = std::atof(next().c_str());
    else if (a == "--max-cpm") o.max_cpm = std::atof(next().c_str());
    else if (a == "--win") o.win = std::atof(next().c_str());
    else if (a == "--late") o.late = std::atof(next().c_str());
    else if (a == "--late-min-s") o.late_min = std::atof(next().c_str());
    else if (a == "--late-max-s") o.late_max = std::atof(next().c_str());
    else if (a == "--dup") o.dup = std::atof(next().c_str());
    else if (a == "--loss-first") o.loss_first = std::atof(next().c_str());
    else if (a == "--forge") o.forge = std::atof(next().c_str());
    else if (a == "--event-at") o.event_at = std::atof(next().c_str());
    else if (a == "--event") o.event = next();
    else if (a == "--senders") o.senders = std::max(1, std::atoi(next().c_str()));
    else if (a == "--seed") o.seed = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--json") o.json = true;
    else {
      std::fprintf(stderr, "soak: unknown argument %s\n", a.c_str());
      return false;
    }
  }
  if (o.targets.empty() || o.body.empty() || !(o.rate > 0) || !(o.duration > 0)) {
    std::fprintf(stderr, "soak: need --targets, --body, --rate > 0, --duration > 0\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, o)) return 2;
  Shared sh;
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  std::vector<std::vector<double>> lat(size_t(o.senders));
  std::vector<int64_t> bids(size_t(o.senders)), nobids(size_t(o.senders)), errors(size_t(o.senders));
  std::vector<std::thread> notifiers, senders;
  for (int i = 0; i < 4; ++i) notifiers.emplace_back(Notifier, std::cref(o), std::ref(sh));
  std::thread event;
  if (o.event_at >= 0 && !o.event.empty())
    event = std::thread([&] {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(int64_t(o.event_at * 1000)));
      std::fprintf(stderr, "soak: t=%.0f s: %s\n", o.event_at, o.event.c_str());
      if (std::system(o.event.c_str()) != 0) std::fprintf(stderr, "soak: event command failed\n");
    });
  for (int i = 0; i < o.senders; ++i)
    senders.emplace_back(Sender, std::cref(o), std::ref(sh), i, start, std::ref(lat[size_t(i)]),
                         std::ref(bids[size_t(i)]), std::ref(nobids[size_t(i)]), std::ref(errors[size_t(i)]));
  for (auto& t : senders) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  {
    std::lock_guard lock(sh.mu);
    sh.done = true;
  }
  sh.cv.notify_all();
  for (auto& t : notifiers) t.join();
  if (event.joinable()) event.join();
  // The servers settle queued notices when Redis answers: give them a moment.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  std::vector<double> all;
  int64_t nb = 0, nn = 0, ne = 0;
  for (int i = 0; i < o.senders; ++i) {
    all.insert(all.end(), lat[size_t(i)].begin(), lat[size_t(i)].end());
    nb += bids[size_t(i)];
    nn += nobids[size_t(i)];
    ne += errors[size_t(i)];
  }
  double spend = 0, wins = 0, late = 0, dups = 0, rejected = 0, overspend = 0;
  for (const auto& t : o.targets) {
    Conn c(t);
    std::string m;
    c.Request("GET", "/metrics", "", &m);
    m = "\n" + m;
    auto p = m.find("\nadpilot_campaign_spend{");
    if (p != std::string::npos) spend = std::max(spend, std::atof(m.c_str() + m.find("} ", p) + 2));
    p = m.find("\nadpilot_campaign_overspend{");
    if (p != std::string::npos) overspend = std::max(overspend, std::atof(m.c_str() + m.find("} ", p) + 2));
    wins += Metric(m, "adpilot_wins_total");
    late += Metric(m, "adpilot_late_wins_total");
    dups += Metric(m, "adpilot_duplicate_wins_total");
    for (const char* r : {"unsigned", "malformed", "bad_signature", "expired"})
      rejected += Metric(m, std::string("adpilot_notices_rejected_total{reason=\"") + r + "\"}");
  }
  const double billed = double(sh.billed_micros.load()) / 1e6;
  const double max_bid = double(sh.max_bid_micros.load()) / 1e6;
  const bool bound = spend <= o.budget + max_bid + 1e-9;
  const bool exact = std::fabs(spend - billed) < 1e-6 * std::max(1.0, billed) && wins == double(sh.genuine_wins) &&
                     sh.copies_accepted.load() == sh.genuine_wins.load();
  std::printf(
      "{\"offered_rate\":%.0f,\"duration_s\":%.1f,\"requests\":%zu,\"bids\":%lld,\"nobids\":%lld,\"errors\":%lld,"
      "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"budget\":%.6f,\"max_bid\":%.6f,\"spend\":%.6f,"
      "\"overspend\":%.6f,\"billed\":%.6f,\"wins_sent\":%lld,\"wins_charged\":%.0f,\"late_wins\":%.0f,"
      "\"repeats_sent\":%lld,\"duplicates_refused\":%.0f,\"losses_sent\":%lld,\"forged_sent\":%lld,"
      "\"forged_accepted\":%lld,\"notices_rejected\":%.0f,\"win_copies_accepted\":%lld,\"notice_errors\":%lld,"
      "\"spend_within_budget_plus_one_bid\":%s,\"spend_equals_billed\":%s}\n",
      o.rate, elapsed, all.size(), (long long)nb, (long long)nn, (long long)ne, Quantile(all, 0.5), Quantile(all, 0.99),
      Quantile(all, 0.999), o.budget, max_bid, spend, overspend, billed, (long long)sh.genuine_wins.load(), wins, late,
      (long long)sh.repeats.load(), dups, (long long)sh.losses.load(), (long long)sh.forged.load(),
      (long long)sh.forged_accepted.load(), rejected, (long long)sh.copies_accepted.load(),
      (long long)sh.notice_errors.load(), bound ? "true" : "false", exact ? "true" : "false");
  return bound && sh.forged_accepted.load() == 0 ? 0 : 1;
}
