// First-order Markov-chain attribution by removal effect (Anderl et al. 2016):
// a channel's credit is the share of conversion probability lost when every
// transition into it goes to the null state instead.
#include <Eigen/Dense>

#include "adpilot/attribution.h"
#include "adpilot/error.h"

namespace adpilot {
namespace {

// States: 0 = start, 1..K = channels; absorbing conv / null are implicit.
struct Chain {
  Eigen::MatrixXd counts;   // transient -> transient transition counts
  Eigen::VectorXd to_conv;  // transient -> conversion counts
  Eigen::VectorXd out;      // all transitions leaving each transient state
};

Chain Build(const Journeys& j) {
  int k = int(j.channels.size()) + 1;
  Chain c{Eigen::MatrixXd::Zero(k, k), Eigen::VectorXd::Zero(k), Eigen::VectorXd::Zero(k)};
  for (const auto& jr : j.items) {
    if (jr.touches.empty()) continue;
    int prev = 0;
    for (int ch : jr.touches) {
      c.counts(prev, ch + 1) += 1;
      c.out(prev) += 1;
      prev = ch + 1;
    }
    if (jr.conversions > 0) c.to_conv(prev) += 1;
    c.out(prev) += 1;  // to conv or to null
  }
  return c;
}

// P(absorbed in conv | start) with channel `removed` (-1 = none) redirected to null.
double ConversionProbability(const Chain& c, int removed) {
  int k = int(c.out.size());
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(k, k);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(k);
  for (int s = 0; s < k; ++s) {
    if (c.out(s) <= 0) continue;
    for (int t = 0; t < k; ++t)
      if (t != removed) a(s, t) -= c.counts(s, t) / c.out(s);
    if (s != removed) b(s) = c.to_conv(s) / c.out(s);
  }
  return a.fullPivLu().solve(b)(0);
}

class MarkovModel : public AttributionModel {
 public:
  std::vector<double> Attribute(const Journeys& j, const AttributionOptions&, const Context&) const override {
    MarkovResult m = MarkovRemoval(j);
    double sum = 0;
    for (double r : m.removal_effect) sum += r;
    std::vector<double> credit(j.channels.size(), 0.0);
    if (sum <= 0) return credit;  // no conversions: nothing to attribute
    double total = j.total_conversions();
    for (size_t i = 0; i < credit.size(); ++i) credit[i] = total * m.removal_effect[i] / sum;
    return credit;
  }
};

ADPILOT_REGISTER(AttributionRegistry, "markov", "first-order Markov chain, removal effect",
                 [] { return std::make_unique<MarkovModel>(); });

}  // namespace

MarkovResult MarkovRemoval(const Journeys& j) {
  Chain c = Build(j);
  MarkovResult r;
  r.conversion_probability = ConversionProbability(c, -1);
  r.removal_effect.assign(j.channels.size(), 0.0);
  if (r.conversion_probability <= 0) return r;
  for (size_t ch = 0; ch < j.channels.size(); ++ch)
    r.removal_effect[ch] = std::max(0.0, 1 - ConversionProbability(c, int(ch) + 1) / r.conversion_probability);
  return r;
}

}  // namespace adpilot
