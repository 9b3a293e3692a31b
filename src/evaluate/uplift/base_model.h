// Base learners of the meta-learners: predict's models (CreateModel) trained on
// the units' hashed features. Internal to the uplift learners.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "adpilot/context.h"
#include "adpilot/model.h"
#include "adpilot/uplift.h"

namespace adpilot::uplift {

// The units hashed once per feature layout. With an arm field (the S-learner)
// each unit is hashed three times: as observed, as if treated, as if control.
class UnitExamples {
 public:
  UnitExamples(const UpliftData& data, const LearnerOptions& o, bool with_arm);
  std::shared_ptr<const FeatureHasher> hasher() const { return hasher_; }
  // arm -1: the unit as observed (its own arm in the arm field); 0 / 1: as if
  // in that arm (arm field only).
  const Example& at(size_t unit, int arm = -1) const;

 private:
  std::shared_ptr<const FeatureHasher> hasher_;
  const std::vector<int>& treated_;
  std::vector<Example> observed_, as_treated_, as_control_;
};

// A regression E[target | x] through a probability model: the target is scaled
// to [0, 1] by its range on the training rows and fitted with the model's
// logistic loss (a fractional logit), so 0/1 outcomes, continuous outcomes and
// the X / DR pseudo-outcomes share one code path.
class BaseRegressor {
 public:
  BaseRegressor(const LearnerOptions& o, const UnitExamples& ex) : o_(o), ex_(ex) {}
  void Fit(const std::vector<size_t>& units, const std::vector<double>& target, const Context& ctx, int arm = -1);
  std::vector<double> Predict(const std::vector<size_t>& units, const Context& ctx, int arm = -1) const;

 private:
  const LearnerOptions& o_;
  const UnitExamples& ex_;
  std::unique_ptr<Model> model_;
  double lo_ = 0, hi_ = 0;
};

// A fresh base model with uplift's defaults and o.base_params applied
// (kInvalidArgument for an unknown model or parameter).
std::unique_ptr<Model> CreateBaseModel(const LearnerOptions& o);

}  // namespace adpilot::uplift
