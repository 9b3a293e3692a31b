// The replay loop, budget protocols and the hindsight optimum.
#include "adpilot/replay.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "adpilot/allocator.h"
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
  if (!(train.cpm > 0)) Throw(ErrorCode::kInvalidArgument, "the rlb budget protocol needs the training CPM (--train)");
  // int() as in the RLB scripts: budgets are whole price units (when prices are).
  return Whole(train.cpm * double(cfg.episode) * cfg.budget_ratio * cfg.budget_scale / 1000.0, WholePrices(log));
}

namespace {

struct BudgetPeriod {
  size_t begin, end;
  double budget;
};

// The budget periods with their budgets; a short last episode gets its
// pro-rata share of the budget.
std::vector<BudgetPeriod> BudgetPeriods(const AuctionLog& log, const ReplayConfig& cfg, const CampaignStats& train) {
  const double full_budget = PeriodBudget(cfg, log, train);
  const bool whole = WholePrices(log);
  std::vector<BudgetPeriod> out;
  for (auto [begin, end] : Periods(log, cfg)) {
    const int64_t n = int64_t(end - begin);
    const int64_t full = cfg.protocol == "ortb" ? n : cfg.episode;
    out.push_back({begin, end, n >= full ? full_budget : Whole(full_budget * double(n) / double(full), whole)});
  }
  return out;
}

}  // namespace

double BudgetScaleFromAllocation(const std::string& path, const std::string& channel) {
  auto j = nlohmann::json::parse(ReadFile(path), nullptr, false);
  if (j.is_discarded())
    Throw(ErrorCode::kBadInput, "{}: not an allocation (expected the JSON of `adpilot mmm allocate`)", path);
  mmm::Allocation al = mmm::AllocationFromJson(j, path);
  for (size_t c = 0; c < al.channels.size(); ++c) {
    if (al.channels[c] != channel) continue;
    const double spend = al.spend[c], current = al.current[c];
    if (!(current > 0))
      Throw(ErrorCode::kBadInput, "{}: channel '{}': current spend {} must be > 0 to scale a budget", path, channel,
            current);
    if (!(spend >= 0))
      Throw(ErrorCode::kBadInput, "{}: channel '{}': allocated spend {} must be >= 0", path, channel, spend);
    return spend / current;
  }
  Throw(ErrorCode::kInvalidArgument, "{}: no channel '{}'; valid: {}", path, channel, fmt::join(al.channels, ", "));
}

BidderEnv MakeBidderEnv(const ReplayConfig& cfg, const AuctionLog& log, const CampaignStats& train, uint64_t seed) {
  BidderEnv env;
  env.stats = train;
  env.auction = cfg.auction;
  env.max_bid = cfg.max_bid;
  env.episode_auctions = cfg.protocol == "ortb" ? int64_t(log.size()) : cfg.episode;
  env.episode_budget = PeriodBudget(cfg, log, train);
  env.seed = seed;
  return env;
}

