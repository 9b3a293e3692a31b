// adpilot bid simulate|compare|train: auction replay of bidding strategies.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/auction_log.h"
#include "adpilot/bidding.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/atomic_file.h"
#include "adpilot/parallel.h"
#include "adpilot/replay.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

namespace fs = std::filesystem;

struct BidArgs {
  std::string log, format = "rlb", strategy = "lin", budget_ratio = "1/32", train, tune_log;
  std::string protocol = "rlb", auction = "second", policy, out, model;
  std::string strategies, budget_ratios = "1/32,1/16,1/8,1/4,1/2";
  std::string budget_from, channel;
  int64_t episode = 1000;
  double tune_split = 0, budget = 0, max_bid = 300;
  double budget_scale = 1;  // from --budget-from/--channel (ResolveBudgetScale)
  bool json = false, traces = false;
};

double ParseRatio(const std::string& s) {
  double v = 0;
  try {
    size_t slash = s.find('/');
    v = slash == std::string::npos ? std::stod(s) : std::stod(s.substr(0, slash)) / std::stod(s.substr(slash + 1));
  } catch (const std::exception&) {
    Throw(ErrorCode::kInvalidArgument, "--budget-ratio: '{}' is not a number or a fraction like 1/32", s);
  }
  if (!(v > 0) || !std::isfinite(v)) Throw(ErrorCode::kInvalidArgument, "--budget-ratio must be > 0, got '{}'", s);
  return v;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t c = s.find(',', start);
    if (c == std::string::npos) c = s.size();
    if (c > start) out.push_back(s.substr(start, c - start));
    start = c + 1;
  }
  return out;
}

bool IsTrainInfo(const std::string& p) {
  return p.ends_with(".json") || p.find("train-info") != std::string::npos;
}

// The data of one run: the test log, the tuning log and the training stats.
struct Inputs {
  AuctionLog test, tune;
  CampaignStats train;
  std::string tune_source;
};

Inputs LoadInputs(const BidArgs& a, const Context& ctx) {
  Inputs in;
  const bool scored = a.format != "rlb" && a.format != "world";
  if (!a.log.empty())
    in.test = scored ? LoadScoredLog(a.log, a.format, a.model, ctx) : LoadAuctionLog(a.log, a.format);
  if (!a.tune_log.empty()) {
    in.tune = scored ? LoadScoredLog(a.tune_log, a.format, a.model, ctx) : LoadAuctionLog(a.tune_log, "rlb");
    in.tune_source = a.tune_log;
  }
  if (!a.train.empty()) {
    if (IsTrainInfo(a.train)) {
      in.train = LoadTrainInfo(a.train);
      // The RLB data set keeps the validation stream beside train-info: the
      // paper tunes on it. Never when it is the log under test.
      if (in.tune.size() == 0 && a.tune_split <= 0) {
        std::string stem = a.train.substr(0, a.train.find(".train-info"));
        for (const char* ext : {".validation.txt.gz", ".validation.txt"}) {
          std::string cand = stem + ext;
          if (fs::exists(cand) && !(fs::exists(a.log) && fs::equivalent(cand, a.log))) {
            in.tune = LoadAuctionLog(cand, "rlb");
            in.tune_source = cand;
            break;
          }
        }
      }
    } else {
      AuctionLog t = scored ? LoadScoredLog(a.train, a.format, a.model, ctx) : LoadAuctionLog(a.train, "rlb");
      in.train = t.Stats();
      if (in.tune.size() == 0) in.tune = std::move(t), in.tune_source = a.train;
    }
  }
  if (a.tune_split > 0) {
    if (a.tune_split >= 1) Throw(ErrorCode::kInvalidArgument, "--tune-split must be in (0, 1)");
    // Split on an episode boundary: tune on the head, test on the tail.
    size_t cut = size_t(double(in.test.size()) * a.tune_split);
    if (a.episode > 0) cut = cut / size_t(a.episode) * size_t(a.episode);
    if (cut == 0 || cut >= in.test.size()) Throw(ErrorCode::kInvalidArgument, "--tune-split leaves nothing to tune or test");
    if (in.tune.size() == 0) in.tune = in.test.Slice(0, cut), in.tune_source = a.log + " (head)";
    in.test = in.test.Slice(cut, in.test.size());
  }
  if (in.test.size() == 0) in.test = in.tune;  // bid train without --log
  if (a.train.empty()) in.train = in.tune.size() ? in.tune.Stats() : in.test.Stats();
  if (in.tune.size() == 0)
    ctx.log().warn("no tuning data (--tune-log, --tune-split or a validation log beside --train): "
                   "strategies use budget-neutral defaults");
  else
    ctx.log().info("tuning on {} ({} auctions)", in.tune_source, in.tune.size());
  return in;
}

