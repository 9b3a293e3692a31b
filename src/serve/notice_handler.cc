// Win, loss and click notices (nurl/lurl/click URLs of our bids). Only signed,
// unexpired notices act (notice_sign.h). A win settles the reservation at the
// clearing price (${AUCTION_PRICE}, in the response currency, never above the
// signed bid); a win whose reservation is gone (a loss came first, the TTL
// passed, or a previous run of the server made the bid) is still charged,
// because the exchange bills it. Every notice is idempotent: a repeated win is
// recognised by its slot or by the ledger and never charged twice.
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "adpilot/text.h"
#include "serve/serve_core.h"

namespace adpilot {

using namespace serve;

namespace {

HttpReply Reply(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The charge of a win in account micro-units: the clearing price, range
// checked, never more than the bid's maximum. A missing, garbled, negative or
// non-finite price (an unsubstituted macro, "1e999") settles at the maximum:
// the conservative reading of a win whose price we do not know.
int64_t WinCharge(const std::string& text, double rate, int64_t max_micros, const char** how) {
  // No '+': exchanges substitute the price macro with plain decimal text.
  const std::optional<double> parsed = ParseDouble(text, {.plus = false});
  const double price = parsed.value_or(-1);
  if (!parsed || price < 0 || !(rate > 0)) {
    *how = "no_price_settled_at_bid";
    return max_micros;
  }
  const double micros = price / rate * 1000.0;  // finite / positive: at most ~1.8e308, no overflow in the compare
  if (!(micros <= double(max_micros))) {
    *how = "price_above_bid_settled_at_bid";  // the exchange's error: never pay more than we bid
    return max_micros;
  }
  *how = "price";
  return std::clamp<int64_t>(int64_t(std::llround(micros)), 0, max_micros);
}

const char* KindName(Endpoint kind) {
  return kind == Endpoint::kWin ? "win" : kind == Endpoint::kLoss ? "loss" : "click";
}

}  // namespace

HttpReply ServeCore::HandleNotice(Endpoint kind, std::string_view query) {
  const int64_t now_s = clock_->UnixSeconds();
  NoticeFields f;
  const NoticeCheck check = signer_.Check(KindName(kind), query, now_s, f);
  if (check != NoticeCheck::kOk) {
    metrics_.notices_rejected[size_t(check)].fetch_add(1, std::memory_order_relaxed);
    std::string bid = QueryParam(query, "bid");
    if (bid.find_first_of("\t\n\r") != std::string::npos) bid = "-";  // the log stays one row per event
    LogEvent(fmt::format("{}\t{}\t-\t{}\t-\t-\t-\t-\trejected_{}", now_s, KindName(kind), bid.empty() ? "-" : bid,
                         NoticeCheckName(check)));
    if (check == NoticeCheck::kExpired) return Reply(410, "{\"error\":\"notice expired\"}");
    return Reply(403, fmt::format("{{\"error\":\"notice refused: {}\"}}", NoticeCheckName(check)));
  }
  const std::string& bid = f.bid;
  if (kind == Endpoint::kClick) {
    metrics_.clicks.fetch_add(1, std::memory_order_relaxed);
    Impression imp;
    bool known = impressions_.Take(bid, imp);
    LogEvent(fmt::format("{}\tclick\t-\t{}\t{}\t-\t-\t-\t{}", now_s, bid, known ? imp.campaign : "-",
                         known ? "labelled" : "late_or_unknown"));
    if (known) {
      FinishImpression(imp, true);
    } else {
      metrics_.late_clicks.fetch_add(1, std::memory_order_relaxed);
    }
    return Reply(204, "");
  }
  uint64_t seq = 0;
  const bool ours = BidSeq(bid, seq);
  Reservation res;
  const SlotState was =
      ours ? reservations_.Transition(seq, kind == Endpoint::kWin ? SlotState::kWon : SlotState::kReleased, &res)
           : SlotState::kFree;
  if (kind == Endpoint::kLoss) {
    if (was == SlotState::kLive) {
      const Campaign& c = res.state->campaigns[res.campaign];
      ledger_->Release(c.id, res.day, res.micros, bid);
      res.state->strategies[res.campaign]->Observe(false, 0, res.pctr);
      metrics_.losses.fetch_add(1, std::memory_order_relaxed);
      LogEvent(fmt::format("{}\tloss\t-\t{}\t{}\t-\t-\t{:.6g}\t{}", now_s, bid, c.id, res.pctr,
                           QueryParam(query, "reason")));
      return Reply(200, "{\"status\":\"released\"}");
    }
    if (was == SlotState::kFree) {
      // A bid of a previous run: its reservation may still be held in the
      // shared store, whose release of a token not held changes nothing. The
      // local ledger began empty with this process: nothing to release, and
      // a release there would free money other bids hold (every replay of
      // the URL again).
      if (ledger_->checks_tokens()) ledger_->Release(f.campaign, f.day, f.max_micros, bid);
      LogEvent(fmt::format("{}\tloss\t-\t{}\t{}\t-\t-\t-\tprevious_run", now_s, bid, f.campaign));
      return Reply(200, "{\"status\":\"released\"}");
    }
    metrics_.unknown_notices.fetch_add(1, std::memory_order_relaxed);
    LogEvent(fmt::format("{}\tloss\t-\t{}\t-\t-\t-\t-\talready_settled", now_s, bid));
    return Reply(404, "{\"error\":\"already settled, released or expired\"}");
  }
  if (was == SlotState::kWon) return DuplicateWin(f, now_s);
  if (was != SlotState::kLive) return HandleLateWin(f, query, now_s);
  const Campaign& c = res.state->campaigns[res.campaign];
  const char* how = "";
  const int64_t actual = WinCharge(QueryParam(query, "price"), res.rate, res.micros, &how);
  ledger_->Settle(c.id, res.day, res.micros, actual, bid);
  double cpm_acct = double(actual) / 1000.0;
  res.state->strategies[res.campaign]->Observe(true, cpm_acct, res.pctr);
  metrics_.wins.fetch_add(1, std::memory_order_relaxed);
  LogEvent(fmt::format("{}\twin\t-\t{}\t{}\t-\t{}\t{:.6g}\t{}", now_s, bid, c.id, cpm_acct, res.pctr, how));
  Impression imp;
  imp.campaign = c.id;
  imp.row = std::move(res.row);
  imp.pctr = res.pctr;
  imp.price_cpm = cpm_acct;
  imp.expires_ms = clock_->SteadyMs() + int64_t(cfg_.server.click_window_s) * 1000;
  impressions_.Put(bid, std::move(imp));
  return Reply(200, "{\"status\":\"settled\"}");
}

HttpReply ServeCore::HandleLateWin(const NoticeFields& f, std::string_view query, int64_t now_s) {
  // Everything needed is in the signed fields; the rate is today's for the
  // signed currency (none: charged at the bid's maximum).
  auto st = state();
  auto it = st->currency.find(f.cur);
  const double rate = it == st->currency.end() ? 0.0 : it->second;
  const char* how = "";
  const int64_t actual = WinCharge(QueryParam(query, "price"), rate, f.max_micros, &how);
  if (!ledger_->ChargeLate(f.campaign, f.day, actual, f.bid)) return DuplicateWin(f, now_s);
  metrics_.wins.fetch_add(1, std::memory_order_relaxed);
  metrics_.late_wins.fetch_add(1, std::memory_order_relaxed);
  LogEvent(
      fmt::format("{}\twin\t-\t{}\t{}\t-\t{}\t-\tlate_{}", now_s, f.bid, f.campaign, double(actual) / 1000.0, how));
  return Reply(200, "{\"status\":\"settled_late\"}");
}

// A win already charged (known to its slot or to the ledger): nothing more.
HttpReply ServeCore::DuplicateWin(const NoticeFields& f, int64_t now_s) {
  metrics_.duplicate_wins.fetch_add(1, std::memory_order_relaxed);
  LogEvent(fmt::format("{}\twin\t-\t{}\t{}\t-\t-\t-\tduplicate", now_s, f.bid, f.campaign));
  return Reply(404, "{\"error\":\"already settled\"}");
}

void ServeCore::FinishImpression(Impression& imp, bool clicked) {
  if (train_ && !imp.row.empty()) {
    if (clicked) imp.row[0] = '1';
    train_->Append(imp.row);
  }
  if (rlb_) rlb_->Append(fmt::format("{} {} {}", clicked ? 1 : 0, imp.price_cpm, imp.pctr));
}

}  // namespace adpilot
