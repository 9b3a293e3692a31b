// The replay loop, budget protocols and the hindsight optimum.
#include "adpilot/replay.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "deliver/tuning.h"

namespace adpilot {
namespace {

// Budget periods as [begin, end) index pairs.
std::vector<std::pair<size_t, size_t>> Periods(const AuctionLog& log, const ReplayConfig& cfg) {
  std::vector<std::pair<size_t, size_t>> out;
  if (cfg.protocol == "ortb") {
    out.emplace_back(0, log.size());
    return out;
  }
  if (cfg.protocol != "rlb")
    Throw(ErrorCode::kInvalidArgument, "unknown budget protocol '{}'; valid: ortb, rlb", cfg.protocol);
  if (cfg.episode < 1) Throw(ErrorCode::kInvalidArgument, "--episode must be >= 1, got {}", cfg.episode);
  // Declared episodes are used when they have the requested length; otherwise
  // the stream is cut every T auctions.
  if (log.episode_start.size() >= 2 && log.header_episode_len == cfg.episode) {
    for (size_t i = 0; i + 1 < log.episode_start.size(); ++i)
      out.emplace_back(log.episode_start[i], log.episode_start[i + 1]);
    return out;
  }
  for (size_t s = 0; s < log.size(); s += size_t(cfg.episode))
    out.emplace_back(s, std::min(log.size(), s + size_t(cfg.episode)));
  return out;
}

void AddTo(PeriodTrace& t, bool bid, bool won, bool click, double pay) {
  ++t.auctions;
  t.bids += bid;
  t.impressions += won;
  t.clicks += won && click;
  t.spend += won ? pay : 0;
}

// The RLB scripts truncate budgets to whole price units (int()); that is only
// meaningful when prices are whole units. A log priced in currency (USD CPM
// from the bidder's own logs, 0.01 a win) keeps its exact budget instead of
// being truncated to 0.
bool WholePrices(const AuctionLog& log) {
  for (float p : log.price)
    if (p != std::floor(p)) return false;
  return true;
}

double Whole(double budget, bool whole) { return whole ? std::floor(budget) : budget; }

}  // namespace

double PeriodBudget(const ReplayConfig& cfg, const AuctionLog& log, const CampaignStats& train) {
  if (cfg.budget_override > 0) return cfg.budget_override;
  if (!(cfg.budget_ratio > 0))
    Throw(ErrorCode::kInvalidArgument, "--budget-ratio must be > 0, got {}", cfg.budget_ratio);
  if (!(cfg.budget_scale >= 0) || !std::isfinite(cfg.budget_scale))
    Throw(ErrorCode::kInvalidArgument, "budget scale must be >= 0, got {}", cfg.budget_scale);
  if (cfg.protocol == "ortb") return cfg.budget_ratio * cfg.budget_scale * log.total_cost();
  if (!(train.cpm > 0))
    Throw(ErrorCode::kInvalidArgument, "the rlb budget protocol needs the training CPM (--train)");
  // int() as in the RLB scripts: budgets are whole price units (when prices are).
  return Whole(train.cpm * double(cfg.episode) * cfg.budget_ratio * cfg.budget_scale / 1000.0, WholePrices(log));
}

double BudgetScaleFromAllocation(const std::string& path, const std::string& channel) {
  auto j = nlohmann::json::parse(ReadFile(path), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("channels") || !j["channels"].is_array())
    Throw(ErrorCode::kBadInput, "{}: not an allocation (expected the JSON of `adpilot mmm allocate`)", path);
  std::string names;
  for (const auto& c : j["channels"]) {
    const std::string name = c.value("name", "");
    names += (names.empty() ? "" : ", ") + name;
    if (name != channel) continue;
    const double spend = c.value("spend", -1.0), current = c.value("current", 0.0);
    if (!(current > 0))
      Throw(ErrorCode::kBadInput, "{}: channel '{}': current spend {} must be > 0 to scale a budget", path, channel,
            current);
    if (!(spend >= 0)) Throw(ErrorCode::kBadInput, "{}: channel '{}': allocated spend {} must be >= 0", path, channel, spend);
    return spend / current;
  }
  Throw(ErrorCode::kInvalidArgument, "{}: no channel '{}'; valid: {}", path, channel, names);
}

BidderEnv MakeBidderEnv(const ReplayConfig& cfg, const AuctionLog& log,
                        const CampaignStats& train, uint64_t seed) {
  BidderEnv env;
  env.stats = train;
  env.auction = cfg.auction;
  env.max_bid = cfg.max_bid;
  env.episode_auctions = cfg.protocol == "ortb" ? int64_t(log.size()) : cfg.episode;
  env.episode_budget = PeriodBudget(cfg, log, train);
  env.seed = seed;
  return env;
}

ReplayResult Replay(const AuctionLog& log, Bidder& bidder, const ReplayConfig& cfg,
                    const CampaignStats& train) {
  auto t0 = std::chrono::steady_clock::now();
  ReplayResult r;
  r.strategy = bidder.name();
  r.resolved = bidder.Resolved();
  const double full_budget = PeriodBudget(cfg, log, train);
  const bool whole = WholePrices(log);
  const auto periods = Periods(log, cfg);
  const bool first = cfg.auction == AuctionType::kFirstPrice;
  const bool hours = cfg.traces && !log.hour.empty();
  const bool conv = !log.conversion.empty();
  if (hours) r.hour_trace.resize(24);
  const size_t sample_every = std::max<size_t>(1, log.click.size() / 400);
  const uint8_t* click = log.click.data();
  const float* price = log.price.data();
  const float* pctr = log.pctr.data();
  bidder.BeginStream();
  for (auto [begin, end] : periods) {
    const int64_t n = int64_t(end - begin);
    const int64_t full = cfg.protocol == "ortb" ? n : cfg.episode;
    // A short last episode gets its pro-rata share of the budget.
    const double budget = n >= full ? full_budget : Whole(full_budget * double(n) / double(full), whole);
    bidder.BeginPeriod(budget, n);
    PeriodTrace pt;
    pt.budget = budget;
    double left = budget;
    AuctionContext a;
    AuctionOutcome o;
    for (size_t i = begin; i < end; ++i) {
      a.pctr = pctr[i];
      a.remaining_budget = left;
      a.remaining_auctions = int64_t(end - i);
      a.remaining_time = double(end - i) / double(full);
      double b = bidder.Bid(a);
      // The replay enforces the cap itself: a strategy cannot overspend.
      if (!(b > 0)) b = 0;
      b = std::min({b, left, cfg.max_bid});
      if (cfg.traces && i % sample_every == 0) r.bid_samples.push_back({a.pctr, float(b)});
      const bool won = b > 0 && b >= price[i];
      const double pay = won ? (first ? b : double(price[i])) : 0;
      if (won) {
        left -= pay;
        ADP_CHECK(left >= -1e-9);
        if (left < 0) left = 0;
      }
      const bool clk = click[i] != 0;
      AddTo(pt, b > 0, won, clk, pay);
      if (won && conv) r.conversions += log.conversion[i];
      if (won) r.expected_clicks += pctr[i];
      if (hours) AddTo(r.hour_trace[size_t(std::clamp<int>(log.hour[i], 0, 23))], b > 0, won, clk, pay);
      o.won = won;
      o.price = pay;
      o.clicked = won && clk;
      o.pctr = a.pctr;
      bidder.Observe(o);
    }
    r.auctions += pt.auctions;
    r.bids += pt.bids;
    r.impressions += pt.impressions;
    r.clicks += pt.clicks;
    r.spend += pt.spend;
    r.budget += budget;
    ++r.episodes;
    if (cfg.traces) r.episode_trace.push_back(pt);
  }
  ADP_CHECK(r.spend <= r.budget + 1e-6);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

static nlohmann::json TraceJson(const std::vector<PeriodTrace>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& t : v)
    a.push_back({{"auctions", t.auctions}, {"bids", t.bids}, {"impressions", t.impressions},
                 {"clicks", t.clicks}, {"spend", t.spend}, {"budget", t.budget}});
  return a;
}

void to_json(nlohmann::json& j, const ReplayResult& r) {
  j = {{"strategy", r.strategy}, {"resolved_strategy", r.resolved}, {"auctions", r.auctions}, {"bids", r.bids},
       {"impressions", r.impressions}, {"clicks", r.clicks}, {"expected_clicks", r.expected_clicks}, {"conversions", r.conversions},
       {"spend", r.spend}, {"budget", r.budget}, {"episodes", r.episodes},
       {"win_rate", r.win_rate()}, {"cpm", r.cpm()}, {"ecpc", r.ecpc()}, {"seconds", r.seconds}};
  if (!r.episode_trace.empty()) j["episode_trace"] = TraceJson(r.episode_trace);
  if (!r.hour_trace.empty()) j["hour_trace"] = TraceJson(r.hour_trace);
  if (!r.bid_samples.empty()) {
    auto samples = nlohmann::json::array();
    for (const auto& [p, b] : r.bid_samples) samples.push_back({{"pctr", p}, {"bid", b}});
    j["bid_samples"] = samples;
  }
}

double HindsightOptimalClicks(const AuctionLog& log, const ReplayConfig& cfg,
                              const CampaignStats& train, bool use_pctr) {
  const double full_budget = PeriodBudget(cfg, log, train);
  const bool whole = WholePrices(log);
  double total = 0;
  std::vector<std::pair<double, double>> items;  // (price, value)
  for (auto [begin, end] : Periods(log, cfg)) {
    const int64_t n = int64_t(end - begin);
    const int64_t full = cfg.protocol == "ortb" ? n : cfg.episode;
    double left = n >= full ? full_budget : Whole(full_budget * double(n) / double(full), whole);
    items.clear();
    for (size_t i = begin; i < end; ++i) {
      double v = use_pctr ? log.pctr[i] : log.click[i];
      if (v > 0 && log.price[i] <= cfg.max_bid) items.emplace_back(log.price[i], v);
    }
    if (!use_pctr) {
      // Unit values: taking the cheapest clicked auctions is the exact knapsack optimum.
      std::sort(items.begin(), items.end());
      for (auto [p, v] : items) {
        if (p > left) break;
        left -= p;
        total += v;
      }
      continue;
    }
    // Expected clicks: the fractional (LP) relaxation, an upper bound of the 0/1 optimum.
    std::sort(items.begin(), items.end(), [](auto& x, auto& y) {
      return x.second * std::max(y.first, 1e-9) > y.second * std::max(x.first, 1e-9);
    });
    for (auto [p, v] : items) {
      if (p <= left) {
        left -= p;
        total += v;
      } else {
        total += v * left / p;
        break;
      }
    }
  }
  return total;
}

}  // namespace adpilot
