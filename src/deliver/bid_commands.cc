// The deliver stage's commands: bid simulate, bid compare, bid ab, bid train
// (auction replay of bidding strategies). Their options are declared here
// once; the CLI and `adpilot run` bind from them.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include "adpilot/atomic_file.h"
#include "adpilot/bidding.h"
#include "adpilot/collective.h"
#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/progress.h"
#include "adpilot/replay.h"

namespace adpilot {
namespace {

// The options every bid command shares: where the auctions come from, the
// budget protocol and the auction rules. Defaults are ReplayConfig's.
class BidCommand : public Command {
 protected:
  void DescribeCommon(OptionSet& s, bool log_required) {
    s.Add("log", &src_.log, "auction log to replay (test stream)");
    if (log_required) s.Required();
    s.Add("format", &src_.format,
          "log format: rlb (both layouts), world (auctions.rlb), or a reader (ipinyou) with --model");
    s.Add("model", &src_.model, "adpilot model scoring pCTR for --format ipinyou (and other full logs)");
    src_.privacy.Describe(s);
    s.Add("budget_ratio", &cfg_.budget_ratio,
          "c0: budget as a share of CPM x T / 1000 (rlb) or of the log's cost (ortb); a number or a fraction like 1/32")
        .Min(std::numeric_limits<double>::denorm_min());
    s.Add("episode", &cfg_.episode, "T: auctions per budget episode (rlb protocol)").Min(1);
    s.Add("train", &src_.train, "training stats: <camp>.train-info.txt, info.json, or a training auction log");
    s.Add("tune_log", &src_.tune_log, "auctions to tune strategy parameters on (never the test log)");
    s.Add("tune_split", &src_.tune_split, "tune on this leading share of --log, replay the rest (0 = off)").Range(0, 1);
    s.Add("protocol", &cfg_.protocol, "budget protocol: rlb (episodes) or ortb (whole log)").Choices({"rlb", "ortb"});
    s.Add("auction", &auction_, "second (pay the market price) or first (pay the bid)").Choices({"second", "first"});
    s.Add("budget", &cfg_.budget_override, "budget per period, overriding the protocol's (0 = the protocol's)").Min(0);
    s.Add("budget_from", &budget_from_,
          "allocation JSON (mmm allocate): scale the c0 budget by allocated / current spend of --channel");
    s.Add("channel", &channel_, "the allocation's channel that buys these auctions (e.g. display)");
    s.Add("max_bid", &cfg_.max_bid, "bid cap").Min(0);
  }

  // Checks --budget-from/--channel and reads the budget scale they imply.
  void ResolveBudget() { cfg_.budget_scale = ReplayBudgetScale(budget_from_, channel_, cfg_.budget_override); }

  // The replay setting at budget ratio `ratio`.
  ReplayConfig Config(double ratio, bool traces) const {
    ReplayConfig cfg = cfg_;
    cfg.budget_ratio = ratio;
    cfg.auction = ParseAuctionType(auction_);
    cfg.traces = traces;
    return cfg;
  }

  // Runs job(0) ... job(n - 1) and returns their results, on every rank, in
  // job order. Under mpirun rank r runs jobs r, r + N, ... and the ranks then
  // swap results (as JSON), so the output does not depend on the rank count.
  // Within a rank the jobs go to the threads one at a time: they differ a lot
  // in cost (rlb and dqn against lin).
  template <typename T>
  std::vector<T> RunJobs(const Context& ctx, const char* what, size_t n, const std::function<T(size_t)>& job) const {
    const Collective& comm = ctx.comm();
    std::vector<size_t> mine;
    for (size_t i = size_t(comm.rank()); i < n; i += size_t(comm.size())) mine.push_back(i);
    std::vector<T> results(n);
    std::atomic<size_t> next{0};
    Progress progress(ctx, what, mine.size(), "replays");
    progress.Begin();
    std::mutex progress_mu;
    ParallelFor(ctx.threads, size_t(ctx.threads), [&](size_t, size_t, int) {
      for (size_t k; (k = next++) < mine.size();) {
        results[mine[k]] = job(mine[k]);
        std::lock_guard<std::mutex> lock(progress_mu);
        progress.Advance();
      }
    });
    progress.Finish();
    if (comm.distributed()) {
      nlohmann::json done = nlohmann::json::object();
      for (size_t i : mine) done[std::to_string(i)] = results[i];
      for (const auto& part : comm.Allgather(done.dump())) {
        // Named: a range-for over a temporary's items() would dangle.
        const nlohmann::json theirs = nlohmann::json::parse(part);
        for (const auto& it : theirs.items()) results[std::stoul(it.key())] = it.value().get<T>();
      }
    }
    return results;
  }

