// The serve config file: [server] options (OptionSet, so flags override them),
// [features], [currency] and [[campaign]] tables, all strict about keys.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "adpilot/options.h"
#include "adpilot/server.h"
#include "adpilot/toml_file.h"
#include "serve/toml_table.h"

namespace adpilot {

void ServerOptions::Describe(OptionSet& o) {
  o.Add("host", &host, "address to bind (loopback unless you mean to expose it)");
  o.Add("port", &port, "TCP port; 0 picks a free one").Range(0, 65535);
  o.Add("threads", &threads, "HTTP worker threads").Range(1, 256);
  o.Add("model", &model, "adpilot model file scoring pCTR (relative to the config file)");
  o.Add("log_dir", &log_dir, "directory of the event, training and replay logs; empty = none");
  o.Add("log_rotate_bytes", &log_rotate_bytes, "start a new log file past this size").Min(4096);
  o.Add("admin_token", &admin_token, "bearer token for POST /admin/reload; empty disables it");
  o.Add("public_url", &public_url, "base URL of win/loss/click notices; empty = http://host:port");
  o.Add("seat", &seat, "seat id in bid responses");
  o.Add("replica_id", &replica_id, "prefix of bid ids, unique per replica; empty = from the pid");
  o.Add("redis", &redis, "host:port of a Redis shared by replicas for budgets; empty = in-process");
  o.Add("redis_prefix", &redis_prefix, "key prefix of budgets in Redis");
  o.Add("redis_timeout_ms", &redis_timeout_ms, "Redis connect/command timeout").Range(1, 10000);
  o.Add("max_body_bytes", &max_body_bytes, "larger request bodies get 413").Range(1024, 1 << 30);
  o.Add("idle_timeout_ms", &idle_timeout_ms, "close connections idle or slow for this long").Range(10, 3600000);
  o.Add("reservation_ttl_s", &reservation_ttl_s, "release a bid's reservation when no win/loss came").Range(1, 86400);
  o.Add("max_pending_reservations", &max_pending_reservations,
        "most bids awaiting a win/loss notice (memory bound); when all are held, no bid")
      .Range(16, int64_t(1) << 40);
  o.Add("click_window_s", &click_window_s, "clicks this long after a win label the training row").Range(1, 86400);
  o.Add("max_score_rows", &max_score_rows, "rows per /v1/score request").Range(1, 10000000);
  o.Add("notice_secret", &notice_secret,
        "HMAC-SHA256 key signing win/loss/click URLs (share it between replicas); empty = random per process");
  o.Add("pseudonymise", &pseudonymise,
        "key file the model's data and profiles were pseudonymised with: user.id is looked up as its pseudonym");
  o.Add("notice_ttl_s", &notice_ttl_s,
        "signed notices are refused after this; a win after reservation_ttl_s but before this is still charged")
      .Range(1, 7 * 86400);
  o.Add("max_imps", &max_imps, "impressions of one bid request considered; the rest are ignored").Range(1, 1000);
  o.Add("max_request_share", &max_request_share,
        "most of a campaign's remaining budget one request may reserve (beyond its first bid)")
      .Range(1e-6, 1);
  o.Add("tmax_margin_ms", &tmax_margin_ms, "answer no bid when less than this is left of the request's tmax")
      .Range(0, 10000);
  o.Add("metrics_token", &metrics_token, "bearer token of GET /metrics; empty = served to loopback binds only");
}

void ValidateServerOptions(const ServerOptions& s, const std::string& where) {
  if (s.notice_ttl_s < s.reservation_ttl_s)
    Throw(ErrorCode::kInvalidArgument, "{}: [server] notice_ttl_s ({}) must be at least reservation_ttl_s ({})", where,
          s.notice_ttl_s, s.reservation_ttl_s);
  if (!s.notice_secret.empty() && s.notice_secret.size() < 16)
    Throw(ErrorCode::kInvalidArgument, "{}: [server] notice_secret: use at least 16 characters (it signs money)",
          where);
}

const std::vector<std::string>& RequestFieldNames() {
  static const std::vector<std::string> names = {"inventory.type",  "inventory.id",      "inventory.domain",
                                                 "site.domain",     "app.bundle",        "publisher.id",
                                                 "inventory.cat",   "imp.size",          "imp.pos",
                                                 "imp.tagid",       "imp.instl",         "imp.bidfloor",
                                                 "device.os",       "device.osv",        "device.make",
                                                 "device.model",    "device.devicetype", "device.connectiontype",
                                                 "device.language", "device.carrier",    "geo.country",
                                                 "geo.region",      "geo.city",          "geo.metro",
                                                 "user.gender",     "user.yob",          "hour",
                                                 "weekday",         "auction.type"};
  return names;
}

void LoadServeTables(const std::string& path, ServeConfig& cfg) {
  cfg.path = path;
  toml::value root = ParseTomlFile(path);
  if (!root.is_table()) Throw(ErrorCode::kInvalidArgument, "{}: expected a TOML table", path);
  static const std::set<std::string> known = {"server", "features", "currency", "campaign"};
  for (const auto& [k, v] : root.as_table())
    if (!known.count(k))
      Throw(ErrorCode::kInvalidArgument,
            "{}: unknown key '{}' (expected [server], [features], [currency], [[campaign]])", path, k);
  cfg.features.clear();
  if (root.contains("features")) {
    const auto& names = RequestFieldNames();
    serve::TomlTable t(root.at("features"), path, "features");
    for (const auto& [k, v] : t.table()) {
      std::string src;
      t.Get(k, src);
      if (std::find(names.begin(), names.end(), src) == names.end())
        Throw(ErrorCode::kInvalidArgument, "{}: [features] {}: unknown request field '{}'; valid: {}", path, k, src,
              fmt::join(names, ", "));
      cfg.features[k] = src;
    }
  }
  cfg.currency = {{"USD", 1.0}};
  if (root.contains("currency")) {
    serve::TomlTable t(root.at("currency"), path, "currency");
    cfg.currency.clear();
    for (const auto& [k, v] : t.table()) {
      double rate = 0;
      t.Get(k, rate);
      if (!(rate > 0)) t.Bad(k, "a positive rate (units per account-currency unit)");
      cfg.currency[k] = rate;
    }
  }
  cfg.campaigns = LoadCampaigns(path);
}

ServeConfig LoadServeConfig(const std::string& path) {
  ServeConfig cfg;
  OptionSet set("server");
  cfg.server.Describe(set);
  set.LoadTomlFile(path);
  set.Validate();
  // Paths in a config file are relative to the file, so a config works from any cwd.
  auto dir = std::filesystem::path(path).parent_path();
  for (std::string* p : {&cfg.server.model, &cfg.server.log_dir})
    if (!p->empty() && std::filesystem::path(*p).is_relative()) *p = (dir / *p).lexically_normal().string();
  LoadServeTables(path, cfg);
  ValidateServerOptions(cfg.server, path);
  return cfg;
}

}  // namespace adpilot