// --budget-from ALLOC --channel NAME: the replay budget follows the schedule
// stage's allocation. The generated world's auctions and its weekly channel
// spend live on unrelated money scales, so the allocation moves the budget
// relatively: replay budget = the c0 protocol budget x (allocated / current
// spend of the channel that buys these auctions).
BidArgs ResolveBudgetScale(BidArgs a) {
  if (a.budget_from.empty() && a.channel.empty()) return a;
  if (a.budget_from.empty() || a.channel.empty())
    Throw(ErrorCode::kInvalidArgument, "--budget-from and --channel go together");
  if (a.budget > 0) Throw(ErrorCode::kInvalidArgument, "--budget-from and --budget exclude each other");
  a.budget_scale = BudgetScaleFromAllocation(a.budget_from, a.channel);
  return a;
}

void AddBudgetJson(nlohmann::json& j, const BidArgs& a) {
  if (a.budget_from.empty()) return;
  j["budget_from"] = a.budget_from;
  j["channel"] = a.channel;
  j["budget_scale"] = a.budget_scale;
}

ReplayConfig MakeConfig(const BidArgs& a, double ratio) {
  ReplayConfig cfg;
  cfg.protocol = a.protocol;
  cfg.budget_ratio = ratio;
  cfg.episode = a.episode;
  cfg.auction = ParseAuctionType(a.auction);
  cfg.max_bid = a.max_bid;
  cfg.budget_override = a.budget;
  cfg.budget_scale = a.budget_scale;
  cfg.traces = a.traces;
  return cfg;
}

void AddCommon(CLI::App* c, BidArgs& a, bool log_required = true) {
  auto* log = c->add_option("--log", a.log, "auction log to replay (test stream)");
  if (log_required) log->required();
  c->add_option("--format", a.format, "log format: rlb (both layouts), world (auctions.rlb), or a reader (ipinyou) with --model");
  c->add_option("--model", a.model, "adpilot model scoring pCTR for --format ipinyou (and other full logs)");
  c->add_option("--budget-ratio", a.budget_ratio, "c0: budget as a share of CPM x T / 1000 (rlb) or of the log's cost (ortb)");
  c->add_option("--episode", a.episode, "T: auctions per budget episode (rlb protocol)");
  c->add_option("--train", a.train, "training stats: <camp>.train-info.txt, info.json, or a training auction log");
  c->add_option("--tune-log", a.tune_log, "auctions to tune strategy parameters on (never the test log)");
  c->add_option("--tune-split", a.tune_split, "tune on this leading share of --log, replay the rest");
  c->add_option("--protocol", a.protocol, "budget protocol: rlb (episodes) or ortb (whole log)");
  c->add_option("--auction", a.auction, "second (pay the market price) or first (pay the bid)");
  c->add_option("--budget", a.budget, "budget per period, overriding the protocol's");
  c->add_option("--budget-from", a.budget_from,
                "allocation JSON (mmm allocate): scale the c0 budget by allocated / current spend of --channel");
  c->add_option("--channel", a.channel, "the allocation's channel that buys these auctions (e.g. display)");
  c->add_option("--max-bid", a.max_bid, "bid cap");
  c->add_flag("--json", a.json, "print one JSON object on stdout");
}