  // --campaigns: one replay setting per campaign, each with its name in place
  // of {camp} in the paths ("" when there is no --campaigns).
  void DescribeCampaigns(OptionSet& s) {
    s.Add("campaigns", &campaigns_,
          "comma-separated campaigns, each in place of {camp} in --log, --train, --tune-log, --model and --policy "
          "(split across ranks under mpirun)");
  }
  std::vector<std::string> Campaigns() const {
    if (campaigns_.empty() == (src_.log.find(kCamp) != std::string::npos))
      Throw(ErrorCode::kInvalidArgument,
            "--campaigns and a {} in --log go together (e.g. --campaigns 1458,2259 --log data/{}.validation.txt.gz)",
            kCamp, kCamp);
    return campaigns_.empty() ? std::vector<std::string>{""} : campaigns_;
  }
  static constexpr const char* kCamp = "{camp}";
  static std::string Substitute(std::string s, const std::string& camp) {
    for (size_t at; (at = s.find(kCamp)) != std::string::npos;) s.replace(at, std::string(kCamp).size(), camp);
    return s;
  }
  // The inputs of campaign `camp`, loaded once per rank and campaign.
  const ReplayInputs& Inputs(const std::string& camp, const Context& ctx) {
    auto it = inputs_.find(camp);
    if (it != inputs_.end()) return it->second;
    ReplaySource src = src_;
    for (std::string* p : {&src.log, &src.train, &src.tune_log, &src.model}) *p = Substitute(*p, camp);
    return inputs_[camp] = LoadReplayInputs(src, cfg_.episode, ctx);
  }

  void AddBudgetJson(nlohmann::json& j) const {
    if (budget_from_.empty()) return;
    j["budget_from"] = budget_from_;
    j["channel"] = channel_;
    j["budget_scale"] = cfg_.budget_scale;
  }

  ReplaySource src_;
  ReplayConfig cfg_;
  std::string auction_ = AuctionTypeName(ReplayConfig().auction);
  std::string budget_from_, channel_;
  std::vector<std::string> campaigns_;
  std::map<std::string, ReplayInputs> inputs_;
};

class SimulateCommand : public BidCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {"bid simulate --log world/auctions.rlb --format world --tune-split 0.5 --strategy lin --budget-ratio 1/16",
            "bid simulate --log data/{camp}.validation.txt.gz --train data/{camp}.train-info.txt --tune-split 0.5 "
            "--campaigns 1458,2259 --budget-ratios 1/32,1/8 --strategy lin"};
  }
  void Describe(OptionSet& s) override {
    DescribeCommon(s, true);
    s.Add("strategy", &strategy_, "strategy: best, " + BidderRegistry::Get().NamesJoined());
    s.Add("policy", &policy_, "a trained policy file (bid train) instead of --strategy");
    s.Add("traces", &traces_, "include per-episode and per-hour traces in --json");
    DescribeCampaigns(s);
    s.Add("budget_ratios", &budget_ratios_,
          "comma-separated c0 values to replay, each a run of its own (instead of --budget-ratio)");
  }

  nlohmann::json Run(const Context& ctx) override {
    ResolveBudget();
    const std::vector<std::string> camps = Campaigns();
    if (campaigns_.empty() && budget_ratios_.empty()) return Simulate(Inputs("", ctx), policy_, cfg_.budget_ratio, ctx);
    // A sweep: every campaign x budget ratio, split across ranks under mpirun.
    std::vector<double> ratios;
    for (const auto& r : budget_ratios_) ratios.push_back(ParseBudgetRatio(r));
    if (ratios.empty()) ratios.push_back(cfg_.budget_ratio);
    // This rank's campaigns' logs, loaded before the threads share them.
    const Collective& comm = ctx.comm();
    const size_t jobs = camps.size() * ratios.size();
    for (size_t i = size_t(comm.rank()); i < jobs; i += size_t(comm.size())) Inputs(camps[i / ratios.size()], ctx);
    std::vector<nlohmann::json> runs = RunJobs<nlohmann::json>(ctx, "bid simulate", jobs, [&](size_t i) {
      const std::string& camp = camps[i / ratios.size()];
      nlohmann::json j = Simulate(inputs_.at(camp), Substitute(policy_, camp), ratios[i % ratios.size()], ctx);
      if (!camp.empty()) j["campaign"] = camp;
      return j;
    });
    nlohmann::json out = {{"log", src_.log}, {"runs", runs}, {"ranks", comm.size()}};
    if (!campaigns_.empty()) out["campaigns"] = campaigns_;
    out["budget_ratios"] = ratios;
    return out;
  }

