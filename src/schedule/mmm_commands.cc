// The schedule stage's commands: mmm fit, mmm allocate, mmm split. Their
// options are declared here once; the CLI and `adpilot run` bind from them.
#include <limits>

#include "adpilot/allocator.h"
#include "adpilot/atomic_file.h"
#include "adpilot/command.h"
#include "adpilot/mmm.h"

namespace adpilot::mmm {
namespace {

class FitCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "mmm fit --data world/channels.csv --date-col date --kpi-col kpi --channels search,social,display --out "
        "spend.mmm"};
  }
  void Describe(OptionSet& s) override {
    s.Add("data", &data_, "CSV with a header: date, KPI, spend per channel, controls").Required();
    s.Add("date_col", &date_col_, "date column (YYYY-MM-DD)").Required();
    s.Add("kpi_col", &kpi_col_, "KPI column (revenue or conversions)").Required();
    s.Add("channels", &channels_, "spend columns, comma-separated").Required();
    s.Add("controls", &controls_, "control columns, comma-separated");
    s.Add("out", &out_, "model file to write (atomically)").Required().Output();
    s.Add("csv_dir", &csv_dir_, "write contributions, response curves, adstock, params as CSV here").OutputDir();
    opts_.Describe(s);
  }

  nlohmann::json Run(const Context& ctx) override {
    ResolveChannels(config_path(), channels_, opts_);
    MmmData data = LoadMmmCsv(data_, date_col_, kpi_col_, channels_, controls_);
    for (const auto& r : data.repairs) ctx.log().warn("repair: {}", r);
    MmmReport rep;
    MmmModel model = FitMmm(std::move(data), opts_, ctx, &rep);
    SaveMmmModel(model, out_);
    if (!csv_dir_.empty()) WriteReportCsv(rep, model, csv_dir_);
    nlohmann::json j = rep;
    j["model"] = out_;
    // Where the report's decomposition, adstock and diagnostics pages read from.
    if (!csv_dir_.empty()) j["csv_dir"] = csv_dir_;
    return j;
  }

 private:
  std::string data_, date_col_, kpi_col_, out_, csv_dir_;
  std::vector<std::string> channels_, controls_;
  MmmOptions opts_;
};

class AllocateCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {"mmm allocate --model spend.mmm --budget 120000",
            "mmm allocate --model spend.mmm --bounds search=0.5x:1.5x,social=0.5x:1.5x"};
  }
  void Describe(OptionSet& s) override {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    s.Add("model", &model_, "model file from `mmm fit`").Required();
    s.Add("budget", &o_.budget, "total spend per period (default: the current total)").Range(0, kInf);
    s.Add("periods", &o_.periods, "horizon in periods (default: 2 x the longest adstock window)").Range(0, 1e6);
    s.Add("steady_state", &o_.steady_state,
          "maximise the per-period response once carry-over has settled (no history, no horizon; ignores --periods)");
    s.Add("bounds", &bounds_, "per-channel bounds: a=lo:hi (absolute) or a=0.5x:2x (relative to current)");
    s.Add("lock", &lock_, "channels held at their current spend, comma-separated");
    s.Add("current_rows", &o_.current_rows, "the current split is the mean of this many last rows").Range(1, 1e6);
    s.Add("max_draws", &o_.max_draws, "posterior draws in the objective").Range(1, 1e6);
    s.Add("risk_aversion", &o_.risk_aversion,
          "k > 0: maximise mean - k sd (over posterior draws) of the uplift over the current split instead of "
          "the expected KPI: moves budget only as far as the posterior agrees it pays")
        .Range(0, kInf);
    s.Add("no_guard", &no_guard_,
          "let channels leave the spend range the data observed (by default each channel without --bounds or "
          "--lock stays within the 10%-90% quantiles of its adstocked weekly spend, where its curve is fitted)");
    s.Add("guard_quantile", &o_.guard_quantile,
          "the extrapolation guard keeps each channel within these quantiles of its observed adstocked spend (q, 1-q)")
        .Range(0.0, 0.49);
    s.Add("no_shrink", &no_shrink_,
          "recommend the expected-KPI optimum itself (by default the answer moves from the current split towards "
          "it only as far as maximises the --shrink-quantile quantile of the uplift over posterior draws)");
    s.Add("shrink_quantile", &o_.shrink_quantile,
          "the posterior quantile of the uplift that the default shrinkage towards the current split maximises")
        .Range(0.001, 0.49);
    s.Add("target_roas", &o_.target_roas, "instead of --budget: largest budget with expected ROAS >= this")
        .Range(0, kInf);
    s.Add("target_cpa", &target_cpa_, "instead of --budget: largest budget with expected cost per KPI <= this")
        .Range(0, kInf);
    s.Add("target_kpi", &o_.target_kpi, "instead of --budget: smallest budget with expected KPI >= this")
        .Range(0, kInf);
    s.Add("out", &out_, "also write the JSON result to this file (atomically)").Output();
  }

  nlohmann::json Run(const Context& ctx) override {
    if (target_cpa_ > 0) o_.target_roas = 1.0 / target_cpa_;
    o_.guard = !no_guard_;
    o_.shrink = !no_shrink_;
    o_.bounds = ParseBounds(bounds_);
    o_.locked = lock_;
    Allocation al = Allocate(LoadMmmModel(model_), o_, ctx);
    nlohmann::json j = al;
    if (!out_.empty()) WriteFileAtomic(out_, j.dump(2) + "\n");
    return j;
  }

 private:
  std::string model_, bounds_, out_;
  std::vector<std::string> lock_;
  double target_cpa_ = 0;
  bool no_guard_ = false;
  bool no_shrink_ = false;
  AllocateOptions o_;
};

class SplitCommand : public Command {
 public:
  std::vector<std::string> Examples() const override { return {"mmm split --campaigns campaigns.csv --budget 50000"}; }
  void Describe(OptionSet& s) override {
    s.Add("campaigns", &campaigns_, "CSV: name,auctions,pctr,pcvr,value,win_c").Required();
    s.Add("budget", &budget_, "channel budget to split").Required().Range(0, std::numeric_limits<double>::infinity());
  }

  nlohmann::json Run(const Context&) override { return SplitCampaigns(LoadCampaignsCsv(campaigns_), budget_); }

 private:
  std::string campaigns_;
  double budget_ = 0;
};

ADPILOT_COMMAND_GROUP("mmm", "marketing-mix model: fit, allocate budgets, split across campaigns");
ADPILOT_COMMAND("mmm fit", "schedule", "fit a Bayesian marketing-mix model (NUTS) to a weekly CSV", FitCommand);
ADPILOT_COMMAND("mmm allocate", "schedule", "split a budget per period across channels to maximise expected KPI",
                AllocateCommand);
ADPILOT_COMMAND("mmm split", "schedule", "split a channel budget across campaigns from auction response estimates",
                SplitCommand);

}  // namespace
}  // namespace adpilot::mmm
