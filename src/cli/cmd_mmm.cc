// adpilot mmm fit|allocate|split
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/allocator.h"
#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t c = s.find(',', pos);
    std::string item = s.substr(pos, c == std::string::npos ? std::string::npos : c - pos);
    if (!item.empty()) out.push_back(item);
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  return out;
}

void InstallFit(CLI::App* mmm, Globals& g) {
  struct Args {
    std::string data, date_col, kpi_col, channels, controls, out, csv_dir;
    bool json = false;
    mmm::MmmOptions opts;
    OptionSet set;
    std::unique_ptr<BoundOptions> bound;
  };
  auto a = std::make_shared<Args>();
  auto* fit = mmm->add_subcommand("fit", "fit a Bayesian marketing-mix model (NUTS) to a weekly CSV");
  fit->add_option("--data", a->data, "CSV with a header: date, KPI, spend per channel, controls")->required();
  fit->add_option("--date-col", a->date_col, "date column (YYYY-MM-DD)")->required();
  fit->add_option("--kpi-col", a->kpi_col, "KPI column (revenue or conversions)")->required();
  fit->add_option("--channels", a->channels, "spend columns, comma-separated")->required();
  fit->add_option("--controls", a->controls, "control columns, comma-separated");
  fit->add_option("--out", a->out, "model file to write (atomically)")->required();
  fit->add_option("--csv-dir", a->csv_dir, "write contributions, response curves, adstock, params as CSV here");
  fit->add_flag("--json", a->json, "print one JSON object on stdout");
  a->opts.Describe(a->set);
  a->bound = std::make_unique<BoundOptions>(fit, a->set);
  fit->callback([a, &g] {
    a->bound->Resolve();
    Context ctx = MakeContext(g);
    auto channels = SplitComma(a->channels);
    mmm::ResolveChannels(a->bound->config_path(), channels, a->opts);
    mmm::MmmData data = mmm::LoadMmmCsv(a->data, a->date_col, a->kpi_col, channels, SplitComma(a->controls));
    for (const auto& r : data.repairs) ctx.log().warn("repair: {}", r);
    mmm::MmmReport rep;
    mmm::MmmModel model = mmm::FitMmm(std::move(data), a->opts, ctx, &rep);
    mmm::SaveMmmModel(model, a->out);
    if (!a->csv_dir.empty()) mmm::WriteReportCsv(rep, model, a->csv_dir);
    if (a->json) {
      nlohmann::json j = rep;
      j["model"] = a->out;
      PrintJson(j);
      return;
    }
    fmt::print("{:<20} {:>10} {:>22} {:>10} {:>8}\n", "channel", "roas", "90% interval", "mroas", "share");
    for (const auto& c : rep.channels)
      fmt::print("{:<20} {:>10.4g} [{:>9.4g}, {:>9.4g}] {:>10.4g} {:>7.1f}%\n", c.name, c.roas.mean, c.roas.low,
                 c.roas.high, c.mroas.mean, 100 * c.contribution_share);
    fmt::print("train R2 {:.3f}  holdout ({} rows) R2 {:.3f} NRMSE {:.3f} MAPE {:.3f}\n", rep.train.r2,
               rep.holdout.rows, rep.holdout.r2, rep.holdout.nrmse, rep.holdout.mape);
    fmt::print("R-hat max {:.3f}  bulk ESS min {:.0f}  divergences {}  {:.1f} s  model {}\n", rep.rhat_max, rep.ess_min,
               rep.divergences, rep.seconds, a->out);
  });
}