 private:
  // One replay of the strategy (or the policy) at budget ratio `ratio`.
  nlohmann::json Simulate(const ReplayInputs& in, const std::string& policy, double ratio, const Context& ctx) const {
    ReplayConfig cfg = Config(ratio, traces_);
    ReplayResult r;
    if (!policy.empty()) {
      auto b = LoadPolicy(policy);
      r = Replay(in.test, *b, cfg, in.train);
    } else {
      r = RunStrategy(strategy_, in.test, in.tune.size() ? &in.tune : nullptr, in.train, cfg, ctx);
    }
    double opt = HindsightOptimalClicks(in.test, cfg, in.train, false);
    ForesightBound fb = PctrForesight(in.test, cfg, in.train);
    nlohmann::json j = r;
    j["requested_strategy"] = strategy_;
    j["budget_ratio"] = cfg.budget_ratio;
    j["protocol"] = cfg.protocol;
    j["auction"] = AuctionTypeName(cfg.auction);
    j["hindsight_optimal_clicks"] = opt;
    j["pctr_foresight"] = {{"expected_clicks", fb.expected_clicks}, {"clicks", fb.clicks}};
    j["tuned_on"] = in.tune_source;
    AddBudgetJson(j);
    return j;
  }

  std::string strategy_ = "lin", policy_;
  std::vector<std::string> budget_ratios_;
  bool traces_ = false;
};

// Clicks of `a` minus those of `b` over the same episodes of the same log,
// with a 95% normal interval from the spread of the per-episode differences:
// pairing removes the episodes' own variation, which dwarfs the strategies'.
nlohmann::json PairedClicks(const ReplayResult& a, const ReplayResult& b) {
  const size_t n = std::min(a.episode_trace.size(), b.episode_trace.size());
  double sum = 0, sum2 = 0;
  for (size_t e = 0; e < n; ++e) {
    double d = double(a.episode_trace[e].clicks) - double(b.episode_trace[e].clicks);
    sum += d, sum2 += d * d;
  }
  nlohmann::json j = {{"episodes", n}, {"clicks_diff", sum}, {"reference_clicks", b.clicks}};
  if (n >= 2) {
    double var = std::max(0.0, (sum2 - sum * sum / double(n)) / double(n - 1));
    double half = 1.959964 * std::sqrt(var * double(n));
    j["low"] = sum - half;
    j["high"] = sum + half;
  }
  return j;
}

