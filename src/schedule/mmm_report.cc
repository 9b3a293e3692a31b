// JSON and CSV views of an MMM fit (CSV for plotting).
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/mmm.h"

namespace adpilot::mmm {
namespace {

nlohmann::json Num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json QualityJson(const FitQuality& q) {
  return {{"rows", q.rows}, {"r2", Num(q.r2)}, {"nrmse", Num(q.nrmse)}, {"mape", Num(q.mape)}};
}

}  // namespace

void to_json(nlohmann::json& j, const MmmReport& r) {
  j = nlohmann::json::object();
  nlohmann::json chans = nlohmann::json::array();
  for (const auto& c : r.channels) {
    nlohmann::json curve = nlohmann::json::array();
    for (size_t g = 0; g < c.curve_spend.size(); ++g)
      curve.push_back({{"spend", c.curve_spend[g]},
                       {"kpi", c.curve_kpi[g].mean},
                       {"low", c.curve_kpi[g].low},
                       {"high", c.curve_kpi[g].high}});
    chans.push_back({{"name", c.name},
                     {"adstock", c.adstock},
                     {"saturation", c.saturation},
                     {"spend", c.spend},
                     {"roas", Num(c.roas.mean)},
                     {"roas_low", Num(c.roas.low)},
                     {"roas_high", Num(c.roas.high)},
                     {"mroas", Num(c.mroas.mean)},
                     {"mroas_low", Num(c.mroas.low)},
                     {"mroas_high", Num(c.mroas.high)},
                     {"contribution", Num(c.contribution.mean)},
                     {"contribution_low", Num(c.contribution.low)},
                     {"contribution_high", Num(c.contribution.high)},
                     {"contribution_share", Num(c.contribution_share)},
                     {"adstock_weights", c.adstock_weights},
                     {"response_curve", curve}});
  }
  j["channels"] = chans;
  j["r2"] = Num(r.train.r2);
  j["train"] = QualityJson(r.train);
  j["holdout"] = QualityJson(r.holdout);
  j["rhat_max"] = Num(r.rhat_max);
  j["ess_min"] = Num(r.ess_min);
  j["divergences"] = r.divergences;
  j["gradients"] = r.gradients;
  j["mean_tree_depth"] = r.mean_tree_depth;
  j["chains"] = r.chains;
  j["draws"] = r.draws;
  j["seconds"] = r.seconds;
  nlohmann::json params = nlohmann::json::array();
  for (const auto& p : r.params)
    params.push_back({{"name", p.name},
                      {"mean", Num(p.mean)},
                      {"sd", Num(p.sd)},
                      {"q05", Num(p.q05)},
                      {"q95", Num(p.q95)},
                      {"rhat", Num(p.rhat)},
                      {"ess_bulk", Num(p.ess_bulk)}});
  j["params"] = params;
  j["warnings"] = r.warnings;
  j["repairs"] = r.repairs;
}

void WriteReportCsv(const MmmReport& r, const MmmModel& m, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const int n = m.data.rows(), C = NumChannels(m);
  std::string s = "date,kpi,fitted,baseline,holdout";
  for (const auto& c : m.data.channels) s += fmt::format(",{0},{0}_low,{0}_high", c);
  s += "\n";
  for (int t = 0; t < n; ++t) {
    s += fmt::format("{},{},{},{},{}", m.data.dates[t],
                     std::isfinite(m.data.kpi[t]) ? fmt::format("{}", m.data.kpi[t]) : "", r.fitted[t], r.baseline[t],
                     t >= m.train_rows ? 1 : 0);
    for (int c = 0; c < C; ++c)
      s += fmt::format(",{},{},{}", r.contrib_mean(t, c), r.contrib_low(t, c), r.contrib_high(t, c));
    s += "\n";
  }
  WriteFileAtomic(dir + "/contributions.csv", s);
  s = "channel,spend,kpi,kpi_low,kpi_high\n";
  for (const auto& c : r.channels)
    for (size_t g = 0; g < c.curve_spend.size(); ++g)
      s += fmt::format("{},{},{},{},{}\n", c.name, c.curve_spend[g], c.curve_kpi[g].mean, c.curve_kpi[g].low,
                       c.curve_kpi[g].high);
  WriteFileAtomic(dir + "/response_curves.csv", s);
  s = "channel,lag,weight\n";
  for (const auto& c : r.channels)
    for (size_t l = 0; l < c.adstock_weights.size(); ++l)
      s += fmt::format("{},{},{}\n", c.name, l, c.adstock_weights[l]);
  WriteFileAtomic(dir + "/adstock.csv", s);
  s = "name,mean,sd,q05,q95,rhat,ess_bulk\n";
  for (const auto& p : r.params)
    s += fmt::format("{},{},{},{},{},{},{}\n", p.name, p.mean, p.sd, p.q05, p.q95, p.rhat, p.ess_bulk);
  WriteFileAtomic(dir + "/params.csv", s);
  s = "channel,spend,roas,roas_low,roas_high,mroas,mroas_low,mroas_high,contribution,contribution_share\n";
  for (const auto& c : r.channels)
    s += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", c.name, c.spend, c.roas.mean, c.roas.low, c.roas.high,
                     c.mroas.mean, c.mroas.low, c.mroas.high, c.contribution.mean, c.contribution_share);
  WriteFileAtomic(dir + "/channels.csv", s);
}

}  // namespace adpilot::mmm
