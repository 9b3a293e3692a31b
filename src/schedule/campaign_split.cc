// Campaign-level split of a channel budget from auction response estimates
// (see allocator.h for the curves). Exact: one bisection on the dual price.
#include <cmath>

#include <nlohmann/json.hpp>

#include "adpilot/allocator.h"
#include "adpilot/error.h"
#include "adpilot/text.h"
#include "schedule/csv.h"

namespace adpilot::mmm {
namespace {

double Spend(const Campaign& k, double b) {
  double c = k.win_c;
  return k.auctions * c * (std::log1p(b / c) - b / (c + b));
}
double Kpi(const Campaign& k, double b) { return k.auctions * b / (k.win_c + b) * k.pctr * k.pcvr * k.value; }

}  // namespace

std::vector<Campaign> LoadCampaignsCsv(const std::string& path) {
  CsvTable t = ReadCsv(path);
  int ni = t.Column("name"), ai = t.Column("auctions"), ci = t.Column("pctr"), vi = t.Column("pcvr"),
      ui = t.Column("value"), wi = t.Column("win_c");
  std::vector<Campaign> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    Campaign k;
    k.name = t.rows[r][ni];
    const auto& row = t.rows[r];
    if (!ParseDouble(row[ai], k.auctions) || !ParseDouble(row[ci], k.pctr) || !ParseDouble(row[vi], k.pcvr) ||
        !ParseDouble(row[ui], k.value) || !ParseDouble(row[wi], k.win_c) || k.auctions < 0 || k.pctr < 0 ||
        k.pcvr < 0 || k.value < 0 || !(k.win_c > 0))
      Throw(ErrorCode::kBadInput, "{}:{}: auctions, pctr, pcvr, value must be numbers >= 0 and win_c > 0", path,
            t.lines[r]);
    out.push_back(k);
  }
  return out;
}

CampaignSplit SplitCampaigns(const std::vector<Campaign>& ks, double budget) {
  if (ks.empty()) Throw(ErrorCode::kInvalidArgument, "no campaigns to split the budget across");
  if (!(budget > 0)) Throw(ErrorCode::kInvalidArgument, "budget must be positive, got {}", budget);
  auto total = [&](double lambda) {
    double s = 0;
    for (const auto& k : ks) s += Spend(k, k.pctr * k.pcvr * k.value / lambda);
    return s;
  };
  // Spend falls as lambda rises; bisect log(lambda).
  double lo = -60, hi = 60;
  for (int it = 0; it < 300; ++it) {
    double mid = 0.5 * (lo + hi);
    (total(std::exp(mid)) > budget ? lo : hi) = mid;
  }
  CampaignSplit s;
  s.lambda = std::exp(0.5 * (lo + hi));
  s.budget = budget;
  for (const auto& k : ks) {
    double v = k.pctr * k.pcvr * k.value, b = v / s.lambda;
    s.names.push_back(k.name);
    s.bid.push_back(b);
    s.spend.push_back(Spend(k, b));
    s.kpi.push_back(Kpi(k, b));
    s.marginal_roas.push_back(b > 0 ? v / b : 0);
    s.total_kpi += s.kpi.back();
  }
  return s;
}

void to_json(nlohmann::json& j, const CampaignSplit& s) {
  nlohmann::json alloc = nlohmann::json::object(), arr = nlohmann::json::array();
  for (size_t i = 0; i < s.names.size(); ++i) {
    alloc[s.names[i]] = s.spend[i];
    arr.push_back({{"name", s.names[i]},
                   {"spend", s.spend[i]},
                   {"bid", s.bid[i]},
                   {"kpi", s.kpi[i]},
                   {"marginal_roas", s.marginal_roas[i]}});
  }
  j = {{"allocation", alloc},
       {"campaigns", arr},
       {"budget", s.budget},
       {"expected_kpi", s.total_kpi},
       {"lambda", s.lambda}};
}

}  // namespace adpilot::mmm