class CompareCommand : public BidCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "bid compare --log world/auctions.rlb --format world --tune-split 0.5 --strategies lin,ortb1,rlb,best "
        "--budget-ratios 1/16,1/8 --out compare.csv"};
  }
  void Describe(OptionSet& s) override {
    DescribeCommon(s, true);
    s.Add("strategies", &strategies_, "comma-separated strategies (default: all)");
    s.Add("budget_ratios", &budget_ratios_, "comma-separated c0 values (numbers or fractions like 1/32)");
    s.Add("out", &out_, "CSV table").Output();
    s.Add("traces", &traces_, "keep each row's per-episode trace in --json (for paired comparisons)");
    DescribeCampaigns(s);
  }

  nlohmann::json Run(const Context& ctx) override {
    ResolveBudget();
    const std::vector<std::string> camps = Campaigns();
    std::vector<std::string> names = strategies_.empty() ? StrategyNames() : strategies_;
    std::vector<double> ratios;
    for (const auto& s : budget_ratios_) ratios.push_back(ParseBudgetRatio(s));
    // The hindsight optimum and the foresight bound depend on the campaign and
    // the budget ratio only: once per setting, not once per strategy; also split.
    struct Setting {
      std::string camp;
      double ratio;
    };
    std::vector<Setting> settings;
    for (const auto& camp : camps)
      for (double c0 : ratios) settings.push_back({camp, c0});
    struct Job {
      size_t setting;
      std::string name;
      ReplayResult r;
    };
    std::vector<Job> jobs;
    for (size_t k = 0; k < settings.size(); ++k)
      for (const auto& n : names) jobs.push_back({k, n, {}});
    // This rank's campaigns' logs, loaded before the threads share them.
    const Collective& comm = ctx.comm();
    for (size_t i = size_t(comm.rank()); i < jobs.size(); i += size_t(comm.size()))
      Inputs(settings[jobs[i].setting].camp, ctx);
    for (size_t i = size_t(comm.rank()); i < settings.size(); i += size_t(comm.size())) Inputs(settings[i].camp, ctx);
    // Per-episode traces always: they pair each strategy with lin below.
    std::vector<ReplayResult> results = RunJobs<ReplayResult>(ctx, "bid compare", jobs.size(), [&](size_t i) {
      const Setting& st = settings[jobs[i].setting];
      const ReplayInputs& in = inputs_.at(st.camp);
      return RunStrategy(jobs[i].name, in.test, in.tune.size() ? &in.tune : nullptr, in.train, Config(st.ratio, true),
                         ctx);
    });
    for (size_t i = 0; i < jobs.size(); ++i) jobs[i].r = std::move(results[i]);
    std::vector<nlohmann::json> bound =
        RunJobs<nlohmann::json>(ctx, "bid compare bounds", settings.size(), [&](size_t i) {
          const ReplayInputs& in = inputs_.at(settings[i].camp);
          ReplayConfig cfg = Config(settings[i].ratio, traces_);
          ForesightBound fb = PctrForesight(in.test, cfg, in.train);
          return nlohmann::json{{"hindsight_optimal_clicks", HindsightOptimalClicks(in.test, cfg, in.train, false)},
                                {"pctr_foresight", {{"expected_clicks", fb.expected_clicks}, {"clicks", fb.clicks}}},
                                {"tuned_on", in.tune_source}};
        });
    const bool many = !campaigns_.empty();
    nlohmann::json rows = nlohmann::json::array();
    std::string csv = std::string(many ? "campaign," : "") +
                      "budget_ratio,strategy,auctions,bids,impressions,clicks,spend,budget,win_rate,cpm,ecpc,"
                      "hindsight_optimal_clicks,resolved_strategy\n";
    // What `best` picked per budget ratio (on the tuning log only), for
    // pipelines: {@step:bid-compare:best_strategy} is the pick at the first
    // ratio (of the first campaign).
    nlohmann::json picks = nlohmann::json::object();
    std::string best_strategy;
    std::vector<const ReplayResult*> lin(settings.size(), nullptr);
    for (const auto& j : jobs)
      if (j.name == "lin") lin[j.setting] = &j.r;
    for (auto& j : jobs) {
      const Setting& st = settings[j.setting];
      const nlohmann::json& b = bound[j.setting];
      const double opt = b["hindsight_optimal_clicks"].get<double>();
      nlohmann::json row = j.r;
      if (lin[j.setting] && j.name != "lin") row["vs_lin"] = PairedClicks(j.r, *lin[j.setting]);
      // Per-episode clicks (--traces) let a reader pair strategies episode by episode.
      if (!traces_) row.erase("episode_trace");
      row.erase("hour_trace");
      row.erase("bid_samples");
      if (many) row["campaign"] = st.camp;
      row["budget_ratio"] = st.ratio;
      row["hindsight_optimal_clicks"] = opt;
      row["pctr_foresight"] = b["pctr_foresight"];
      rows.push_back(row);
      if (many) csv += st.camp + ",";
      csv += fmt::format("{},{},{},{},{},{},{:.0f},{:.0f},{:.6f},{:.3f},{:.3f},{:.0f},{}\n", st.ratio, j.name,
                         j.r.auctions, j.r.bids, j.r.impressions, j.r.clicks, j.r.spend, j.r.budget, j.r.win_rate(),
                         j.r.cpm(), j.r.ecpc(), opt, j.r.resolved);
      if (j.name == "best") {
        if (many) picks[st.camp][fmt::format("{}", st.ratio)] = j.r.resolved;
        else picks[fmt::format("{}", st.ratio)] = j.r.resolved;
        if (best_strategy.empty()) best_strategy = j.r.resolved;
      }
    }
    if (!out_.empty() && comm.rank() == 0) WriteFileAtomic(out_, csv);
    nlohmann::json out = {{"log", src_.log}, {"rows", rows}};
    if (many) {
      out["campaigns"] = campaigns_;
      out["tuned_on"] = nlohmann::json::object();
      for (size_t i = 0; i < settings.size(); ++i) out["tuned_on"][settings[i].camp] = bound[i]["tuned_on"];
    } else {
      out["tuned_on"] = bound.empty() ? nlohmann::json(Inputs("", ctx).tune_source) : bound[0]["tuned_on"];
    }
    if (!best_strategy.empty()) out["best_strategy"] = best_strategy, out["best_by_budget_ratio"] = picks;
    AddBudgetJson(out);
    return out;
  }

 private:
  std::vector<std::string> strategies_, budget_ratios_{"1/32", "1/16", "1/8", "1/4", "1/2"};
  std::string out_;
  bool traces_ = false;
};

