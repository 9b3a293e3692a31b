// ServeCore: routing, state (build, reload), logs and the timeout sweeper.
// The bid path is in bid_handler.cc, notices in notice_handler.cc, the rest in
// info_handler.cc.
#include "serve/serve_core.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/pseudonym.h"
#include "adpilot/text.h"

namespace adpilot {

using namespace serve;

namespace {

bool IsLoopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

std::string RunTag() {
  std::random_device rd;
  uint64_t v = (uint64_t(rd()) << 32) | rd();
  std::string out;
  for (int i = 0; i < 8; ++i, v /= 36) out.push_back("0123456789abcdefghijklmnopqrstuvwxyz"[v % 36]);
  return out;
}

}  // namespace

ServeCore::ServeCore(ServeConfig cfg, const Context& ctx, ScorerFactory factory, std::unique_ptr<BudgetLedger> ledger)
    : cfg_(std::move(cfg)),
      ctx_(ctx),
      clock_(ctx.clock),
      signer_(cfg_.server.notice_secret),
      factory_(std::move(factory)),
      ledger_(std::move(ledger)),
      // A slot stays past its reservation until its notices expire, so a late
      // or repeated win is recognised and charged exactly once.
      reservations_(uint64_t(cfg_.server.max_pending_reservations),
                    int64_t(cfg_.server.notice_ttl_s - cfg_.server.reservation_ttl_s) * 1000 + 1000) {
  ADP_CHECK(clock_ != nullptr);  // a Context whose clock was reset by hand
  ValidateServerOptions(cfg_.server, cfg_.path.empty() ? std::string("serve config") : cfg_.path);
  metrics_open_ = cfg_.server.metrics_token.empty() && IsLoopback(cfg_.server.host);
  if (!factory_) factory_ = LoadModelScorer;
  if (!ledger_) {
    ledger_ = cfg_.server.redis.empty() ? MakeLocalLedger()
                                        : MakeRedisLedger(cfg_.server.redis, cfg_.server.redis_prefix,
                                                          cfg_.server.redis_timeout_ms, ctx_, cfg_.server.notice_ttl_s);
  }
  if (cfg_.server.notice_secret.empty() && !cfg_.server.redis.empty())
    ctx_.log().warn(
        "[server] notice_secret is empty: notices signed by this process are refused by other "
        "replicas and after a restart; set one secret for all replicas");
  replica_ = cfg_.server.replica_id.empty() ? fmt::format("r{}", ::getpid()) : cfg_.server.replica_id;
  if (replica_.find_first_of("&=%\n\r ") != std::string::npos)
    Throw(ErrorCode::kInvalidArgument, "[server] replica_id '{}': use letters, digits, '-' and '_'", replica_);
  id_prefix_ = fmt::format("{}-{}-", replica_, RunTag());
  public_url_ = cfg_.server.public_url.empty() ? fmt::format("http://{}:{}", cfg_.server.host, cfg_.server.port)
                                               : cfg_.server.public_url;
  state_ = BuildState(cfg_);
  if (!cfg_.server.log_dir.empty()) {
    const auto& d = cfg_.server.log_dir;
    int64_t rot = cfg_.server.log_rotate_bytes;
    events_ = std::make_unique<RotatingLog>(d, "events-" + replica_, "tsv", rot, ctx_.logger);
    train_ = std::make_unique<RotatingLog>(
        d, "train-" + replica_, state_->scorer->format() == "criteo" ? "criteo.tsv" : "tsv", rot, ctx_.logger);
    rlb_ = std::make_unique<RotatingLog>(d, "auctions-" + replica_, "rlb", rot, ctx_.logger);
  }
  sweeper_ = std::thread([this] { SweepLoop(); });
}

ServeCore::~ServeCore() { Shutdown(); }

std::shared_ptr<ServingState> ServeCore::BuildState(const ServeConfig& cfg) {
  auto st = std::make_shared<ServingState>();
  if (cfg.server.model.empty())
    Throw(ErrorCode::kInvalidArgument, "{}: [server] model: a model file is required", cfg.path);
  st->scorer = factory_(cfg.server.model);
  ADP_CHECK(st->scorer != nullptr);
  st->fmap = FeatureMap(cfg.features, st->scorer->schema(), cfg.path);
  if (!cfg.server.pseudonymise.empty()) {
    // A new key here would match no profile: the model's key must already exist.
    if (!std::filesystem::exists(cfg.server.pseudonymise))
      Throw(ErrorCode::kNotFound,
            "{}: [server] pseudonymise: key file {} not found (use the key the model's data was "
            "pseudonymised with)",
            cfg.path, cfg.server.pseudonymise);
    st->fmap.set_pseudonym_key(LoadOrCreateKey(cfg.server.pseudonymise));
  }
  st->campaigns = cfg.campaigns;
  st->currency = cfg.currency;
  for (const auto& c : st->campaigns) {
    st->strategies.push_back(std::make_unique<CampaignStrategy>(c, ctx_));
    ledger_->SetBudget(c.id, int64_t(std::llround(c.daily_budget * double(kMicrosPerUnit))));
  }
  return st;
}

std::shared_ptr<ServingState> ServeCore::state() const {
  std::lock_guard lock(state_mu_);
  return state_;
}

bool ServeCore::Reload(std::string* error) {
  std::lock_guard reload(reload_mu_);
  try {
    ServeConfig next = cfg_;
    if (!cfg_.path.empty()) LoadServeTables(cfg_.path, next);
    auto st = BuildState(next);
    {
      std::lock_guard lock(state_mu_);
      state_ = std::move(st);
    }
    // cfg_ itself stays as started: workers read its [server] options unlocked.
    metrics_.reloads_ok.fetch_add(1);
    auto now = state();
    ctx_.log().info("reloaded: model {}, {} campaigns", now->scorer->version(), now->campaigns.size());
    return true;
  } catch (const std::exception& ex) {
    metrics_.reloads_failed.fetch_add(1);
    ctx_.log().error("reload failed, still serving the previous model: {}", ex.what());
    if (error) *error = ex.what();
    return false;
  }
}

namespace {

std::string_view PathOf(std::string_view target, std::string_view& query) {
  auto q = target.find('?');
  query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  return target.substr(0, q);
}

HttpReply ErrorReply(int status, std::string_view msg) {
  HttpReply r;
  r.status = status;
  r.body = "{\"error\":";
  openrtb::AppendJsonString(r.body, msg);
  r.body += "}";
  return r;
}

}  // namespace

HttpReply ServeCore::Handle(std::string_view method, std::string_view target, std::string_view body,
                            std::string_view authorization) {
  std::string_view query;
  std::string_view path = PathOf(target, query);
  HttpReply r;
  Endpoint ep = Endpoint::kOther;
  bool get = method == "GET", post = method == "POST";
  try {
    if (path == "/openrtb2/bid") {
      ep = Endpoint::kBid;
      r = post ? HandleBid(body) : ErrorReply(405, "use POST");
    } else if (path == "/v1/win" || path == "/v1/loss" || path == "/v1/click") {
      ep = path == "/v1/win" ? Endpoint::kWin : path == "/v1/loss" ? Endpoint::kLoss : Endpoint::kClick;
      r = get || post ? HandleNotice(ep, query) : ErrorReply(405, "use GET or POST");
    } else if (path == "/v1/score") {
      ep = Endpoint::kScore;
      r = post ? HandleScore(body) : ErrorReply(405, "use POST");
    } else if (path == "/healthz") {
      ep = Endpoint::kHealth;
      r = HandleHealth();
    } else if (path == "/metrics") {
      ep = Endpoint::kMetrics;
      if (!cfg_.server.metrics_token.empty()) {
        auto denied = Authorize(authorization, cfg_.server.metrics_token);
        r = denied ? *denied : HandleMetrics();
      } else {
        r = metrics_open_ ? HandleMetrics()
                          : ErrorReply(403, "metrics need a metrics_token on a server bound beyond loopback");
      }
    } else if (path == "/admin/reload") {
      ep = Endpoint::kReload;
      r = post ? HandleReload(authorization) : ErrorReply(405, "use POST");
    } else {
      r = ErrorReply(404, "no such endpoint");
    }
  } catch (const std::exception& ex) {
    // A bug or an unexpected failure answers 500 and keeps the server up.
    ctx_.log().error("{} {}: {}", method, path, ex.what());
    r = ErrorReply(500, "internal error");
  }
  metrics_.requests[int(ep)].fetch_add(1, std::memory_order_relaxed);
  metrics_.CountResponse(r.status);
  return r;
}

std::optional<HttpReply> ServeCore::Authorize(std::string_view authorization, const std::string& token) {
  // Five bad tokens within a minute lock the endpoint for the rest of that
  // minute, for everyone: guessing a token then takes years, not hours.
  constexpr size_t kMaxFailures = 5;
  constexpr int64_t kWindowMs = 60000;
  const int64_t now = clock_->SteadyMs();
  {
    std::lock_guard lock(auth_mu_);
    while (!auth_failures_.empty() && auth_failures_.front() <= now - kWindowMs) auth_failures_.pop_front();
    if (auth_failures_.size() >= kMaxFailures) {
      metrics_.auth_locked.fetch_add(1, std::memory_order_relaxed);
      HttpReply r = ErrorReply(429, "too many bad tokens: locked for up to a minute");
      return r;
    }
  }
  std::string want = "Bearer " + token;
  // Constant-time comparison: the token is a secret.
  bool ok = authorization.size() == want.size();
  unsigned diff = 0;
  for (size_t i = 0; i < want.size(); ++i) diff |= unsigned(ok ? authorization[i] ^ want[i] : 1);
  if (ok && !diff) return std::nullopt;
  metrics_.auth_failures.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(auth_mu_);
  auth_failures_.push_back(now);
  return ErrorReply(401, "bad or missing bearer token");
}

HttpReply ServeCore::HandleReload(std::string_view authorization) {
  const std::string& token = cfg_.server.admin_token;
  if (token.empty()) return ErrorReply(403, "admin endpoints are disabled (no admin_token in the config)");
  if (auto denied = Authorize(authorization, token)) return *denied;
  std::string err;
  if (!Reload(&err)) return ErrorReply(500, "reload failed, previous model still serving: " + err);
  HttpReply r;
  r.body = fmt::format("{{\"status\":\"reloaded\",\"model_version\":\"{}\",\"campaigns\":{}}}",
                       state()->scorer->version(), state()->campaigns.size());
  return r;
}

void ServeCore::LogEvent(std::string_view line) {
  if (events_) events_->Append(line);
}

void ServeCore::SweepLoop() {
  std::unique_lock lock(sweep_mu_);
  int ticks = 0;
  while (!stop_) {
    sweep_cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (stop_) break;
    lock.unlock();
    Sweep(clock_->SteadyMs());
    // Flushed every 200 ms, fsynced every second.
    bool sync = ++ticks % 5 == 0;
    for (auto* l : {events_.get(), train_.get(), rlb_.get()})
      if (l) l->Flush(sync);
    lock.lock();
  }
}

void ServeCore::SweepNow() { Sweep(clock_->SteadyMs()); }

std::string ServeCore::BidId(uint64_t seq) const { return fmt::format("{}{}", id_prefix_, seq); }

bool ServeCore::BidSeq(std::string_view bid, uint64_t& seq) const {
  if (bid.size() <= id_prefix_.size() || bid.compare(0, id_prefix_.size(), id_prefix_) != 0) return false;
  const char* digits = bid.data() + id_prefix_.size();
  const char* end = bid.data() + bid.size();
  if (*digits == '0' && end - digits > 1) return false;  // "r1-07" is not the id of bid 7
  auto v = ParseInt<uint64_t>(std::string_view(digits, size_t(end - digits)), {.plus = false});
  if (v) seq = *v;
  return v.has_value();
}

void ServeCore::Sweep(int64_t now_ms) {
  for (auto& [seq, res] : reservations_.TakeExpired(now_ms)) {
    const Campaign& c = res.state->campaigns[res.campaign];
    ledger_->Release(c.id, res.day, res.micros, BidId(seq));
    metrics_.expired.fetch_add(1, std::memory_order_relaxed);
  }
  for (auto& imp : impressions_.TakeExpired(now_ms)) FinishImpression(imp, false);
}

void ServeCore::Shutdown() {
  {
    std::lock_guard lock(sweep_mu_);
    if (stop_) return;
    stop_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  // Impressions still waiting for a click are written as not clicked; their
  // reservations stay in the ledger (Redis) for wins that arrive after a restart.
  for (auto& imp : impressions_.TakeExpired(-1)) FinishImpression(imp, false);
  for (auto* l : {events_.get(), train_.get(), rlb_.get()})
    if (l) l->Close();
}

}  // namespace adpilot
