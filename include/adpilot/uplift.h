// Uplift modelling: who changes their behaviour because of a treatment.
// Meta-learners (S, T, X: Künzel et al. 2019; DR: Kennedy 2020) over base
// learners (lr, gbdt), K-fold cross-fitting so every unit's predicted uplift
// comes from a model that never saw it, and the evaluation curves (Qini:
// Radcliffe 2007; uplift curve / AUUC). Definitions: docs/uplift.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/registry.h"
#include "adpilot/table.h"

namespace adpilot {
struct Context;
}

namespace adpilot::uplift {

// Dense design matrix of one experiment: numeric columns as they are,
// categorical columns one-hot, row-major.
struct UpliftData {
  std::vector<std::string> feature_names;
  size_t n = 0, d = 0;
  std::vector<double> x;      // n * d
  std::vector<int> treated;   // 1 treatment, 0 control
  std::vector<double> y;      // outcome
  std::vector<std::string> ids;  // unit ids (id column) or row numbers
  bool binary_outcome = false;
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

// Narrow interface for the base models of the meta-learners: dense rows in,
// a probability (binary targets) or a regression value out.
class BaseLearner {
 public:
  virtual ~BaseLearner() = default;
  virtual void Fit(const std::vector<double>& x, size_t d, const std::vector<double>& y, bool binary,
                   const Context& ctx) = 0;
  virtual std::vector<double> Predict(const std::vector<double>& x, size_t d) const = 0;
};
struct BaseOptions {
  double l2 = 1.0;        // lr: ridge penalty on standardised features
  int trees = 100;        // gbdt
  int depth = 3;
  double eta = 0.1;
  double min_child_weight = 5;
};
using BaseLearnerRegistry = Registry<BaseLearner, const BaseOptions&>;

struct LearnerOptions {
  std::string learner = "t";  // s | t | x | dr
  std::string base = "lr";    // lr | gbdt
  int folds = 5;
  BaseOptions base_options;
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
  double qini = 0;          // area between the Qini curve and the random line
  double auuc = 0;          // area under the uplift curve
  double auuc_random = 0;   // its value for random targeting (ATE / 2)
  double ate = 0;           // rate_T - rate_C over everyone
  std::vector<std::pair<double, double>> uplift_at;  // (share, rate_T - rate_C in the top share)
  std::vector<CurvePoint> curve;                     // `points` evenly spaced shares + 0
};
UpliftEval Evaluate(const std::vector<double>& score, const std::vector<int>& treated,
                    const std::vector<double>& y, int points = 100);

// Which share of units to target and what it brings, in words.
struct Recommendation {
  double share = 0;              // best share to target (deciles)
  double uplift_in_segment = 0;  // rate_T - rate_C among them
  double incremental_per_1000 = 0;
  double everyone_per_1000 = 0;  // treating everyone
  std::vector<std::string> traits;  // how the segment differs from the rest
  std::string text;
};
Recommendation Recommend(const UpliftData& data, const std::vector<double>& score, const std::string& outcome);

nlohmann::json ToJson(const UpliftEval& e);

}  // namespace adpilot::uplift
