// Win, loss and click notices (nurl/lurl/click URLs of our bids). A win settles
// the reservation at the clearing price (${AUCTION_PRICE}, in the response
// currency), a loss releases it; both are idempotent: a repeated notice finds
// no reservation and changes nothing.
#include <charconv>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "serve/serve_core.h"

namespace adpilot {

using namespace serve;

namespace {

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out.push_back(char(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::string QueryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    auto eq = kv.find('=');
    if (kv.substr(0, eq) == key) return eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

HttpReply Reply(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

HttpReply ServeCore::HandleNotice(Endpoint kind, std::string_view query) {
  std::string bid = QueryParam(query, "bid");
  if (bid.empty()) return Reply(400, "{\"error\":\"missing bid parameter\"}");
  const int64_t now_s = std::time(nullptr);
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
    HttpReply r = Reply(204, "");
    return r;
  }
  Reservation res;
  uint64_t seq = 0;
  if (!BidSeq(bid, seq) || !reservations_.Take(seq, res)) {
    metrics_.unknown_notices.fetch_add(1, std::memory_order_relaxed);
    LogEvent(fmt::format("{}\t{}\t-\t{}\t-\t-\t-\t-\tunknown_or_settled", now_s,
                         kind == Endpoint::kWin ? "win" : "loss", bid));
    return Reply(404, "{\"error\":\"unknown or already settled bid\"}");
  }
  const Campaign& c = res.state->campaigns[res.campaign];
  CampaignStrategy& strat = *res.state->strategies[res.campaign];
  if (kind == Endpoint::kLoss) {
    ledger_->Release(c.id, res.day, res.micros, bid);
    strat.Observe(false, 0, res.pctr);
    metrics_.losses.fetch_add(1, std::memory_order_relaxed);
    LogEvent(fmt::format("{}\tloss\t-\t{}\t{}\t-\t-\t{:.6g}\t{}", now_s, bid, c.id, res.pctr,
                         QueryParam(query, "reason")));
    return Reply(200, "{\"status\":\"released\"}");
  }
  // An unsubstituted or garbled macro settles at the full reservation: the
  // conservative reading of a win whose price we do not know.
  std::string ptext = QueryParam(query, "price");
  double price = NAN;
  auto [p, ec] = std::from_chars(ptext.data(), ptext.data() + ptext.size(), price);
  bool price_ok = ec == std::errc() && p == ptext.data() + ptext.size() && std::isfinite(price) && price >= 0;
  int64_t actual = price_ok ? int64_t(std::llround(price / res.rate * 1000.0)) : res.micros;
  if (actual > res.micros) actual = res.micros;  // a clearing price above our bid is the exchange's error
  ledger_->Settle(c.id, res.day, res.micros, actual, bid);
  double cpm_acct = double(actual) / 1000.0;
  strat.Observe(true, cpm_acct, res.pctr);
  metrics_.wins.fetch_add(1, std::memory_order_relaxed);
  LogEvent(fmt::format("{}\twin\t-\t{}\t{}\t-\t{}\t{:.6g}\t{}", now_s, bid, c.id, cpm_acct, res.pctr,
                       price_ok ? "price" : "no_price_settled_at_bid"));
  Impression imp;
  imp.campaign = c.id;
  imp.row = std::move(res.row);
  imp.pctr = res.pctr;
  imp.price_cpm = cpm_acct;
  imp.expires_ms = NowMs() + int64_t(cfg_.server.click_window_s) * 1000;
  impressions_.Put(bid, std::move(imp));
  return Reply(200, "{\"status\":\"settled\"}");
}

void ServeCore::FinishImpression(Impression& imp, bool clicked) {
  if (train_ && !imp.row.empty()) {
    if (clicked) imp.row[0] = '1';
    train_->Append(imp.row);
  }
  if (rlb_) rlb_->Append(fmt::format("{} {} {}", clicked ? 1 : 0, imp.price_cpm, imp.pctr));
}

}  // namespace adpilot
