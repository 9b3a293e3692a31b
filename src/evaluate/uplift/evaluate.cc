// Uplift evaluation: Qini and uplift curves over units ranked by predicted
// uplift, their areas, uplift@k and the targeting recommendation. Tied scores
// form one block (the curve is a straight line across a block), so the areas
// do not depend on the order of tied units.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "adpilot/uplift.h"

namespace adpilot::uplift {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Cum {
  double k = 0, nt = 0, nc = 0, yt = 0, yc = 0;
  double Qini() const { return nc > 0 ? yt - yc * nt / nc : yt; }
  double RateDiff() const { return (nt > 0 && nc > 0) ? yt / nt - yc / nc : kNaN; }
};

std::vector<size_t> Ranking(const std::vector<double>& score) {
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  return order;
}

nlohmann::json Num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

}  // namespace

UpliftEval Evaluate(const std::vector<double>& score, const std::vector<int>& treated, const std::vector<double>& y,
                    int points) {
  size_t n = score.size();
  ADP_CHECK(treated.size() == n && y.size() == n);
  if (n == 0) Throw(ErrorCode::kBadInput, "uplift evaluation of zero units");
  for (double s : score)
    if (!std::isfinite(s)) Throw(ErrorCode::kInternal, "uplift: a predicted uplift is not finite");
  std::vector<size_t> order = Ranking(score);
  double N = double(n);
  std::vector<Cum> prefix(n + 1);
  for (size_t k = 0; k < n; ++k) {
    size_t i = order[k];
    Cum c = prefix[k];
    c.k += 1;
    (treated[i] ? c.nt : c.nc) += 1;
    (treated[i] ? c.yt : c.yc) += y[i];
    prefix[k + 1] = c;
  }
  const Cum& all = prefix[n];
  if (all.nt == 0 || all.nc == 0) Throw(ErrorCode::kBadInput, "uplift evaluation needs treated and control units");
  UpliftEval e;
  e.ate = all.RateDiff();
  // Areas over block ends (x = share targeted, y = per unit of the population).
  double prev_x = 0, prev_q = 0, prev_u = 0, area_q = 0, area_u = 0;
  for (size_t k = 1; k <= n; ++k) {
    if (k < n && score[order[k]] == score[order[k - 1]]) continue;  // inside a tied block
    const Cum& c = prefix[k];
    double x = c.k / N, q = c.Qini() / N, rd = c.RateDiff();
    double u = std::isfinite(rd) ? rd * c.k / N : 0;
    area_q += (x - prev_x) * (q + prev_q) / 2;
    area_u += (x - prev_x) * (u + prev_u) / 2;
    prev_x = x;
    prev_q = q;
    prev_u = u;
  }
  e.qini = area_q - all.Qini() / N / 2;
  e.auuc = area_u;
  e.auuc_random = e.ate / 2;
  for (double share : {0.1, 0.2, 0.3, 0.5}) {
    size_t k = std::max<size_t>(1, size_t(std::llround(share * N)));
    e.uplift_at.emplace_back(share, prefix[k].RateDiff());
  }
  e.curve.push_back({});
  for (int j = 1; j <= points; ++j) {
    size_t k = size_t(std::llround(double(j) / points * N));
    const Cum& c = prefix[k];
    double rd = c.RateDiff();
    e.curve.push_back({c.k / N, c.nt, c.nc, c.Qini() / N, std::isfinite(rd) ? rd * c.k / N : 0});
  }
  return e;
}

Recommendation Recommend(const UpliftData& data, const std::vector<double>& score, const std::string& outcome) {
  std::vector<size_t> order = Ranking(score);
  double N = double(data.n);
  Recommendation r;
  double best_gain = -1e300;
  auto rate_diff = [&](size_t k) {
    double nt = 0, nc = 0, yt = 0, yc = 0;
    for (size_t m = 0; m < k; ++m) {
      size_t i = order[m];
      (data.treated[i] ? nt : nc) += 1;
      (data.treated[i] ? yt : yc) += data.y[i];
    }
    return (nt > 0 && nc > 0) ? yt / nt - yc / nc : kNaN;
  };
  for (int dec = 1; dec <= 10; ++dec) {
    size_t k = size_t(std::llround(dec / 10.0 * N));
    double rd = rate_diff(k);
    if (!std::isfinite(rd)) continue;
    double gain = rd * double(k);  // incremental outcomes if these k are contacted
    if (gain > best_gain) {
      best_gain = gain;
      r.share = dec / 10.0;
      r.uplift_in_segment = rd;
    }
  }
  double everyone = rate_diff(data.n);
  r.everyone_per_1000 = 1000 * everyone;
  r.incremental_per_1000 = 1000 * r.uplift_in_segment;
  if (!(best_gain > 0)) {
    r.share = 0;
    r.text = fmt::format(
        "Do not target on this model: no top share of units shows a positive {} uplift (treating everyone: {:+.2f} "
        "per 1,000 contacts).",
        outcome, r.everyone_per_1000);
    return r;
  }
  // Describe the segment by the features whose means differ most from the rest.
  size_t k = size_t(std::llround(r.share * N));
  if (k < data.n) {
    std::vector<std::pair<double, std::string>> diffs;
    for (size_t j = 0; j < data.d; ++j) {
      double s_in = 0, s_out = 0, s_all = 0, ss = 0;
      for (size_t m = 0; m < data.n; ++m) {
        double v = data.row(order[m])[j];
        (m < k ? s_in : s_out) += v;
        s_all += v;
        ss += v * v;
      }
      double mean = s_all / N, sd = std::sqrt(std::max(0.0, ss / N - mean * mean));
      if (sd <= 0) continue;
      double in = s_in / double(k), out = s_out / double(data.n - k), smd = (in - out) / sd;
      if (std::fabs(smd) < 0.2) continue;
      diffs.emplace_back(std::fabs(smd), fmt::format("{} {:.3g} vs {:.3g}", data.feature_names[j], in, out));
    }
    std::sort(diffs.rbegin(), diffs.rend());
    for (size_t i = 0; i < diffs.size() && i < 3; ++i) r.traits.push_back(diffs[i].second);
  }
  r.text = fmt::format(
      "Target the top {:.0f}% of units by predicted uplift: about {:+.1f} incremental {} per 1,000 contacts there "
      "(treating everyone: {:+.1f} per 1,000).",
      100 * r.share, r.incremental_per_1000, outcome, r.everyone_per_1000);
  if (!r.traits.empty())
    r.text += fmt::format(" The segment differs from the rest in: {} (segment vs rest).", fmt::join(r.traits, "; "));
  if (r.share >= 1) {
    // Everyone gains, but contacts may cost: say where each contact is worth most.
    double top = rate_diff(size_t(std::llround(0.2 * N)));
    if (std::isfinite(top) && top > everyone)
      r.text += fmt::format(" If contacts are costly, the top 20% yield the most per contact: {:+.1f} per 1,000.",
                            1000 * top);
  }
  return r;
}

nlohmann::json ToJson(const UpliftEval& e) {
  nlohmann::json j{
      {"qini", Num(e.qini)}, {"auuc", Num(e.auuc)}, {"auuc_random", Num(e.auuc_random)}, {"ate", Num(e.ate)}};
  nlohmann::json at = nlohmann::json::object();
  for (const auto& [share, v] : e.uplift_at) at[fmt::format("{:.0f}%", 100 * share)] = Num(v);
  j["uplift_at"] = at;
  return j;
}

}  // namespace adpilot::uplift