void InstallAllocate(CLI::App* mmm, Globals& g) {
  struct Args {
    std::string model, bounds, lock, out;
    double target_cpa = 0;
    bool json = false, no_guard = false;
    mmm::AllocateOptions o;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = mmm->add_subcommand("allocate", "split a budget per period across channels to maximise expected KPI");
  cmd->add_option("--model", a->model, "model file from `mmm fit`")->required();
  cmd->add_option("--budget", a->o.budget, "total spend per period (default: the current total)");
  cmd->add_option("--periods", a->o.periods, "horizon in periods (default: 2 x the longest adstock window)");
  cmd->add_flag("--steady-state", a->o.steady_state,
               "maximise the per-period response once carry-over has settled (no history, no horizon; ignores --periods)");
  cmd->add_option("--bounds", a->bounds, "per-channel bounds: a=lo:hi (absolute) or a=0.5x:2x (relative to current)");
  cmd->add_option("--lock", a->lock, "channels held at their current spend, comma-separated");
  cmd->add_option("--current-rows", a->o.current_rows, "the current split is the mean of this many last rows");
  cmd->add_option("--max-draws", a->o.max_draws, "posterior draws in the objective");
  cmd->add_option("--risk-aversion", a->o.risk_aversion,
                  "k > 0: maximise mean - k sd (over posterior draws) of the uplift over the current split instead of "
                  "the expected KPI: moves budget only as far as the posterior agrees it pays")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-guard", a->no_guard,
                "let channels leave the spend range the data observed (by default each channel without --bounds or "
                "--lock stays within the 10%-90% quantiles of its adstocked weekly spend, where its curve is fitted)");
  cmd->add_option("--guard-quantile", a->o.guard_quantile,
                  "the extrapolation guard keeps each channel within these quantiles of its observed adstocked spend (q, 1-q)")
      ->check(CLI::Range(0.0, 0.49));
  cmd->add_option("--target-roas", a->o.target_roas, "instead of --budget: largest budget with expected ROAS >= this");
  cmd->add_option("--target-cpa", a->target_cpa, "instead of --budget: largest budget with expected cost per KPI <= this");
  cmd->add_option("--target-kpi", a->o.target_kpi, "instead of --budget: smallest budget with expected KPI >= this");
  cmd->add_option("--out", a->out, "also write the JSON result to this file (atomically)");
  cmd->add_flag("--json", a->json, "print one JSON object on stdout");
  cmd->callback([a, &g] {
    Context ctx = MakeContext(g);
    if (a->target_cpa > 0) a->o.target_roas = 1.0 / a->target_cpa;
    a->o.guard = !a->no_guard;
    a->o.bounds = mmm::ParseBounds(a->bounds);
    a->o.locked = SplitComma(a->lock);
    mmm::MmmModel model = mmm::LoadMmmModel(a->model);
    mmm::Allocation al = mmm::Allocate(model, a->o, ctx);
    nlohmann::json j = al;
    if (!a->out.empty()) WriteFileAtomic(a->out, j.dump(2) + "\n");
    if (a->json) {
      PrintJson(j);
      return;
    }
    fmt::print("{:<20} {:>14} {:>14} {:>12}\n", "channel", "recommended", "current", "mroas");
    for (size_t c = 0; c < al.channels.size(); ++c) {
      std::string note;
      if (al.at_bound[c]) note = al.bound_source[c] == "guard" ? "  (at the observed range's end)"
                                 : al.bound_source[c] == "lock" ? "  (locked)"
                                                                : "  (at bound)";
      fmt::print("{:<20} {:>14.6g} {:>14.6g} {:>12.4g}{}\n", al.channels[c], al.spend[c], al.current[c],
                 al.marginal_roas[c], note);
    }
    if (al.guard_quantile >= 0)
      fmt::print("extrapolation guard: each unbounded channel within the {:g}%-{:g}% quantiles of its observed adstocked "
                 "spend{} (--no-guard to lift)\n",
                 100 * al.guard_quantile, 100 * (1 - al.guard_quantile),
                 al.guard_widen_hi != 1 || al.guard_widen_lo != 1
                     ? fmt::format(", ends widened x{:.3g} / x{:.3g} to fit the budget", al.guard_widen_lo, al.guard_widen_hi)
                     : std::string());
    fmt::print("expected KPI per period {:.6g} vs current split {:.6g}: uplift {:.6g} [{:.6g}, {:.6g}] {}\n",
               al.expected_kpi, al.current_kpi, al.uplift, al.uplift_low, al.uplift_high,
               al.periods > 0 ? fmt::format("over {} periods", al.periods) : std::string("in steady state"));
  });
}

void InstallSplit(CLI::App* mmm, Globals& g) {
  struct Args {
    std::string campaigns;
    double budget = 0;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = mmm->add_subcommand("split", "split a channel budget across campaigns from auction response estimates");
  cmd->add_option("--campaigns", a->campaigns, "CSV: name,auctions,pctr,pcvr,value,win_c")->required();
  cmd->add_option("--budget", a->budget, "channel budget to split")->required();
  cmd->add_flag("--json", a->json, "print one JSON object on stdout");
  cmd->callback([a, &g] {
    Context ctx = MakeContext(g);
    mmm::CampaignSplit s = mmm::SplitCampaigns(mmm::LoadCampaignsCsv(a->campaigns), a->budget);
    if (a->json) {
      PrintJson(nlohmann::json(s));
      return;
    }
    fmt::print("{:<20} {:>14} {:>10} {:>14}\n", "campaign", "spend", "bid", "kpi");
    for (size_t i = 0; i < s.names.size(); ++i)
      fmt::print("{:<20} {:>14.6g} {:>10.4g} {:>14.6g}\n", s.names[i], s.spend[i], s.bid[i], s.kpi[i]);
    fmt::print("expected KPI {:.6g}; every campaign bids value x pCTR x pCVR / {:.6g}\n", s.total_kpi, s.lambda);
  });
}

void InstallMmm(CLI::App& app, Globals& g) {
  auto* mmm = app.add_subcommand("mmm", "marketing-mix model: fit, allocate budgets, split across campaigns");
  mmm->require_subcommand(1);
  InstallFit(mmm, g);
  InstallAllocate(mmm, g);
  InstallSplit(mmm, g);
}

ADPILOT_CLI_COMMAND(40, InstallMmm);

}  // namespace
}  // namespace adpilot::cli
