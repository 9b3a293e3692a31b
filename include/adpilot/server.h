// The online bidder and scoring server (`adpilot serve`): OpenRTB bid requests,
// win/loss/click notices, batch scoring, health, Prometheus metrics and hot
// reload, over HTTP/1.1 keep-alive on a fixed pool of worker threads.
// Endpoints, config keys and log layouts: docs/serving.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adpilot/budget_ledger.h"
#include "adpilot/campaign.h"
#include "adpilot/clock.h"
#include "adpilot/context.h"
#include "adpilot/record.h"

namespace adpilot {

class OptionSet;

// The [server] table of a serve config (also bound to `adpilot serve` flags).
struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;      // 0 = any free port (tests)
  int threads = 2;      // worker threads of the HTTP pool
  std::string model;    // adpilot model file (pCTR)
  std::string log_dir;  // event/training/replay logs; "" = no logs
  int64_t log_rotate_bytes = 64 << 20;
  std::string admin_token;  // bearer token of /admin/*; "" = admin disabled
  std::string public_url;   // base of nurl/lurl/click URLs; "" = http://host:port
  std::string seat = "adpilot";
  std::string replica_id;  // prefix of bid ids; "" = derived from pid
  std::string redis;       // "host:port" shares budgets; "" = in-process ledger
  std::string redis_prefix = "adpilot:budget";
  int redis_timeout_ms = 50;
  int64_t max_body_bytes = 1 << 20;            // larger requests get 413
  int idle_timeout_ms = 10000;                 // keep-alive idle and slow-request limit
  int reservation_ttl_s = 300;                 // unanswered bids release their reservation after this
  int64_t max_pending_reservations = 4000000;  // bids awaiting a notice; when full, no bid
  int click_window_s = 600;                    // a click within this of the win labels the row 1
  int64_t max_score_rows = 10000;              // rows per /v1/score call
  // Money safety (docs/security.md).
  std::string notice_secret;  // HMAC key of notice URLs; "" = random per process
  // Key file of `--pseudonymise` (docs/privacy.md): the request's user.id becomes the
  // pseudonym the model's profiles were built with. Must exist: serve never creates it.
  std::string pseudonymise;
  int notice_ttl_s = 900;          // signed notices are refused after this (>= reservation_ttl_s)
  int max_imps = 20;               // impressions of one request considered; the rest are ignored
  double max_request_share = 0.1;  // one request reserves at most this share of a campaign's remaining budget
  int tmax_margin_ms = 5;          // no bid when less than this is left of the request's tmax
  std::string metrics_token;       // bearer token of /metrics; "" = open on loopback binds only
  void Describe(OptionSet& o);
};

// A model behind the server: raw fields in, calibrated pCTR out. Thread-safe.
class PctrScorer {
 public:
  virtual ~PctrScorer() = default;
  virtual const Schema& schema() const = 0;
  virtual double Predict(const RawRecord& rec) const = 0;
  // Input format of the model's training data ("criteo", ...), for the training log.
  virtual std::string format() const = 0;
  virtual std::string version() const = 0;  // shown in /metrics and /healthz
};
// Loads an adpilot model file (model.h); kNotFound / kCorruption as LoadModel.
std::shared_ptr<PctrScorer> LoadModelScorer(const std::string& path);
using ScorerFactory = std::function<std::shared_ptr<PctrScorer>(const std::string& path)>;

// A whole serve config: [server], [features] (model field = request field),
// [currency] (units per account-currency unit) and [[campaign]].
struct ServeConfig {
  std::string path;
  ServerOptions server;
  std::map<std::string, std::string> features;
  std::map<std::string, double> currency{{"USD", 1.0}};
  std::vector<Campaign> campaigns;
};
// Reads everything but [server] (which the CLI binds with flags); unknown keys
// and request fields are kInvalidArgument errors naming key and file.
void LoadServeTables(const std::string& path, ServeConfig& cfg);
// [server] + LoadServeTables.
ServeConfig LoadServeConfig(const std::string& path);
// Checks between [server] options (notice_ttl_s >= reservation_ttl_s, secret
// length); kInvalidArgument naming `where`.
void ValidateServerOptions(const ServerOptions& s, const std::string& where);
// Request fields a [features] entry may name.
const std::vector<std::string>& RequestFieldNames();

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class ServeCore;

class Server {
 public:
  // `scorer_factory` loads cfg.server.model (default LoadModelScorer); `ledger`
  // defaults to Redis when cfg.server.redis is set, else the local one.
  // Time comes from ctx.clock (tests drive it with a ManualClock).
  Server(ServeConfig cfg, const Context& ctx, ScorerFactory scorer_factory = nullptr,
         std::unique_ptr<BudgetLedger> ledger = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the worker threads; port() is valid afterwards.
  void Start();
  int port() const;
  // Stops accepting, closes connections, flushes logs (releasing nothing that
  // is still reserved: wins may still arrive for a restarted server). Idempotent.
  void Stop();
  // Blocks until Stop() (or SIGINT/SIGTERM when `handle_signals`).
  void Wait(bool handle_signals = false);

  // The request handler without the network (tests, benchmarks).
  HttpReply Handle(std::string_view method, std::string_view target, std::string_view body,
                   std::string_view authorization = {});
  // Reloads model and campaigns from the config file; false (old state kept) on failure.
  bool Reload(std::string* error = nullptr);
  BudgetLedger& ledger();
  // Runs the timeout sweep now (it also runs every 200 ms): tests with a ManualClock.
  void Sweep();

  struct Net;  // the network side, defined with Beast in http_server.cc

 private:
  std::unique_ptr<ServeCore> core_;
  std::unique_ptr<Net> net_;
  Context ctx_;
};

}  // namespace adpilot
