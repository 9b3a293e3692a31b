// Post-hoc calibration of predicted probabilities, fitted on a validation set
// and stored in the model: bids multiply by pCTR, so its level must be right,
// not only its ranking.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace adpilot {

class Calibrator {
 public:
  enum class Kind { kNone, kPlatt, kIsotonic };
  static Kind ParseKind(const std::string& s);  // "none" | "platt" | "isotonic"

  Calibrator() = default;
  // Fits on raw probabilities `p` against 0/1 `label` (weights optional).
  // Platt: logistic regression on logit(p) (Newton); isotonic: pool-adjacent-violators.
  void Fit(Kind kind, const std::vector<float>& p, const std::vector<float>& label,
           const std::vector<float>& weight = {});
  // Maps a raw probability to a calibrated one (identity when kind is kNone).
  double Apply(double p) const;

  Kind kind() const { return kind_; }
  std::string kind_name() const;
  nlohmann::json ToJson() const;
  // Throws kCorruption on a malformed object.
  static Calibrator FromJson(const nlohmann::json& j);

 private:
  Kind kind_ = Kind::kNone;
  double a_ = 1, b_ = 0;       // Platt: sigmoid(a * logit(p) + b)
  std::vector<double> x_, y_;  // isotonic: increasing knots, interpolated
};

}  // namespace adpilot
