// Rule-based attribution: each converting journey's conversions are split over
// its touches by a fixed weighting.
#include <cmath>
#include <functional>

#include "adpilot/attribution.h"
#include "adpilot/error.h"

namespace adpilot {
namespace {

using Weights = std::function<void(const Journey&, const AttributionOptions&, std::vector<double>&)>;

class RuleModel : public AttributionModel {
 public:
  explicit RuleModel(Weights w) : weights_(std::move(w)) {}
  std::vector<double> Attribute(const Journeys& j, const AttributionOptions& o, const Context&) const override {
    std::vector<double> credit(j.channels.size(), 0.0), w;
    for (const auto& jr : j.items) {
      if (jr.conversions <= 0 || jr.touches.empty()) continue;
      w.assign(jr.touches.size(), 0.0);
      weights_(jr, o, w);
      double sum = 0;
      for (double x : w) sum += x;
      for (size_t i = 0; i < w.size(); ++i) credit[jr.touches[i]] += jr.conversions * w[i] / sum;
    }
    return credit;
  }

 private:
  Weights weights_;
};

void Position(const Journey& j, const AttributionOptions& o, std::vector<double>& w) {
  size_t n = w.size();
  if (n == 1) {
    w[0] = 1;
  } else if (n == 2) {
    w[0] = o.position_first;
    w[1] = o.position_last;
  } else {
    w[0] = o.position_first;
    w[n - 1] = o.position_last;
    for (size_t i = 1; i + 1 < n; ++i) w[i] = (1 - o.position_first - o.position_last) / double(n - 2);
  }
  (void)j;
}

void Decay(const Journey& j, const AttributionOptions& o, std::vector<double>& w) {
  if (!(o.half_life > 0)) Throw(ErrorCode::kInvalidArgument, "--half-life must be positive, got {}", o.half_life);
  size_t n = w.size();
  for (size_t i = 0; i < n; ++i) {
    // Age relative to the last touch (the conversion time is not in the layout).
    double age = j.times.empty() ? double(n - 1 - i) : (j.times[n - 1] - j.times[i]) / 86400.0;
    w[i] = std::exp2(-age / o.half_life);
  }
}

ADPILOT_REGISTER(AttributionRegistry, "last", "all credit to the last touch", [] {
  return std::make_unique<RuleModel>(
      [](const Journey&, const AttributionOptions&, std::vector<double>& w) { w.back() = 1; });
});
ADPILOT_REGISTER(AttributionRegistry, "first", "all credit to the first touch", [] {
  return std::make_unique<RuleModel>(
      [](const Journey&, const AttributionOptions&, std::vector<double>& w) { w.front() = 1; });
});
ADPILOT_REGISTER(AttributionRegistry, "linear", "equal credit to every touch", [] {
  return std::make_unique<RuleModel>([](const Journey&, const AttributionOptions&, std::vector<double>& w) {
    for (auto& x : w) x = 1;
  });
});
ADPILOT_REGISTER(AttributionRegistry, "position", "40% first, 40% last, 20% shared by the middle touches",
                 [] { return std::make_unique<RuleModel>(Position); });
ADPILOT_REGISTER(AttributionRegistry, "decay", "credit halves every half-life before the last touch",
                 [] { return std::make_unique<RuleModel>(Decay); });

}  // namespace
}  // namespace adpilot