void Simulate(const BidArgs& args, Globals& g) {
  const BidArgs a = ResolveBudgetScale(args);
  Context ctx = MakeContext(g);
  Inputs in = LoadInputs(a, ctx);
  ReplayConfig cfg = MakeConfig(a, ParseRatio(a.budget_ratio));
  ReplayResult r;
  std::string name = a.strategy;
  if (!a.policy.empty()) {
    auto b = LoadPolicy(a.policy);
    name = b->name();
    r = Replay(in.test, *b, cfg, in.train);
  } else {
    r = RunStrategy(a.strategy, in.test, in.tune.size() ? &in.tune : nullptr, in.train, cfg, ctx);
  }
  double opt = HindsightOptimalClicks(in.test, cfg, in.train, false);
  ForesightBound fb = PctrForesight(in.test, cfg, in.train);
  if (a.json) {
    nlohmann::json j = r;
    j["requested_strategy"] = a.strategy;
    j["budget_ratio"] = cfg.budget_ratio;
    j["protocol"] = cfg.protocol;
    j["auction"] = AuctionTypeName(cfg.auction);
    j["hindsight_optimal_clicks"] = opt;
    j["pctr_foresight"] = {{"expected_clicks", fb.expected_clicks}, {"clicks", fb.clicks}};
    j["tuned_on"] = in.tune_source;
    AddBudgetJson(j, a);
    PrintJson(j);
    return;
  }
  fmt::print("strategy     {}{}\nauctions     {}\nbids         {}\nimpressions  {}\nclicks       {}\n"
             "conversions  {}\nspend        {:.0f}\nbudget       {:.0f}\nwin rate     {:.4f}\n"
             "CPM          {:.2f}\neCPC         {:.2f}\nhindsight    {:.0f} clicks\n"
             "expected     {:.1f} clicks (sum of won pCTR; pCTR foresight bound {:.1f}, its purchase {:.0f} clicks)\n",
             r.strategy, r.resolved != r.strategy ? " (picked " + r.resolved + " on the tuning log)" : "",
             r.auctions, r.bids, r.impressions, r.clicks, r.conversions, r.spend, r.budget,
             r.win_rate(), r.cpm(), r.ecpc(), opt, r.expected_clicks, fb.expected_clicks, fb.clicks);
}

void Compare(const BidArgs& args, Globals& g) {
  const BidArgs a = ResolveBudgetScale(args);
  Context ctx = MakeContext(g);
  Inputs in = LoadInputs(a, ctx);
  std::vector<std::string> names = a.strategies.empty() ? StrategyNames() : SplitList(a.strategies);
  std::vector<double> ratios;
  for (const auto& s : SplitList(a.budget_ratios)) ratios.push_back(ParseRatio(s));
  struct Job { std::string name; double ratio; ReplayResult r; };
  std::vector<Job> jobs;
  for (double c0 : ratios)
    for (const auto& n : names) jobs.push_back({n, c0, {}});
  std::atomic<size_t> next{0};
  // Jobs differ a lot in cost (rlb, dqn): hand them out one at a time.
  ParallelFor(ctx.threads, size_t(ctx.threads), [&](size_t, size_t, int) {
    for (size_t i; (i = next++) < jobs.size();)
      jobs[i].r = RunStrategy(jobs[i].name, in.test, in.tune.size() ? &in.tune : nullptr, in.train,
                              MakeConfig(a, jobs[i].ratio), ctx);
  });
  nlohmann::json rows = nlohmann::json::array();
  std::string csv = "budget_ratio,strategy,auctions,bids,impressions,clicks,spend,budget,win_rate,cpm,ecpc,"
                    "hindsight_optimal_clicks,resolved_strategy\n";
  // What `best` picked per budget ratio (on the tuning log only), for
  // pipelines: {@step:bid-compare:best_strategy} is the pick at the first ratio.
  nlohmann::json picks = nlohmann::json::object();
  std::string best_strategy;
  // The hindsight optimum and the foresight bound depend on the budget ratio
  // only: once per ratio, not once per strategy.
  std::map<double, std::pair<double, ForesightBound>> bounds;
  for (double c0 : ratios) {
    ReplayConfig cfg = MakeConfig(a, c0);
    bounds[c0] = {HindsightOptimalClicks(in.test, cfg, in.train, false), PctrForesight(in.test, cfg, in.train)};
  }
  for (auto& j : jobs) {
    const auto& [opt, fb] = bounds.at(j.ratio);
    nlohmann::json row = j.r;
    // Per-episode clicks (--traces) let a reader pair strategies episode by episode.
    if (!a.traces) row.erase("episode_trace");
    row.erase("hour_trace");
    row.erase("bid_samples");
    row["budget_ratio"] = j.ratio;
    row["hindsight_optimal_clicks"] = opt;
    row["pctr_foresight"] = {{"expected_clicks", fb.expected_clicks}, {"clicks", fb.clicks}};
    rows.push_back(row);
    csv += fmt::format("{},{},{},{},{},{},{:.0f},{:.0f},{:.6f},{:.3f},{:.3f},{:.0f},{}\n", j.ratio, j.name,
                       j.r.auctions, j.r.bids, j.r.impressions, j.r.clicks, j.r.spend, j.r.budget,
                       j.r.win_rate(), j.r.cpm(), j.r.ecpc(), opt, j.r.resolved);
    if (j.name == "best") {
      picks[fmt::format("{}", j.ratio)] = j.r.resolved;
      if (best_strategy.empty()) best_strategy = j.r.resolved;
    }
  }
  if (!a.out.empty()) {
    std::ofstream f(a.out);
    if (!(f << csv)) Throw(ErrorCode::kIOError, "{}: cannot write", a.out);
  }
  if (a.json) {
    nlohmann::json out = {{"log", a.log}, {"tuned_on", in.tune_source}, {"rows", rows}};
    if (!best_strategy.empty()) out["best_strategy"] = best_strategy, out["best_by_budget_ratio"] = picks;
    AddBudgetJson(out, a);
    PrintJson(out);
    return;
  }
  // "expected" = the sum of the won auctions' pCTR: what the bidder controls,
  // next to the pCTR-foresight bound printed once per budget ratio.
  fmt::print("{:<10} {:<10} {:>9} {:>9} {:>8} {:>12} {:>12}\n", "c0", "strategy", "clicks", "expected", "imps", "spend",
             "budget");
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    fmt::print("{:<10.5f} {:<10} {:>9} {:>9.1f} {:>8} {:>12.0f} {:>12.0f}{}\n", j.ratio, j.name, j.r.clicks,
               j.r.expected_clicks, j.r.impressions, j.r.spend, j.r.budget,
               j.r.resolved != j.name ? "  (picked " + j.r.resolved + ")" : "");
    if (i + 1 == jobs.size() || jobs[i + 1].ratio != j.ratio) {
      const ForesightBound& fb = bounds.at(j.ratio).second;
      fmt::print("{:<10.5f} {:<10} {:>9.0f} {:>9.1f}  (knows every price and pCTR in advance: the expected-click bound)\n",
                 j.ratio, "foresight", fb.clicks, fb.expected_clicks);
    }
  }
}

