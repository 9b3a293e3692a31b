// Text output of `adpilot gen world` (the command lives in src/gen).
#include <fmt/format.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

void PrintWorld(const json& s, const json&) {
  fmt::print(
      "world written to {}\n  users       {}\n  auctions    {} (CTR {:.4f}, true-model AUC {:.4f})\n"
      "  channels    {} weeks x {}\n  experiment  {} units (true ATE {:.4f})\n  journeys    {}\n",
      s["out"].get<std::string>(), s["users"].get<int64_t>(), s["auctions"].get<int64_t>(), s["mean_ctr"].get<double>(),
      s["true_auc"].is_number() ? s["true_auc"].get<double>() : 0.0, s["weeks"].get<int>(), s["channels"].size(),
      s["experiment_units"].get<int64_t>(), s["ate"].get<double>(), s["journeys"].get<int64_t>());
}

ADPILOT_CLI_PRINTER("gen world", PrintWorld);

}  // namespace
}  // namespace adpilot::cli
