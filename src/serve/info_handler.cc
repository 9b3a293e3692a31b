// /v1/score (batch scoring), /healthz and /metrics.
#include <simdjson.h>

#include <fmt/format.h>

#include "serve/serve_core.h"

namespace adpilot {

using namespace serve;

namespace {

HttpReply Bad(std::string_view msg) {
  HttpReply r;
  r.status = 400;
  r.body = "{\"error\":";
  openrtb::AppendJsonString(r.body, msg);
  r.body += "}";
  return r;
}

}  // namespace

// {"rows": [{"C1": "68fd1e64", "I1": 3, ...}, ...]} -> {"pctr": [...], "model_version": "..."}
HttpReply ServeCore::HandleScore(std::string_view body) {
  auto st = state();
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(body.data(), body.size(), true).get(root))
    return Bad(std::string("invalid JSON: ") + simdjson::error_message(err));
  simdjson::dom::array rows;
  if (root["rows"].get_array().get(rows)) return Bad("rows: expected an array of objects");
  if (int64_t(rows.size()) > cfg_.server.max_score_rows)
    return Bad(fmt::format("rows: at most {} rows per request", cfg_.server.max_score_rows));
  std::string out = "{\"model_version\":";
  openrtb::AppendJsonString(out, st->scorer->version());
  out += ",\"pctr\":[";
  RawRecord rec;
  std::vector<std::string> storage;
  std::vector<NamedValue> values;
  size_t i = 0;
  for (simdjson::dom::element row : rows) {
    simdjson::dom::object obj;
    if (row.get_object().get(obj)) return Bad(fmt::format("rows[{}]: expected an object", i));
    values.clear();
    for (auto field : obj) {
      NamedValue v;
      v.name = std::string(field.key);
      std::string_view s;
      double d;
      if (!field.value.get_string().get(s)) {
        v.text = std::string(s);
      } else if (!field.value.get_double().get(d)) {
        v.is_number = true;
        v.number = d;
      } else if (field.value.is_null()) {
        v.text.clear();
      } else {
        return Bad(fmt::format("rows[{}].{}: expected a string or a number", i, v.name));
      }
      values.push_back(std::move(v));
    }
    std::string error;
    if (!RecordFromNamed(st->scorer->schema(), values, rec, storage, error))
      return Bad(fmt::format("rows[{}]: {}", i, error));
    double p = st->scorer->Predict(rec);
    if (i) out.push_back(',');
    fmt::format_to(std::back_inserter(out), "{}", p);
    ++i;
  }
  out += "]}";
  metrics_.scored_rows.fetch_add(i, std::memory_order_relaxed);
  HttpReply r;
  r.body = std::move(out);
  return r;
}

HttpReply ServeCore::HandleHealth() {
  auto st = state();
  HttpReply r;
  r.body = "{\"status\":\"ok\",\"model_version\":";
  openrtb::AppendJsonString(r.body, st->scorer->version());
  fmt::format_to(std::back_inserter(r.body), ",\"campaigns\":{},\"reservations\":{},\"pending_settlements\":{}}}",
                 st->campaigns.size(), reservations_.size(), ledger_->pending());
  return r;
}

HttpReply ServeCore::HandleMetrics() {
  auto st = state();
  HttpReply r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = metrics_.Text();
  auto out = std::back_inserter(r.body);
  int32_t day = UtcDay(clock_->UnixSeconds());
  r.body +=
      "# HELP adpilot_campaign_spend Spend settled today (account currency).\n# TYPE adpilot_campaign_spend gauge\n";
  std::vector<BudgetState> states;
  bool store_up = true;
  for (const auto& c : st->campaigns) {
    states.push_back(ledger_->State(c.id, day));
    store_up = store_up && states.back().available;
  }
  auto money = [](int64_t micros) { return double(micros) / double(kMicrosPerUnit); };
  for (const auto& s : states)
    fmt::format_to(out, "adpilot_campaign_spend{{campaign=\"{}\"}} {}\n", s.campaign, money(s.spent));
  r.body +=
      "# HELP adpilot_campaign_reserved Reserved for bids awaiting a notice.\n# TYPE adpilot_campaign_reserved gauge\n";
  for (const auto& s : states)
    fmt::format_to(out, "adpilot_campaign_reserved{{campaign=\"{}\"}} {}\n", s.campaign, money(s.reserved));
  r.body +=
      "# HELP adpilot_campaign_budget_remaining Daily budget not spent nor reserved.\n# TYPE "
      "adpilot_campaign_budget_remaining gauge\n";
  for (const auto& s : states)
    fmt::format_to(out, "adpilot_campaign_budget_remaining{{campaign=\"{}\"}} {}\n", s.campaign, money(s.remaining()));
  r.body +=
      "# HELP adpilot_campaign_overspend Spend past the daily budget (late wins whose reservation had expired).\n"
      "# TYPE adpilot_campaign_overspend gauge\n";
  for (const auto& s : states)
    fmt::format_to(out, "adpilot_campaign_overspend{{campaign=\"{}\"}} {}\n", s.campaign, money(s.overspend()));
  const std::pair<const char*, RotatingLog*> logs[] = {
      {"events", events_.get()}, {"train", train_.get()}, {"auctions", rlb_.get()}};
  r.body +=
      "# HELP adpilot_log_dropped_lines_total Log lines lost to write errors (disk full, log directory gone).\n"
      "# TYPE adpilot_log_dropped_lines_total counter\n";
  for (auto [name, log] : logs)
    if (log) fmt::format_to(out, "adpilot_log_dropped_lines_total{{log=\"{}\"}} {}\n", name, log->dropped_lines());
  r.body +=
      "# HELP adpilot_log_write_errors_total Failed writes or opens of a log file.\n"
      "# TYPE adpilot_log_write_errors_total counter\n";
  for (auto [name, log] : logs)
    if (log) fmt::format_to(out, "adpilot_log_write_errors_total{{log=\"{}\"}} {}\n", name, log->write_errors());
  r.body += "# HELP adpilot_budget_store_up 1 when the budget store answers.\n# TYPE adpilot_budget_store_up gauge\n";
  fmt::format_to(out, "adpilot_budget_store_up {}\n", store_up ? 1 : 0);
  fmt::format_to(out,
                 "# HELP adpilot_budget_pending_settlements Settlements queued while the store is away.\n"
                 "# TYPE adpilot_budget_pending_settlements gauge\nadpilot_budget_pending_settlements {}\n",
                 ledger_->pending());
  r.body += "# HELP adpilot_model_info The model being served.\n# TYPE adpilot_model_info gauge\n";
  r.body += "adpilot_model_info{version=\"" + st->scorer->version() + "\"} 1\n";
  return r;
}

}  // namespace adpilot
