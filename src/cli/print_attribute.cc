// Text output of `adpilot attribute` (the command lives in src/evaluate/attribution),
// read from its JSON result.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/attribution.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

void PrintAttribute(const json& out, const json& opts) {
  // The result is keyed by channel (sorted); the table lists channels in the
  // order the journeys file first names them, which the JSON does not keep.
  JourneyColumns cols;
  cols.journey = opts["journey_col"].get<std::string>();
  cols.channel = opts["channel_col"].get<std::string>();
  cols.converted = opts["converted_col"].get<std::string>();
  cols.time = opts["time_col"].get<std::string>();
  cols.order = opts["order_col"].get<std::string>();
  const std::vector<std::string> channels = ReadJourneys(opts["journeys"].get<std::string>(), cols).channels;
  std::vector<std::string> models;
  std::vector<const json*> per_model;
  if (out.contains("models")) {
    for (auto it = out["models"].begin(); it != out["models"].end(); ++it) {
      models.push_back(it.key());
      per_model.push_back(&it.value());
    }
  } else {
    models.push_back(out["model"].get<std::string>());
    per_model.push_back(&out);
  }
  const bool truth = out.contains("truth_incremental"), shap = out.contains("truth_shapley");
  fmt::print("{} journeys, {} touches, {} conversions\n\n{:<12}", out["journeys"].get<uint64_t>(),
             out["touches"].get<uint64_t>(), out["conversions"].get<double>(), "channel");
  for (const auto& m : models) fmt::print(" {:>10}", m);
  if (truth) fmt::print(" {:>12}", "true incr.");
  fmt::print("\n");
  for (const auto& c : channels) {
    fmt::print("{:<12}", c);
    for (const json* m : per_model) fmt::print(" {:>10.1f}", (*m)["channels"][c].get<double>());
    if (truth) fmt::print(" {:>12.1f}", out["truth_incremental"][c].get<double>());
    fmt::print("\n");
  }
  if (!truth) return;
  fmt::print("{:<12}", "MAE");
  for (const json* m : per_model) fmt::print(" {:>10.1f}", (*m)["error_vs_incremental"]["mae"].get<double>());
  fmt::print("\n{:<12}", "share err");
  for (const json* m : per_model) fmt::print(" {:>10.3f}", (*m)["error_vs_incremental"]["share_error"].get<double>());
  fmt::print("\n");
  if (shap) {
    fmt::print("{:<12}", "MAE vs shap");
    for (const json* m : per_model) fmt::print(" {:>10.1f}", (*m)["error_vs_shapley_truth"]["mae"].get<double>());
    fmt::print("\n");
  }
  fmt::print(
      "(MAE: mean absolute error per channel, conversions; share err: half the L1 distance of the\n"
      " channel shares from the true incremental shares; MAE vs shap: against the true Shapley split)\n");
}

ADPILOT_CLI_PRINTER("attribute", PrintAttribute);

}  // namespace
}  // namespace adpilot::cli
