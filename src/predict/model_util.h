// Internals shared by the predict stage: the logistic link, scoring a whole
// ExampleSource, and the Hogwild SGD training loop that lr, fm and ffm share.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "adpilot/model.h"

namespace adpilot::predict {

inline double Sigmoid(double m) {
  if (m >= 0) return 1.0 / (1.0 + std::exp(-m));
  double e = std::exp(m);
  return e / (1.0 + e);
}

// Logloss of margin m against 0/1 label y, stable for large |m|.
inline double LogLossFromMargin(double m, double y) {
  double z = y > 0.5 ? -m : m;  // loss = log(1 + exp(z))
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

// Scores every example of `src` (from its start) in order. raw = uncalibrated.
void ScoreSource(const Model& m, ExampleSource& src, const Context& ctx, std::vector<float>& pred,
                 std::vector<float>& label, std::vector<float>& weight, bool raw);

// In a distributed job (adpilot/collective.h), replaces each rank's scores by
// all ranks' in rank order, on every rank; nothing in one process.
void GatherScores(const Context& ctx, std::vector<float>& pred, std::vector<float>& label, std::vector<float>& weight);

// Early stopping on validation logloss, shared by every epoch loop: scores the
// epoch, keeps the patience count, and names the best epoch after a rollback.
class EarlyStopping {
 public:
  EarlyStopping(ExampleSource* valid, const TrainConfig& cfg)
      : active_(valid && !cfg.online), valid_(valid), patience_(cfg.patience) {}
  bool active() const { return active_; }
  double best() const { return best_; }
  // Fills er's valid logloss and AUC (nothing when inactive).
  void Score(const Model& m, const Context& ctx, EpochReport& er) const;
  enum class Verdict { kImproved, kWorse, kStop };
  // Call when active, after Score.
  Verdict Update(double valid_logloss);
  // After restoring the snapshot of best(): the epoch that produced it.
  static void MarkBestEpoch(TrainReport& r, double best);

 private:
  bool active_;
  ExampleSource* valid_;
  int patience_;
  double best_ = std::numeric_limits<double>::infinity();
  int bad_ = 0;
};

// Models trained by per-example gradient steps. Step() may run on several
// threads at once without locks (Hogwild): updates race benignly on sparse
// coordinates, as in Recht et al. 2011 and libffm.
class SgdModel : public Model {
 protected:
  // One update on `ex` (label in {0,1}); returns the logloss before the update.
  virtual double Step(const Example& ex) = 0;
  // Hint that `ex` is trained next (models much larger than the caches start
  // loading its parameters while the current example computes).
  virtual void Prefetch(const Example&) const {}
  // After each training pass, before the validation score (ffm prunes its
  // field pairs after the first pass here). `train` may be rewound and read.
  virtual void AfterPass(int /*epoch*/, ExampleSource& /*train*/, const Context& /*ctx*/) {}
  TrainReport DoTrain(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx) override;

 private:
  // Averages Parameters() over the ranks; returns whether any rank has more rows.
  bool SyncRanks(const Context& ctx, uint64_t since, bool more);
};

// State of the linear/factor models: a count then raw little-endian floats.
std::string SaveFloats(const std::vector<float>& v);
// Throws kCorruption unless `bytes` holds exactly `expected` floats.
void LoadFloats(std::string_view bytes, std::vector<float>& v, size_t expected, const char* what);

// Sums margin contributions by field, sorts by magnitude, names the fields.
Explanation MakeExplanation(const Model& m, double bias, std::vector<double> per_field);

}  // namespace adpilot::predict
