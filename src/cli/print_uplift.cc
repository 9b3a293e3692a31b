// Text output of `adpilot uplift` (the command lives in src/evaluate/uplift),
// read from its JSON result.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

// A number of the result; null (a value that was not finite) reads as NaN.

void PrintUplift(const json& out, const json&) {
  fmt::print("{} units ({} treated), {} features, {}-learner on {}, {} folds\n", out["units"].get<uint64_t>(),
             out["treated"].get<uint64_t>(), out["features"].size(), out["learner"].get<std::string>(),
             out["base"].get<std::string>(), out["folds"].get<int>());
  fmt::print("qini {:.6f} (fold sd {:.6f})   auuc {:.6f} (random {:.6f})   ATE {:+.6f}\n", Num(out, "qini"),
             Num(out, "qini_fold_sd"), Num(out, "auuc"), Num(out, "auuc_random"), Num(out, "ate"));
  // uplift_at is keyed "10%", "20%", ...: in the order of the share.
  std::vector<std::pair<double, double>> at;
  for (auto it = out["uplift_at"].begin(); it != out["uplift_at"].end(); ++it)
    at.emplace_back(std::stod(it.key()), Num(it.value()));
  std::stable_sort(at.begin(), at.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [pct, v] : at) fmt::print("uplift@{:.0f}%: {:+.6f}\n", pct, v);
  if (out.contains("pehe")) fmt::print("PEHE {:.6f}   oracle qini {:.6f}\n", Num(out, "pehe"), Num(out, "qini_oracle"));
  fmt::print("\n{}\n", out["verdict"].get<std::string>());
}

ADPILOT_CLI_PRINTER("uplift", PrintUplift);

}  // namespace
}  // namespace adpilot::cli