ReplayResult Replay(const AuctionLog& log, Bidder& bidder, const ReplayConfig& cfg, const CampaignStats& train) {
  auto t0 = std::chrono::steady_clock::now();
  ReplayResult r;
  r.strategy = bidder.name();
  r.resolved = bidder.Resolved();
  const auto periods = BudgetPeriods(log, cfg, train);
  const bool first = cfg.auction == AuctionType::kFirstPrice;
  const bool hours = cfg.traces && !log.hour.empty();
  const bool conv = !log.conversion.empty();
  if (hours) r.hour_trace.resize(24);
  const size_t sample_every = std::max<size_t>(1, log.click.size() / 400);
  const uint8_t* click = log.click.data();
  const float* price = log.price.data();
  const float* pctr = log.pctr.data();
  bidder.BeginStream();
  for (auto [begin, end, budget] : periods) {
    const int64_t n = int64_t(end - begin);
    const int64_t full = cfg.protocol == "ortb" ? n : cfg.episode;
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
    a.push_back({{"auctions", t.auctions},
                 {"bids", t.bids},
                 {"impressions", t.impressions},
                 {"clicks", t.clicks},
                 {"spend", t.spend},
                 {"budget", t.budget}});
  return a;
}

void to_json(nlohmann::json& j, const ReplayResult& r) {
  j = {{"strategy", r.strategy},
       {"resolved_strategy", r.resolved},
       {"auctions", r.auctions},
       {"bids", r.bids},
       {"impressions", r.impressions},
       {"clicks", r.clicks},
       {"expected_clicks", r.expected_clicks},
       {"conversions", r.conversions},
       {"spend", r.spend},
       {"budget", r.budget},
       {"episodes", r.episodes},
       {"win_rate", r.win_rate()},
       {"cpm", r.cpm()},
       {"ecpc", r.ecpc()},
       {"seconds", r.seconds}};
  if (!r.episode_trace.empty()) j["episode_trace"] = TraceJson(r.episode_trace);
  if (!r.hour_trace.empty()) j["hour_trace"] = TraceJson(r.hour_trace);
  if (!r.bid_samples.empty()) {
    auto samples = nlohmann::json::array();
    for (const auto& [p, b] : r.bid_samples) samples.push_back({{"pctr", p}, {"bid", b}});
    j["bid_samples"] = samples;
  }
}

// to_json writes a NaN as null.
static double Real(const nlohmann::json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}

static std::vector<PeriodTrace> TraceFromJson(const nlohmann::json& a) {
  std::vector<PeriodTrace> v;
  for (const auto& t : a)
    v.push_back({t.at("auctions").get<uint64_t>(), t.at("bids").get<uint64_t>(), t.at("impressions").get<uint64_t>(),
                 t.at("clicks").get<uint64_t>(), Real(t.at("spend")), Real(t.at("budget"))});
  return v;
}

void from_json(const nlohmann::json& j, ReplayResult& r) {
  r = ReplayResult();
  r.strategy = j.at("strategy").get<std::string>();
  r.resolved = j.at("resolved_strategy").get<std::string>();
  r.auctions = j.at("auctions").get<uint64_t>();
  r.bids = j.at("bids").get<uint64_t>();
  r.impressions = j.at("impressions").get<uint64_t>();
  r.clicks = j.at("clicks").get<uint64_t>();
  r.expected_clicks = Real(j.at("expected_clicks"));
  r.conversions = j.at("conversions").get<uint64_t>();
  r.spend = Real(j.at("spend"));
  r.budget = Real(j.at("budget"));
  r.episodes = j.at("episodes").get<uint64_t>();
  r.seconds = Real(j.at("seconds"));
  if (j.contains("episode_trace")) r.episode_trace = TraceFromJson(j.at("episode_trace"));
  if (j.contains("hour_trace")) r.hour_trace = TraceFromJson(j.at("hour_trace"));
  if (j.contains("bid_samples"))
    for (const auto& s : j.at("bid_samples"))
      r.bid_samples.emplace_back(float(Real(s.at("pctr"))), float(Real(s.at("bid"))));
}

double HindsightOptimalClicks(const AuctionLog& log, const ReplayConfig& cfg, const CampaignStats& train,
                              bool use_pctr) {
  if (use_pctr) return PctrForesight(log, cfg, train).expected_clicks;
  double total = 0;
  std::vector<double> prices;
  for (auto [begin, end, left] : BudgetPeriods(log, cfg, train)) {
    prices.clear();
    for (size_t i = begin; i < end; ++i)
      if (log.click[i] > 0 && log.price[i] <= cfg.max_bid) prices.push_back(log.price[i]);
    // Unit values: taking the cheapest clicked auctions is the exact knapsack optimum.
    std::sort(prices.begin(), prices.end());
    for (double p : prices) {
      if (p > left) break;
      left -= p;
      total += 1;
    }
  }
  return total;
}

ForesightBound PctrForesight(const AuctionLog& log, const ReplayConfig& cfg, const CampaignStats& train) {
  ForesightBound r;
  std::vector<size_t> items;
  for (auto [begin, end, left] : BudgetPeriods(log, cfg, train)) {
    items.clear();
    for (size_t i = begin; i < end; ++i)
      if (log.pctr[i] > 0 && log.price[i] <= cfg.max_bid) items.push_back(i);
    // Best pCTR per unit of money first: the fractional (LP) relaxation, an
    // upper bound of every policy's expected clicks. The whole auctions it
    // takes are the oracle's purchase; their realised clicks are `clicks`.
    auto ratio_gt = [&](size_t x, size_t y) {
      return double(log.pctr[x]) * std::max(double(log.price[y]), 1e-9) >
             double(log.pctr[y]) * std::max(double(log.price[x]), 1e-9);
    };
    std::stable_sort(items.begin(), items.end(), ratio_gt);
    for (size_t i : items) {
      double p = log.price[i];
      if (p <= left) {
        left -= p;
        r.expected_clicks += log.pctr[i];
        r.clicks += log.click[i] != 0 ? 1 : 0;
      } else {
        r.expected_clicks += log.pctr[i] * left / p;
        break;
      }
    }
  }
  return r;
}

}  // namespace adpilot