void Train(const BidArgs& args, Globals& g) {
  const BidArgs a = ResolveBudgetScale(args);
  Context ctx = MakeContext(g);
  if (a.out.empty()) Throw(ErrorCode::kInvalidArgument, "bid train needs --out POLICY");
  BidArgs b = a;
  Inputs in = LoadInputs(b, ctx);
  if (in.tune.size() == 0) Throw(ErrorCode::kInvalidArgument, "bid train needs training auctions (--tune-log or --train LOG)");
  ReplayConfig cfg = MakeConfig(a, ParseRatio(a.budget_ratio));
  auto bidder = MakeBidder(a.strategy, MakeBidderEnv(cfg, in.test, in.train, ctx.SubSeed("bid:" + a.strategy)));
  bidder->Fit(in.tune, ctx);
  SavePolicy(*bidder, a.out);
  nlohmann::json j = {{"strategy", bidder->name()}, {"resolved_strategy", bidder->Resolved()}, {"out", a.out},
                      {"params", bidder->Params()}, {"tuned_on", in.tune_source}};
  AddBudgetJson(j, a);
  if (a.json) PrintJson(j);
  else fmt::print("{} policy written to {}\n{}\n", bidder->name(), a.out, bidder->Params().dump());
}

// A simulated A/B test of two strategies: each budget episode is randomly
// assigned to one arm and gets that arm's outcome from its replay of the log.
// The strategies' state carries over between episodes as if each ran them all,
// so this measures the per-episode effect, not learning from half the traffic.
void AbUnits(const BidArgs& args, Globals& g) {
  const BidArgs a = ResolveBudgetScale(args);
  Context ctx = MakeContext(g);
  Inputs in = LoadInputs(a, ctx);
  std::vector<std::string> names = SplitList(a.strategies);
  if (names.size() != 2)
    Throw(ErrorCode::kInvalidArgument, "--strategies: give exactly two, control first (e.g. lin,rlb), got '{}'",
          a.strategies);
  ReplayConfig cfg = MakeConfig(a, ParseRatio(a.budget_ratio));
  cfg.traces = true;
  ReplayResult r[2];
  for (int k = 0; k < 2; ++k)
    r[k] = RunStrategy(names[k], in.test, in.tune.size() ? &in.tune : nullptr, in.train, cfg, ctx);
  size_t episodes = std::min(r[0].episode_trace.size(), r[1].episode_trace.size());
  if (episodes < 4) Throw(ErrorCode::kBadInput, "{}: {} budget episodes; an A/B readout needs at least 4", a.log, episodes);
  auto rng = ctx.Rng("bid-ab");
  std::bernoulli_distribution coin(0.5);
  std::string csv = "episode,variant,clicks,impressions,spend,budget\n";
  uint64_t n[2] = {0, 0}, clicks[2] = {0, 0};
  for (size_t e = 0; e < episodes; ++e) {
    int arm = coin(rng) ? 1 : 0;
    const PeriodTrace& t = r[arm].episode_trace[e];
    csv += fmt::format("{},{},{},{},{},{}\n", e, names[arm], t.clicks, t.impressions, t.spend, t.budget);
    ++n[arm];
    clicks[arm] += t.clicks;
  }
  WriteFileAtomic(a.out, csv);
  nlohmann::json j{{"log", a.log}, {"units", a.out}, {"episodes", episodes}, {"budget_ratio", cfg.budget_ratio},
                   {"budget_per_episode", PeriodBudget(cfg, in.test, in.train)}};
  AddBudgetJson(j, a);
  j["arms"] = nlohmann::json::array();
  for (int k = 0; k < 2; ++k)
    j["arms"].push_back({{"strategy", names[k]}, {"resolved_strategy", r[k].resolved}, {"episodes", n[k]}, {"clicks", clicks[k]},
                         {"clicks_full_replay", r[k].clicks}});
  if (a.json) {
    PrintJson(j);
    return;
  }
  fmt::print("{} episodes -> {}: {} gets {} ({} clicks), {} gets {} ({} clicks)\n", episodes, a.out, names[0], n[0],
             clicks[0], names[1], n[1], clicks[1]);
}

