// Shapley-value attribution over channel coalitions. The value of a coalition
// S is the counterfactual number of conversions if only the channels in S had
// touched users: sum over journeys (grouped by their channel set T) of
// n(T) * rate(T ∩ S). Rates of sparse channel sets are shrunk towards the mean
// rate of their one-smaller subsets, so the value is defined for every S.
// Exact over all coalitions for up to shapley_exact_max channels, otherwise
// estimated from sampled permutations (seeded from ctx).
#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

#include "adpilot/attribution.h"
#include "adpilot/context.h"
#include "adpilot/error.h"

namespace adpilot {
namespace {

using Mask = uint64_t;

class Coalitions {
 public:
  Coalitions(const Journeys& j, const AttributionOptions& o) : m_(std::max(1, o.min_set_journeys)) {
    for (const auto& jr : j.items) {
      Mask s = 0;
      for (int c : jr.touches) s |= Mask(1) << c;
      auto& e = sets_[s];
      e.first += 1;
      e.second += jr.conversions > 0 ? 1 : 0;
    }
    groups_.assign(sets_.begin(), sets_.end());
  }

  // Smoothed conversion rate of journeys touched by exactly the channels in u.
  double Rate(Mask u) {
    auto it = rate_.find(u);
    if (it != rate_.end()) return it->second;
    double prior = 0;
    int bits = std::popcount(u);
    if (bits > 0) {
      for (Mask rest = u; rest; rest &= rest - 1) prior += Rate(u & ~(rest & -rest));
      prior /= bits;
    }
    double n = 0, conv = 0;
    auto s = sets_.find(u);
    if (s != sets_.end()) {
      n = s->second.first;
      conv = s->second.second;
    }
    double r = n >= m_ ? conv / n : (conv + m_ * prior) / (n + m_);
    rate_[u] = r;
    return r;
  }

  double Value(Mask s) {
    auto it = value_.find(s);
    if (it != value_.end()) return it->second;
    double v = 0;
    for (const auto& [t, nc] : groups_) v += nc.first * Rate(t & s);
    value_[s] = v;
    return v;
  }

 private:
  double m_;
  std::map<Mask, std::pair<double, double>> sets_;  // set -> (journeys, converted journeys)
  std::vector<std::pair<Mask, std::pair<double, double>>> groups_;
  std::unordered_map<Mask, double> rate_, value_;
};

class ShapleyModel : public AttributionModel {
 public:
  std::vector<double> Attribute(const Journeys& j, const AttributionOptions& o, const Context& ctx) const override {
    int k = int(j.channels.size());
    if (k > 63) Throw(ErrorCode::kUnsupported, "shapley attribution supports at most 63 channels, got {}", k);
    Coalitions co(j, o);
    std::vector<double> phi(k, 0.0);
    if (k <= o.shapley_exact_max) {
      std::vector<double> fact(k + 1, 1.0);
      for (int i = 1; i <= k; ++i) fact[i] = fact[i - 1] * i;
      for (Mask s = 0; s < (Mask(1) << k); ++s) {
        int size = std::popcount(s);
        double vs = co.Value(s);
        for (int c = 0; c < k; ++c) {
          if (s & (Mask(1) << c)) continue;
          double w = fact[size] * fact[k - size - 1] / fact[k];
          phi[c] += w * (co.Value(s | (Mask(1) << c)) - vs);
        }
      }
      return phi;
    }
    auto rng = ctx.Rng("attribution-shapley");
    std::vector<int> perm(k);
    std::iota(perm.begin(), perm.end(), 0);
    for (int p = 0; p < o.shapley_permutations; ++p) {
      std::shuffle(perm.begin(), perm.end(), rng);
      Mask s = 0;
      double prev = co.Value(0);
      for (int c : perm) {
        s |= Mask(1) << c;
        double v = co.Value(s);
        phi[c] += v - prev;
        prev = v;
      }
    }
    for (auto& x : phi) x /= o.shapley_permutations;
    return phi;
  }
};

ADPILOT_REGISTER(AttributionRegistry, "shapley", "Shapley value of channel coalitions (counterfactual conversions)",
                 [] { return std::make_unique<ShapleyModel>(); });

}  // namespace
}  // namespace adpilot
