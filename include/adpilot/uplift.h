// Uplift modelling: who changes their behaviour because of a treatment.
// Meta-learners (S, T, X: Künzel et al. 2019; DR: Kennedy 2020) over predict's
// models (lr, gbdt, fm, ...) as base learners, K-fold cross-fitting so every
// unit's predicted uplift comes from a model that never saw it, and the
// evaluation curves (Qini: Radcliffe 2007; uplift curve / AUUC). Definitions:
// docs/uplift.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/features.h"
#include "adpilot/record.h"
#include "adpilot/table.h"

namespace adpilot {
struct Context;
}

namespace adpilot::uplift {

// One experiment's units. The base models see the feature columns through the
// data stage's schema + FeatureHasher (numeric or categorical fields, hashed
// per unit); the dense one-hot matrix only describes segments in words.
struct UpliftData {
  std::vector<std::string> feature_names;  // dense columns: numeric as is, categorical one-hot
  size_t n = 0, d = 0;
  std::vector<double> x;         // n * d, empty numeric cells filled with the column mean
  std::vector<int> treated;      // 1 treatment, 0 control
  std::vector<double> y;         // outcome
  std::vector<std::string> ids;  // unit ids (id column) or row numbers
  bool binary_outcome = false;
  // Base-model input: one schema field per feature column, and per unit and
  // field its text (categorical) or value (numeric; NaN when the cell is empty).
  Schema schema;
  std::vector<std::string> cells;  // n * schema.fields.size()
  std::vector<double> values;      // n * schema.fields.size()
  const double* row(size_t i) const { return x.data() + i * d; }
};

struct DataOptions {
  std::string treatment_col, treatment, control, outcome;
  std::vector<std::string> features;  // empty: every other column (see exclude)
  std::vector<std::string> exclude;   // columns never used as features
  std::string id_col;                 // unit id column ("" = none)
  int max_levels = 50;                // categorical columns with more levels are skipped
};
// Rows whose treatment value is neither `treatment` nor `control` are dropped
// (counted in the log), e.g. the third arm of Hillstrom. Without --features,
// columns that look like other outcomes of the same units (a value that is
// non-zero only where the outcome is, or one that is always non-zero where the
// outcome is while rare) are left out with a warning: they would leak the outcome.
UpliftData BuildData(const Table& t, const DataOptions& o, const Context& ctx);

// Base models are predict's registry (CreateModel: lr, fm, ffm, gbdt, and any
// model registered later), trained through Model::Train on hashed examples and
// read through PredictBatch. Every regression the meta-learners need (outcome
// means, X's imputed effects, DR's pseudo-outcomes, continuous outcomes) is fitted
// as a fractional logit: the target is scaled to [0, 1] by its training range
// and learned with the model's logistic loss, whose minimiser is the conditional
// mean of the scaled target (Papke & Wooldridge 1996), then scaled back.
struct LearnerOptions {
  std::string learner = "t";  // s | t | x | dr
  std::string base = "lr";    // any name in predict's ModelRegistry
  int folds = 5;
  // Hyperparameters of the base model as "key=value" (its own option names,
  // e.g. rounds=100, l2=1). Applied over uplift's defaults (docs/uplift.md).
  std::vector<std::string> base_params;
  // Numeric transform of the features (FeatureConfig::numeric): "auto" = raw
  // values for tree models (gbdt), quantile bins for the others.
  std::string numeric = "auto";
  // How the base models hash the features: the data stage's FeatureConfig
  // (`uplift` binds its bits and quantile_bins), with uplift's smaller hash
  // space. Its numeric transform, quantile sample and arm crosses are set per fit.
  FeatureConfig features = [] {
    FeatureConfig f;
    f.bits = 16;
    return f;
  }();
  int epochs = 10;  // passes of the gradient-trained models (no early stopping: no validation rows)
};

// Out-of-fold predicted uplift per unit; fold_of receives each unit's fold.
std::vector<double> CrossFitUplift(const UpliftData& data, const LearnerOptions& o, const Context& ctx,
                                   std::vector<int>* fold_of = nullptr);

struct CurvePoint {
  double fraction = 0;      // share of units targeted (ranked by predicted uplift)
  double n_t = 0, n_c = 0;  // treated / control units among them
  double qini = 0;          // Y_T - Y_C * N_T / N_C, per unit of the whole population
  double uplift = 0;        // (rate_T - rate_C) * targeted share
};
struct UpliftEval {
  double qini = 0;                                   // area between the Qini curve and the random line
  double auuc = 0;                                   // area under the uplift curve
  double auuc_random = 0;                            // its value for random targeting (ATE / 2)
  double ate = 0;                                    // rate_T - rate_C over everyone
  std::vector<std::pair<double, double>> uplift_at;  // (share, rate_T - rate_C in the top share)
  std::vector<CurvePoint> curve;                     // `points` evenly spaced shares + 0
};
UpliftEval Evaluate(const std::vector<double>& score, const std::vector<int>& treated, const std::vector<double>& y,
                    int points = 100);

// Which share of units to target and what it brings, in words.
struct Recommendation {
  double share = 0;              // best share to target (deciles)
  double uplift_in_segment = 0;  // rate_T - rate_C among them
  double incremental_per_1000 = 0;
  double everyone_per_1000 = 0;     // treating everyone
  std::vector<std::string> traits;  // how the segment differs from the rest
  std::string text;
};
Recommendation Recommend(const UpliftData& data, const std::vector<double>& score, const std::string& outcome);

nlohmann::json ToJson(const UpliftEval& e);

}  // namespace adpilot::uplift
