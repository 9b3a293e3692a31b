// Per-channel bounds of an allocation: the user's --bounds and --lock, and by
// default the extrapolation guard. Why a guard: a channel's saturation curve is
// identified by the data only over the adstock levels its weeks reached; past
// them the answer is the prior's, and an optimiser moves money exactly where a
// weakly identified curve is overestimated. Robyn's allocator and Meridian's
// optimiser bound spend around history by default for the same reason; adpilot
// bounds it by the range the data observed, and reports which bound binds.
#include "schedule/allocation_bounds.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "adpilot/text.h"
#include "schedule/diagnostics.h"
#include "schedule/mmm_density.h"

namespace adpilot::mmm {

void ObservedSpendRange(const MmmModel& m, double q, int max_draws, std::vector<double>& lo, std::vector<double>& hi) {
  if (!(q >= 0 && q < 0.5)) Throw(ErrorCode::kInvalidArgument, "guard quantile must be in [0, 0.5), got {}", q);
  const int C = NumChannels(m), D = int(m.draws.rows());
  const int T = std::min(m.train_rows > 0 ? m.train_rows : m.data.rows(), m.data.rows());
  const int S = std::max(1, std::min(D, max_draws));
  lo.assign(C, 0.0);
  hi.assign(C, 0.0);
  std::vector<double> a(T), pooled, w;
  std::unique_ptr<MmmDensity> dens;
  if (D > 0) dens = std::make_unique<MmmDensity>(m);
  for (int c = 0; c < C; ++c) {
    const ChannelSpec& spec = m.options.channel_specs[c];
    const AdstockKind kind = ParseAdstock(spec.adstock);
    // Weeks whose window reaches before the data miss unknown earlier spend: left out.
    const int first = std::min(std::max(0, spec.max_lag - 1), std::max(0, T - 1));
    const double* x = m.data.spend.col(c).data();
    pooled.clear();
    for (int s = 0; s < (D > 0 ? S : 0); ++s) {
      ChannelParams p = dens->Natural(m.draws.row(int(int64_t(s) * D / S)).transpose(), c);
      AdstockWeights(kind, p.adstock, spec.max_lag, true, w);
      Convolve(x, T, w, a.data());
      pooled.insert(pooled.end(), a.begin() + first, a.end());
    }
    if (pooled.empty()) pooled.assign(x + first, x + T);  // no draws: the raw spend
    lo[c] = Quantile(pooled, q);
    hi[c] = Quantile(std::move(pooled), 1 - q);
  }
}

SplitBounds BuildBounds(const MmmModel& m, const AllocateOptions& o, const std::vector<double>& current, double budget,
                        const std::vector<double>& observed_lo, const std::vector<double>& observed_hi) {
  const int C = NumChannels(m);
  const auto& names = m.data.channels;
  SplitBounds b;
  b.lo.assign(C, 0.0);
  b.hi.assign(C, INFINITY);
  b.source.assign(C, "none");
  if (o.guard)
    for (int c = 0; c < C; ++c) {
      b.lo[c] = observed_lo[c];
      b.hi[c] = observed_hi[c];
      b.source[c] = "guard";
    }
  auto index = [&](const std::string& name, const char* flag) {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
      Throw(ErrorCode::kInvalidArgument, "{}: unknown channel '{}'; channels: {}", flag, name, fmt::join(names, ", "));
    return int(it - names.begin());
  };
  for (const auto& [name, bd] : o.bounds) {
    int c = index(name, "--bounds");
    b.lo[c] = bd.relative ? bd.lo * current[c] : bd.lo;
    b.hi[c] = bd.relative ? bd.hi * current[c] : bd.hi;
    b.source[c] = "bounds";
  }
  for (const auto& name : o.locked) {
    int c = index(name, "--lock");
    b.lo[c] = b.hi[c] = current[c];
    b.source[c] = "lock";
  }
  // A budget beyond what the guarded ranges hold (a plan to spend more, or less, than
  // the data ever did) widens the guard's upper (lower) ends by the one factor that
  // makes it fit, so the channels keep their relative ranges; the user's own bounds
  // stay as given and, if they alone exclude the budget, the optimiser says so.
  double g_lo = 0, g_hi = 0, other_lo = 0, other_hi = 0;
  for (int c = 0; c < C; ++c) {
    (b.source[c] == "guard" ? g_lo : other_lo) += b.lo[c];
    (b.source[c] == "guard" ? g_hi : other_hi) += b.hi[c];
  }
  if (g_hi > 0 && budget > g_hi + other_hi && std::isfinite(other_hi)) {
    b.widen_hi = (budget - other_hi) / g_hi;
    for (int c = 0; c < C; ++c)
      if (b.source[c] == "guard") b.hi[c] *= b.widen_hi;
  }
  if (g_lo > 0 && budget < g_lo + other_lo) {
    b.widen_lo = std::max(0.0, budget - other_lo) / g_lo;
    for (int c = 0; c < C; ++c)
      if (b.source[c] == "guard") b.lo[c] *= b.widen_lo;
  }
  return b;
}

std::map<std::string, Bound> ParseBounds(const std::string& text) {
  std::map<std::string, Bound> out;
  for (const std::string& item : SplitList(text)) {
    size_t eq = item.find('='), colon = item.find(':');
    if (eq == std::string::npos || colon == std::string::npos || colon < eq)
      Throw(ErrorCode::kInvalidArgument, "bound '{}': want channel=lo:hi (e.g. tv=1000:5000 or tv=0.5x:2x)", item);
    std::string name = item.substr(0, eq), lo = item.substr(eq + 1, colon - eq - 1), hi = item.substr(colon + 1);
    Bound b;
    bool rel_lo = !lo.empty() && lo.back() == 'x', rel_hi = !hi.empty() && hi.back() == 'x';
    if ((rel_lo && !hi.empty() && !rel_hi) || (rel_hi && !lo.empty() && !rel_lo))
      Throw(ErrorCode::kInvalidArgument, "bound '{}': both sides relative (x) or both absolute", item);
    b.relative = rel_lo || rel_hi;
    auto num = [&](std::string s, double dflt) {
      if (s.empty()) return dflt;
      if (s.back() == 'x') s.pop_back();
      auto v = ParseDouble(s);
      if (!v || *v < 0) Throw(ErrorCode::kInvalidArgument, "bound '{}': '{}' is not a non-negative number", item, s);
      return *v;
    };
    b.lo = num(lo, 0);
    b.hi = num(hi, INFINITY);
    out[name] = b;
  }
  return out;
}

}  // namespace adpilot::mmm