void InstallBid(CLI::App& app, Globals& g) {
  auto* bid = app.add_subcommand("bid", "bidding strategies: auction replay, comparison, training");
  bid->require_subcommand(1);
  auto a = std::make_shared<BidArgs>();
  auto* sim = bid->add_subcommand("simulate", "replay one strategy on an auction log");
  AddCommon(sim, *a);
  sim->add_option("--strategy", a->strategy, "strategy: best, " + BidderRegistry::Get().NamesJoined());
  sim->add_option("--policy", a->policy, "a trained policy file (bid train) instead of --strategy");
  sim->add_flag("--traces", a->traces, "include per-episode and per-hour traces in --json");
  sim->callback([a, &g] { Simulate(*a, g); });

  auto c = std::make_shared<BidArgs>();
  auto* cmp = bid->add_subcommand("compare", "replay several strategies x budget ratios; table to --out");
  AddCommon(cmp, *c);
  cmp->add_option("--strategies", c->strategies, "comma-separated strategies (default: all)");
  cmp->add_option("--budget-ratios", c->budget_ratios, "comma-separated c0 values");
  cmp->add_option("--out", c->out, "CSV table");
  cmp->add_flag("--traces", c->traces, "keep each row's per-episode trace in --json (for paired comparisons)");
  cmp->callback([c, &g] { Compare(*c, g); });

  auto ab = std::make_shared<BidArgs>();
  auto* abc = bid->add_subcommand("ab", "simulated A/B test of two strategies: per-episode units CSV for `adpilot abtest`");
  AddCommon(abc, *ab);
  abc->add_option("--strategies", ab->strategies, "two strategies, control first, e.g. lin,rlb")->required();
  abc->add_option("--out", ab->out, "units CSV: episode,variant,clicks,impressions,spend,budget")->required();
  abc->callback([ab, &g] { AbUnits(*ab, g); });

  auto t = std::make_shared<BidArgs>();
  auto* tr = bid->add_subcommand("train", "fit a strategy on training auctions and save its policy");
  AddCommon(tr, *t, false);
  tr->add_option("--strategy", t->strategy, "strategy to fit (dqn, rlb, lin, ...)");
  tr->add_option("--out", t->out, "policy file (.apb)")->required();
  tr->callback([t, &g] { Train(*t, g); });
}

ADPILOT_CLI_COMMAND(50, InstallBid);

}  // namespace
}  // namespace adpilot::cli
