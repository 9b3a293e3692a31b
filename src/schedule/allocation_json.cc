// JSON of an allocation: the split, what the model expects of it, and every
// bound with where it comes from (guard, --bounds, --lock) and whether it binds.
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/allocator.h"
#include "adpilot/error.h"

namespace adpilot::mmm {

void to_json(nlohmann::json& j, const Allocation& a) {
  using nlohmann::json;
  json alloc = json::object(), cur = json::object(), mr = json::object(), chans = json::array(), active = json::array();
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  const bool guard = a.guard_quantile >= 0;
  for (size_t c = 0; c < a.channels.size(); ++c) {
    alloc[a.channels[c]] = a.spend[c];
    cur[a.channels[c]] = a.current[c];
    mr[a.channels[c]] = a.marginal_roas[c];
    const std::string src = c < a.bound_source.size() ? a.bound_source[c] : "none";
    json ch = {{"name", a.channels[c]},
               {"spend", a.spend[c]},
               {"current", a.current[c]},
               {"kpi", a.kpi[c]},
               {"marginal_roas", a.marginal_roas[c]},
               {"at_bound", bool(a.at_bound[c])},
               {"lo", num(a.lo[c])},
               {"hi", num(a.hi[c])},
               {"bound", src}};
    if (guard) ch["observed_range"] = {a.observed_lo[c], a.observed_hi[c]};
    if (a.risk_aversion > 0) ch["risk_adjusted_marginal"] = a.risk_marginal[c];
    if (a.shrink >= 0) ch["unshrunk_spend"] = a.unshrunk_spend[c];
    chans.push_back(ch);
    if (a.at_bound[c] && src != "lock") {
      const double tol = 1e-7 * a.budget;
      const char* side = a.spend[c] <= a.lo[c] + tol ? "lo" : "hi";
      std::string why = src == "guard" ? fmt::format(
                                             "end of the {:g}%-{:g}% range of adstocked spend the data observed "
                                             "(extrapolation guard; --bounds or --no-guard to lift)",
                                             100 * a.guard_quantile, 100 * (1 - a.guard_quantile))
                        : src == "bounds" ? "--bounds"
                                          : "no spend below zero";
      active.push_back({{"channel", a.channels[c]},
                        {"side", side},
                        {"value", side[0] == 'l' ? a.lo[c] : a.hi[c]},
                        {"source", src},
                        {"why", why}});
    }
  }
  json g = {{"enabled", guard}};
  if (guard) {
    g["quantiles"] = {a.guard_quantile, 1 - a.guard_quantile};
    g["basis"] = "adstocked spend per period over the training weeks, pooled over posterior draws";
    g["widened_hi"] = a.guard_widen_hi;
    g["widened_lo"] = a.guard_widen_lo;
  }
  json sh = {{"enabled", a.shrink >= 0}};
  if (a.shrink >= 0) {
    sh["quantile"] = a.shrink_quantile;
    sh["t"] = a.shrink;
    sh["unshrunk_uplift"] = a.unshrunk_uplift;
    sh["rule"] = fmt::format(
        "moved {:.0f}% of the way from the current split to the expected-KPI optimum: the step that maximises the "
        "{:g}% posterior quantile of the uplift (--no-shrink for the optimum itself)",
        100 * a.shrink, 100 * a.shrink_quantile);
  }
  j = {{"allocation", alloc},
       {"current_allocation", cur},
       {"marginal_roas", mr},
       {"channels", chans},
       {"budget", a.budget},
       {"periods", a.periods},
       {"steady_state", a.periods == 0},
       {"expected_kpi", a.expected_kpi},
       {"current_kpi", a.current_kpi},
       {"uplift", a.uplift},
       {"uplift_low", a.uplift_low},
       {"uplift_high", a.uplift_high},
       {"expected_roas", a.budget > 0 ? a.expected_kpi / a.budget : 0.0},
       {"objective", a.risk_aversion > 0 ? fmt::format("mean - {:g} sd of the uplift over the current split across "
                                                       "posterior draws",
                                                       a.risk_aversion)
                                         : std::string("expected KPI (posterior mean)")},
       {"risk_aversion", a.risk_aversion},
       {"guard", g},
       {"shrink", sh},
       {"draws", {{"objective", a.objective_draws}, {"interval", a.interval_draws}}},
       {"bounds_active", active},
       {"method", a.method},
       {"seconds", a.seconds}};
}

Allocation AllocationFromJson(const nlohmann::json& j, const std::string& origin) {
  using nlohmann::json;
  if (!j.is_object() || !j.contains("channels") || !j["channels"].is_array())
    Throw(ErrorCode::kBadInput, "{}: not an allocation (expected the JSON of `adpilot mmm allocate`)", origin);
  // A number, or NaN for null (a non-finite value written as JSON).
  auto num = [&](const json& o, const char* key, double dflt, bool required) {
    if (!o.contains(key)) {
      if (required) Throw(ErrorCode::kBadInput, "{}: allocation channel without '{}'", origin, key);
      return dflt;
    }
    const json& v = o[key];
    if (v.is_null()) return std::nan("");
    if (!v.is_number()) Throw(ErrorCode::kBadInput, "{}: allocation '{}' must be a number", origin, key);
    return v.get<double>();
  };
  Allocation a;
  for (const auto& c : j["channels"]) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string())
      Throw(ErrorCode::kBadInput, "{}: allocation channel without a 'name'", origin);
    a.channels.push_back(c["name"].get<std::string>());
    a.spend.push_back(num(c, "spend", 0, true));
    a.current.push_back(num(c, "current", 0, true));
    a.kpi.push_back(num(c, "kpi", 0, false));
    a.marginal_roas.push_back(num(c, "marginal_roas", 0, false));
    a.lo.push_back(num(c, "lo", 0, false));
    a.hi.push_back(num(c, "hi", std::nan(""), false));
    a.at_bound.push_back(c.contains("at_bound") && c["at_bound"].is_boolean() && c["at_bound"].get<bool>());
    a.bound_source.push_back(c.contains("bound") && c["bound"].is_string() ? c["bound"].get<std::string>() : "none");
  }
  a.budget = num(j, "budget", 0, false);
  a.periods = int(num(j, "periods", 0, false));
  a.expected_kpi = num(j, "expected_kpi", 0, false);
  a.current_kpi = num(j, "current_kpi", 0, false);
  a.uplift = num(j, "uplift", 0, false);
  a.uplift_low = num(j, "uplift_low", 0, false);
  a.uplift_high = num(j, "uplift_high", 0, false);
  a.risk_aversion = num(j, "risk_aversion", 0, false);
  a.seconds = num(j, "seconds", 0, false);
  if (j.contains("shrink") && j["shrink"].is_object() && j["shrink"].contains("t")) {
    a.shrink = num(j["shrink"], "t", -1, false);
    a.shrink_quantile = num(j["shrink"], "quantile", 0, false);
    a.unshrunk_uplift = num(j["shrink"], "unshrunk_uplift", 0, false);
    for (const auto& c : j["channels"]) a.unshrunk_spend.push_back(num(c, "unshrunk_spend", 0, false));
  }
  if (j.contains("method") && j["method"].is_string()) a.method = j["method"].get<std::string>();
  return a;
}

}  // namespace adpilot::mmm
