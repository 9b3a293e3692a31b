// POST /openrtb2/bid: parse, match campaigns, score once per impression, price
// with the campaign's strategy, reserve the bid's maximum cost, answer.
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "serve/serve_core.h"

namespace adpilot {

using namespace serve;

namespace {

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

struct Candidate {
  int campaign, creative;
  double price;  // CPM, account currency
};

}  // namespace

HttpReply ServeCore::HandleBid(std::string_view body) {
  auto t0 = std::chrono::steady_clock::now();
  HttpReply reply;
  NoBid worst = NoBid::kBadRequest;
  auto finish = [&](HttpReply r, NoBid reason) {
    if (r.status != 200) metrics_.nobids[int(reason)].fetch_add(1, std::memory_order_relaxed);
    metrics_.ObserveLatency(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return r;
  };

  thread_local openrtb::BidRequest req;
  std::string error;
  if (!openrtb::ParseBidRequest(body, req, error)) {
    LogEvent(fmt::format("{}\trequest\t-\t-\t-\t-\t-\t-\tbad_request: {}", clock_->UnixSeconds(), error));
    HttpReply r;
    r.status = 400;
    r.body = "{\"error\":";
    openrtb::AppendJsonString(r.body, error);
    r.body += "}";
    return finish(std::move(r), NoBid::kBadRequest);
  }
  auto st = state();
  // tmax counts from the exchange's send; this counts from our parse, so the
  // margin stands in for the network and the time before the handler.
  const int64_t start_ms = clock_->SteadyMs();
  const int64_t deadline_ms =
      req.tmax > 0 ? start_ms + req.tmax - cfg_.server.tmax_margin_ms : std::numeric_limits<int64_t>::max();
  worst = NoBid::kCurrency;
  // Response currency: the first the exchange allows that the config has a rate for.
  std::string cur = "USD";
  double rate = 0;
  if (req.cur.empty()) {
    auto it = st->currency.find("USD");
    rate = it == st->currency.end() ? 0 : it->second;
  } else {
    for (const auto& c : req.cur) {
      auto it = st->currency.find(c);
      if (it != st->currency.end()) {
        cur = c;
        rate = it->second;
        break;
      }
    }
  }
  const int64_t now_s = clock_->UnixSeconds();
  const int32_t day = UtcDay(now_s);
  const double day_left = 1.0 - double(now_s % 86400) / 86400.0;
  std::vector<openrtb::Bid> bids;
  std::vector<uint64_t> bid_seqs;
  std::string req_log;
  // What this request has reserved per campaign, against max_request_share
  // of the remaining budget seen at its first bid: however many impressions a
  // request carries, it cannot tie up a campaign's day.
  std::vector<int64_t> req_reserved(st->campaigns.size(), 0), req_cap(st->campaigns.size(), 0);
  size_t n_imps = std::min(req.imp.size(), size_t(cfg_.server.max_imps));
  if (req.imp.size() > n_imps) metrics_.imps_ignored.fetch_add(req.imp.size() - n_imps, std::memory_order_relaxed);
  bool late = false;
  if (rate > 0) {
    worst = NoBid::kNoCampaigns;
    thread_local RawRecord rec;
    thread_local std::vector<std::string> storage;
    thread_local std::vector<Candidate> cands;
    for (size_t ii = 0; ii < n_imps; ++ii) {
      const auto& imp = req.imp[ii];
      if (clock_->SteadyMs() >= deadline_ms) {
        late = true;
        break;
      }
      cands.clear();
      double pctr = -1;
      std::string row;
      auto floor_rate = st->currency.find(imp.bidfloorcur);
      if (floor_rate == st->currency.end()) {
        worst = std::max(worst, NoBid::kCurrency);
        continue;
      }
      const double floor_acct = imp.bidfloor / floor_rate->second;
      for (size_t ci = 0; ci < st->campaigns.size(); ++ci) {
        const Campaign& c = st->campaigns[ci];
        int creative = -1;
        std::string why = MatchCampaign(c, req, imp, creative);
        if (!why.empty()) {
          worst = std::max(worst, NoBidFromName(why));
          continue;
        }
        BudgetState bs = ledger_->State(c.id, day);
        if (!bs.available) {
          worst = std::max(worst, NoBid::kBudgetStore);
          continue;
        }
        double committed = double(bs.spent + bs.reserved) / double(bs.budget > 0 ? bs.budget : 1);
        // Even pacing: spend may not run ahead of the day's clock by more than the slack.
        if (c.pacing == "even" && committed > (1.0 - day_left) + c.pacing_slack) {
          worst = std::max(worst, NoBid::kPacing);
          continue;
        }
        if (pctr < 0) {
          st->fmap.Map(req, imp, now_s, rec, storage);
          try {
            pctr = st->scorer->Predict(rec);
          } catch (const std::exception& ex) {
            ctx_.log().warn("scoring failed for request {}: {}", req.id, ex.what());
            pctr = -2;
          }
          if (!(pctr >= 0 && pctr <= 1)) {
            worst = std::max(worst, NoBid::kModelError);
            break;
          }
          if (train_) row = TrainingRow(st->fmap.schema(), rec);
        }
        if (req_reserved[ci] == 0)
          req_cap[ci] = int64_t(std::floor(double(bs.remaining()) * cfg_.server.max_request_share));
        double remaining = double(bs.remaining()) / double(kMicrosPerUnit);
        double value = st->strategies[ci]->Bid(pctr, remaining, day_left, floor_acct, day);
        if (!(value > 0)) {
          worst = std::max(worst, NoBid::kStrategy);
          continue;
        }
        double price = std::min(req.at == 1 ? value * c.shade : value, c.max_cpm);
        if (price < floor_acct || price <= 0) {
          worst = std::max(worst, NoBid::kBelowFloor);
          continue;
        }
        cands.push_back({int(ci), creative, price});
      }
      if (cands.empty()) continue;
      std::sort(cands.begin(), cands.end(), [](auto& a, auto& b) { return a.price > b.price; });
      for (const auto& cand : cands) {
        const Campaign& c = st->campaigns[cand.campaign];
        double out_price = cand.price * rate;
        // Same currency as the floor: never let rounding put the price under it.
        if (imp.bidfloorcur == cur) out_price = std::max(out_price, imp.bidfloor);
        // The most this impression can cost: its own price (first price) or less.
        int64_t micros = int64_t(std::ceil(out_price / rate * 1000.0 - 1e-9));
        // The first bid of a request is held to the budget alone; more bids
        // for the same campaign only within the request's share.
        if (req_reserved[cand.campaign] > 0 && req_reserved[cand.campaign] + micros > req_cap[cand.campaign]) {
          worst = std::max(worst, NoBid::kRequestShare);
          continue;
        }
        // The reservation gets its slot (and so the bid its id) first: the
        // ledger takes the id as its token.
        Reservation res;
        res.state = st;
        res.campaign = cand.campaign;
        res.day = day;
        res.micros = micros;
        res.rate = rate;
        res.pctr = pctr;
        res.row = row;
        res.expires_ms = clock_->SteadyMs() + int64_t(cfg_.server.reservation_ttl_s) * 1000;
        uint64_t seq = 0;
        if (!reservations_.Put(std::move(res), seq)) {
          worst = std::max(worst, NoBid::kReservationsFull);
          break;  // no other campaign can get a slot either
        }
        std::string bid_id = BidId(seq);
        if (!ledger_->Reserve(c.id, day, micros, bid_id)) {
          reservations_.Take(seq, res);
          worst = std::max(worst, ledger_->State(c.id, day).available ? NoBid::kBudget : NoBid::kBudgetStore);
          continue;
        }
        req_reserved[cand.campaign] += micros;
        bid_seqs.push_back(seq);
        NoticeFields nf;
        nf.bid = bid_id;
        nf.campaign = c.id;
        nf.cur = cur;
        nf.day = day;
        nf.max_micros = micros;
        nf.expires_s = now_s + cfg_.server.notice_ttl_s;
        openrtb::Bid b;
        b.id = bid_id;
        b.impid = imp.id;
        b.price = out_price;
        b.crid = c.creatives[cand.creative].id;
        b.cid = c.id;
        b.w = c.creatives[cand.creative].w;
        b.h = c.creatives[cand.creative].h;
        b.adomain = c.adomain;
        b.cat = c.cat;
        const NoticeSigner::Queries q = signer_.Sign(nf);
        b.nurl = fmt::format("{}/v1/win?{}&price=${{AUCTION_PRICE}}", public_url_, q.win);
        b.lurl = fmt::format("{}/v1/loss?{}&reason=${{AUCTION_LOSS}}", public_url_, q.loss);
        b.adm = c.creatives[cand.creative].adm;
        ReplaceAll(b.adm, "${CLICK_URL}", fmt::format("{}/v1/click?{}", public_url_, q.click));
        LogEvent(fmt::format("{}\tbid\t{}\t{}\t{}\t{}\t{}\t{:.6g}\t{}", now_s, req.id, bid_id, c.id, imp.id, out_price,
                             pctr, cur));
        bids.push_back(std::move(b));
        break;
      }
    }
  }
  if (!late && clock_->SteadyMs() >= deadline_ms) late = true;
  if (late) {
    // An answer after tmax is discarded by the exchange: give back what this
    // request reserved and say no bid.
    for (uint64_t seq : bid_seqs) {
      Reservation res;
      if (reservations_.Transition(seq, SlotState::kReleased, &res) == SlotState::kLive)
        ledger_->Release(res.state->campaigns[res.campaign].id, res.day, res.micros, BidId(seq));
    }
    bids.clear();
    worst = NoBid::kDeadline;
  }
  if (bids.empty()) {
    LogEvent(fmt::format("{}\trequest\t{}\t-\t-\t-\t-\t-\tnobid: {}", now_s, req.id, NoBidName(worst)));
    HttpReply r;
    r.status = 204;
    r.body.clear();
    return finish(std::move(r), worst);
  }
  LogEvent(fmt::format("{}\trequest\t{}\t-\t-\t-\t-\t-\tbids: {}", now_s, req.id, bids.size()));
  metrics_.bid_responses.fetch_add(1, std::memory_order_relaxed);
  metrics_.bids.fetch_add(bids.size(), std::memory_order_relaxed);
  reply.body = openrtb::WriteBidResponse(req.id, bids.front().id, cur, cfg_.server.seat, bids);
  return finish(std::move(reply), worst);
}

}  // namespace adpilot