// A simulated A/B test of two strategies: each budget episode is randomly
// assigned to one arm and gets that arm's outcome from its replay of the log.
// The strategies' state carries over between episodes as if each ran them all,
// so this measures the per-episode effect, not learning from half the traffic.
class AbCommand : public BidCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "bid ab --log world/auctions.rlb --format world --tune-split 0.5 --strategies lin,best --budget-ratio 1/16 "
        "--out ab_units.csv"};
  }
  void Describe(OptionSet& s) override {
    DescribeCommon(s, true);
    s.Add("strategies", &strategies_, "two strategies, control first, e.g. lin,rlb").Required();
    s.Add("out", &out_, "units CSV: episode,variant,clicks,impressions,spend,budget").Required().Output();
  }

  nlohmann::json Run(const Context& ctx) override {
    ResolveBudget();
    ReplayInputs in = LoadReplayInputs(src_, cfg_.episode, ctx);
    const std::vector<std::string>& names = strategies_;
    if (names.size() != 2)
      Throw(ErrorCode::kInvalidArgument, "--strategies: give exactly two, control first (e.g. lin,rlb), got '{}'",
            fmt::join(names, ","));
    ReplayConfig cfg = Config(cfg_.budget_ratio, true);
    ReplayResult r[2];
    for (int k = 0; k < 2; ++k)
      r[k] = RunStrategy(names[k], in.test, in.tune.size() ? &in.tune : nullptr, in.train, cfg, ctx);
    size_t episodes = std::min(r[0].episode_trace.size(), r[1].episode_trace.size());
    if (episodes < 4)
      Throw(ErrorCode::kBadInput, "{}: {} budget episodes; an A/B readout needs at least 4", src_.log, episodes);
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
    WriteFileAtomic(out_, csv);
    nlohmann::json j{{"log", src_.log},
                     {"units", out_},
                     {"episodes", episodes},
                     {"budget_ratio", cfg.budget_ratio},
                     {"budget_per_episode", PeriodBudget(cfg, in.test, in.train)}};
    AddBudgetJson(j);
    j["arms"] = nlohmann::json::array();
    for (int k = 0; k < 2; ++k)
      j["arms"].push_back({{"strategy", names[k]},
                           {"resolved_strategy", r[k].resolved},
                           {"episodes", n[k]},
                           {"clicks", clicks[k]},
                           {"clicks_full_replay", r[k].clicks}});
    return j;
  }

 private:
  std::vector<std::string> strategies_;
  std::string out_;
};

class TrainCommand : public BidCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "bid train --log world/auctions.rlb --format world --tune-split 0.5 --strategy rlb --budget-ratio 1/16 --out "
        "rlb.policy"};
  }
  void Describe(OptionSet& s) override {
    DescribeCommon(s, false);
    s.Add("strategy", &strategy_, "strategy to fit (dqn, rlb, lin, ...)");
    s.Add("out", &out_, "policy file (.apb)").Required().Output();
  }

  nlohmann::json Run(const Context& ctx) override {
    ResolveBudget();
    ReplayInputs in = LoadReplayInputs(src_, cfg_.episode, ctx);
    if (in.tune.size() == 0)
      Throw(ErrorCode::kInvalidArgument, "bid train needs training auctions (--tune-log or --train LOG)");
    ReplayConfig cfg = Config(cfg_.budget_ratio, false);
    auto bidder = MakeBidder(strategy_, MakeBidderEnv(cfg, in.test, in.train, ctx.SubSeed("bid:" + strategy_)));
    bidder->Fit(in.tune, ctx);
    SavePolicy(*bidder, out_);
    nlohmann::json j = {{"strategy", bidder->name()},
                        {"resolved_strategy", bidder->Resolved()},
                        {"out", out_},
                        {"params", bidder->Params()},
                        {"tuned_on", in.tune_source}};
    AddBudgetJson(j);
    return j;
  }

 private:
  std::string strategy_ = "lin", out_;
};

ADPILOT_COMMAND_GROUP("bid", "bidding strategies: auction replay, comparison, training");
ADPILOT_COMMAND("bid simulate", "deliver", "replay one strategy on an auction log", SimulateCommand);
ADPILOT_COMMAND("bid compare", "deliver", "replay several strategies x budget ratios; table to --out", CompareCommand);
ADPILOT_COMMAND("bid ab", "deliver", "simulated A/B test of two strategies: per-episode units CSV for `adpilot abtest`",
                AbCommand);
ADPILOT_COMMAND("bid train", "deliver", "fit a strategy on training auctions and save its policy", TrainCommand);

}  // namespace
}  // namespace adpilot
