// adpilot attribute: multi-touch attribution of journeys, optionally scored
// against a generated world's truth.json.
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/attribution.h"
#include "adpilot/error.h"
#include "adpilot/registry.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

// truth.json journeys.<key>: an object keyed by channel or an array in truth.channels order.
std::vector<double> TruthPerChannel(const nlohmann::json& truth, const std::string& key, const Journeys& j,
                                    const std::string& path) {
  const auto* jn = truth.contains("journeys") ? &truth["journeys"] : nullptr;
  if (!jn || !jn->contains(key))
    Throw(ErrorCode::kBadInput, "--truth {}: no journeys.{} in the file", path, key);
  const auto& v = (*jn)[key];
  std::vector<double> out(j.channels.size(), 0.0);
  for (size_t c = 0; c < j.channels.size(); ++c) {
    if (v.is_object()) {
      if (v.contains(j.channels[c])) out[c] = v[j.channels[c]].get<double>();
    } else if (v.is_array() && truth.contains("channels")) {
      const auto& names = truth["channels"];
      for (size_t i = 0; i < names.size() && i < v.size(); ++i)
        if (names[i].get<std::string>() == j.channels[c]) out[c] = v[i].get<double>();
    }
  }
  return out;
}

nlohmann::json ByChannel(const Journeys& j, const std::vector<double>& v) {
  nlohmann::json o = nlohmann::json::object();
  for (size_t c = 0; c < v.size(); ++c) o[j.channels[c]] = v[c];
  return o;
}

// Mean absolute error in conversions and total-variation distance of the shares.
nlohmann::json Errors(const std::vector<double>& a, const std::vector<double>& t) {
  double mae = 0, sa = 0, st = 0, tv = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    mae += std::fabs(a[i] - t[i]);
    sa += a[i];
    st += t[i];
  }
  for (size_t i = 0; i < a.size(); ++i)
    if (sa > 0 && st > 0) tv += 0.5 * std::fabs(a[i] / sa - t[i] / st);
  return {{"mae", mae / double(a.size())}, {"share_error", tv}};
}

void InstallAttribute(CLI::App& app, Globals& g) {
  struct Args {
    std::string journeys, model = "markov", truth;
    JourneyColumns cols;
    AttributionOptions opts;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("attribute", "credit conversions to channels from user journeys");
  cmd->add_option("--journeys", a->journeys, "journeys CSV, one row per touch (docs/attribution.md)")->required();
  cmd->add_option("--model", a->model,
                  "attribution model: " + AttributionRegistry::Get().NamesJoined() + ", or 'all'");
  cmd->add_option("--journey-col", a->cols.journey, "journey id column");
  cmd->add_option("--channel-col", a->cols.channel, "channel column");
  cmd->add_option("--converted-col", a->cols.converted, "journey outcome column (0/1 on every row)");
  cmd->add_option("--time-col", a->cols.time, "touch time column, Unix seconds (optional)");
  cmd->add_option("--order-col", a->cols.order, "touch order column (optional)");
  cmd->add_option("--half-life", a->opts.half_life, "decay: half-life in days (touches without a time column)");
  cmd->add_option("--truth", a->truth, "truth.json of a generated world: report each model's error");
  cmd->add_flag("--json", a->json, "print one JSON object on stdout");
  cmd->callback([a, &g] {
    Context ctx = MakeContext(g);
    Journeys j = ReadJourneys(a->journeys, a->cols);
    std::vector<std::string> models;
    if (a->model == "all") models = AttributionRegistry::Get().Names();
    else models.push_back(a->model);
    nlohmann::json truth;
    std::vector<double> incr, shap;
    if (!a->truth.empty()) {
      try {
        truth = nlohmann::json::parse(ReadFile(a->truth));
      } catch (const nlohmann::json::exception& e) {
        Throw(ErrorCode::kBadInput, "--truth {}: not valid JSON ({})", a->truth, e.what());
      }
      incr = TruthPerChannel(truth, "incremental_conversions", j, a->truth);
      if (truth["journeys"].contains("shapley_conversions"))
        shap = TruthPerChannel(truth, "shapley_conversions", j, a->truth);
    }
    size_t touches = 0;
    for (const auto& jr : j.items) touches += jr.touches.size();
    nlohmann::json out{{"journeys", j.items.size()}, {"touches", touches},
                       {"conversions", j.total_conversions()}};
    nlohmann::json per_model = nlohmann::json::object();
    std::vector<std::vector<double>> results;
    for (const auto& m : models) {
      results.push_back(Attribute(j, m, a->opts, ctx));
      nlohmann::json e{{"channels", ByChannel(j, results.back())}};
      if (!incr.empty()) e["error_vs_incremental"] = Errors(results.back(), incr);
      if (!shap.empty()) e["error_vs_shapley_truth"] = Errors(results.back(), shap);
      per_model[m] = e;
    }
    if (models.size() == 1) {
      out["model"] = models[0];
      for (auto& [k, v] : per_model[models[0]].items()) out[k] = v;
    } else {
      out["models"] = per_model;
    }
    if (!incr.empty()) out["truth_incremental"] = ByChannel(j, incr);
    if (!shap.empty()) out["truth_shapley"] = ByChannel(j, shap);
    if (a->json) {
      PrintJson(out);
      return;
    }
    fmt::print("{} journeys, {} touches, {} conversions\n\n{:<12}", j.items.size(), touches, j.total_conversions(), "channel");
    for (const auto& m : models) fmt::print(" {:>10}", m);
    if (!incr.empty()) fmt::print(" {:>12}", "true incr.");
    fmt::print("\n");
    for (size_t c = 0; c < j.channels.size(); ++c) {
      fmt::print("{:<12}", j.channels[c]);
      for (const auto& r : results) fmt::print(" {:>10.1f}", r[c]);
      if (!incr.empty()) fmt::print(" {:>12.1f}", incr[c]);
      fmt::print("\n");
    }
    if (!incr.empty()) {
      fmt::print("{:<12}", "MAE");
      for (const auto& m : models) fmt::print(" {:>10.1f}", per_model[m]["error_vs_incremental"]["mae"].get<double>());
      fmt::print("\n{:<12}", "share err");
      for (const auto& m : models)
        fmt::print(" {:>10.3f}", per_model[m]["error_vs_incremental"]["share_error"].get<double>());
      fmt::print("\n");
      if (!shap.empty()) {
        fmt::print("{:<12}", "MAE vs shap");
        for (const auto& m : models)
          fmt::print(" {:>10.1f}", per_model[m]["error_vs_shapley_truth"]["mae"].get<double>());
        fmt::print("\n");
      }
      fmt::print("(MAE: mean absolute error per channel, conversions; share err: half the L1 distance of the\n"
                 " channel shares from the true incremental shares; MAE vs shap: against the true Shapley split)\n");
    }
  });
}

ADPILOT_CLI_COMMAND(72, InstallAttribute);

}  // namespace
}  // namespace adpilot::cli
