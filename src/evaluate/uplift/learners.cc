// Meta-learners (S, T, X, DR) and K-fold cross-fitting over predict's models.
// Assignment is randomised in the experiments this serves, so the propensity
// is the treated share of the training rows (a constant), not a fitted model.
#include <algorithm>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/registry.h"
#include "adpilot/uplift.h"
#include "evaluate/uplift/base_model.h"

namespace adpilot::uplift {
namespace {

// A context of its own per base model: its seed names its role, so adding a
// model to one learner does not shift another's draws.
Context Sub(const Context& ctx, const std::string& role) {
  Context c = ctx;
  c.seed = ctx.SubSeed(role);
  return c;
}

std::vector<size_t> Arm(const UpliftData& d, const std::vector<size_t>& units, int arm) {
  std::vector<size_t> out;
  for (size_t i : units)
    if (d.treated[i] == arm) out.push_back(i);
  return out;
}

std::vector<double> Outcomes(const UpliftData& d, const std::vector<size_t>& units) {
  std::vector<double> y;
  y.reserve(units.size());
  for (size_t i : units) y.push_back(d.y[i]);
  return y;
}

class MetaLearner {
 public:
  MetaLearner(const LearnerOptions& o, const UpliftData& d, const UnitExamples* ex) : o_(o), d_(d), ex_(ex) {}
  virtual ~MetaLearner() = default;
  // The S-learner sees the arm as a feature; the others fit per-arm or on x only.
  virtual bool arm_field() const { return false; }
  virtual void Fit(const std::vector<size_t>& train, const Context& ctx) = 0;
  virtual std::vector<double> Predict(const std::vector<size_t>& test, const Context& ctx) const = 0;

 protected:
  std::unique_ptr<BaseRegressor> FitBase(const std::vector<size_t>& units, const std::vector<double>& target,
                                         const Context& ctx, const std::string& role) const {
    auto m = std::make_unique<BaseRegressor>(o_, *ex_);
    m->Fit(units, target, Sub(ctx, role));
    return m;
  }
  // mu_arm(x): outcome model on the rows of one arm.
  std::unique_ptr<BaseRegressor> FitArm(const std::vector<size_t>& units, int arm, const Context& ctx,
                                        const std::string& role) const {
    auto rows = Arm(d_, units, arm);
    return FitBase(rows, Outcomes(d_, rows), ctx, role);
  }
  const LearnerOptions& o_;
  const UpliftData& d_;
  const UnitExamples* ex_;
};

// S: one model on (x, t); uplift = mu(x, 1) - mu(x, 0).
class SLearner : public MetaLearner {
 public:
  using MetaLearner::MetaLearner;
  bool arm_field() const override { return true; }
  void Fit(const std::vector<size_t>& train, const Context& ctx) override {
    // Each unit as observed: its own arm in the arm field.
    m_ = FitBase(train, Outcomes(d_, train), ctx, "s-mu");
  }
  std::vector<double> Predict(const std::vector<size_t>& test, const Context& ctx) const override {
    auto p1 = m_->Predict(test, ctx, 1), p0 = m_->Predict(test, ctx, 0);
    for (size_t i = 0; i < p1.size(); ++i) p1[i] -= p0[i];
    return p1;
  }

 private:
  std::unique_ptr<BaseRegressor> m_;
};

class TLearner : public MetaLearner {
 public:
  using MetaLearner::MetaLearner;
  void Fit(const std::vector<size_t>& train, const Context& ctx) override {
    m1_ = FitArm(train, 1, ctx, "t-mu1");
    m0_ = FitArm(train, 0, ctx, "t-mu0");
  }
  std::vector<double> Predict(const std::vector<size_t>& test, const Context& ctx) const override {
    auto a = m1_->Predict(test, ctx), b = m0_->Predict(test, ctx);
    for (size_t i = 0; i < a.size(); ++i) a[i] -= b[i];
    return a;
  }

 private:
  std::unique_ptr<BaseRegressor> m1_, m0_;
};

// X: impute each unit's effect with the other arm's outcome model, regress the
// imputed effects per arm, blend by the propensity.
class XLearner : public MetaLearner {
 public:
  using MetaLearner::MetaLearner;
  void Fit(const std::vector<size_t>& train, const Context& ctx) override {
    auto r1 = Arm(d_, train, 1), r0 = Arm(d_, train, 0);
    auto m1 = FitArm(train, 1, ctx, "x-mu1"), m0 = FitArm(train, 0, ctx, "x-mu0");
    auto mu0 = m0->Predict(r1, ctx), mu1 = m1->Predict(r0, ctx);
    std::vector<double> d1(r1.size()), d0(r0.size());
    for (size_t k = 0; k < r1.size(); ++k) d1[k] = d_.y[r1[k]] - mu0[k];
    for (size_t k = 0; k < r0.size(); ++k) d0[k] = mu1[k] - d_.y[r0[k]];
    tau1_ = FitBase(r1, d1, ctx, "x-tau1");
    tau0_ = FitBase(r0, d0, ctx, "x-tau0");
    e_ = double(r1.size()) / double(train.size());
  }
  std::vector<double> Predict(const std::vector<size_t>& test, const Context& ctx) const override {
    auto a = tau0_->Predict(test, ctx), b = tau1_->Predict(test, ctx);
    for (size_t i = 0; i < a.size(); ++i) a[i] = e_ * a[i] + (1 - e_) * b[i];
    return a;
  }

 private:
  std::unique_ptr<BaseRegressor> tau1_, tau0_;
  double e_ = 0.5;
};

// DR: regress the doubly-robust pseudo-outcome, whose outcome models are
// themselves cross-fitted (two halves) inside the training rows.
class DrLearner : public MetaLearner {
 public:
  using MetaLearner::MetaLearner;
  void Fit(const std::vector<size_t>& train, const Context& ctx) override {
    size_t n = train.size();
    double e = 0;
    for (size_t i : train) e += d_.treated[i];
    e /= double(n);
    std::vector<double> psi(n);
    for (int half = 0; half < 2; ++half) {
      std::vector<size_t> fit, apply, where;
      for (size_t k = 0; k < n; ++k) {
        if (k % 2 == size_t(half)) {
          apply.push_back(train[k]);
          where.push_back(k);
        } else {
          fit.push_back(train[k]);
        }
      }
      auto m1 = FitArm(fit, 1, ctx, fmt::format("dr-mu1-{}", half));
      auto m0 = FitArm(fit, 0, ctx, fmt::format("dr-mu0-{}", half));
      auto mu1 = m1->Predict(apply, ctx), mu0 = m0->Predict(apply, ctx);
      for (size_t k = 0; k < where.size(); ++k) {
        size_t i = apply[k];
        double y = d_.y[i];
        psi[where[k]] = mu1[k] - mu0[k] + (d_.treated[i] ? (y - mu1[k]) / e : -(y - mu0[k]) / (1 - e));
      }
    }
    tau_ = FitBase(train, psi, ctx, "dr-tau");
  }
  std::vector<double> Predict(const std::vector<size_t>& test, const Context& ctx) const override {
    return tau_->Predict(test, ctx);
  }

 private:
  std::unique_ptr<BaseRegressor> tau_;
};

using MetaRegistry = Registry<MetaLearner, const LearnerOptions&, const UpliftData&, const UnitExamples*>;
#define ADPILOT_META(name, help, T)                                                           \
  ADPILOT_REGISTER(MetaRegistry, name, help,                                                  \
                   [](const LearnerOptions& o, const UpliftData& d, const UnitExamples* ex) { \
                     return std::make_unique<T>(o, d, ex);                                    \
                   })
ADPILOT_META("s", "S-learner: one model with the treatment as a feature", SLearner);
ADPILOT_META("t", "T-learner: one outcome model per arm", TLearner);
ADPILOT_META("x", "X-learner: imputed effects regressed per arm", XLearner);
ADPILOT_META("dr", "DR-learner: doubly-robust pseudo-outcome regression", DrLearner);

}  // namespace

std::vector<double> CrossFitUplift(const UpliftData& data, const LearnerOptions& o, const Context& ctx,
                                   std::vector<int>* fold_of) {
  if (o.folds < 2) Throw(ErrorCode::kInvalidArgument, "--folds must be at least 2, got {}", o.folds);
  // Validate names and parameters before any work.
  bool arm_field = MetaRegistry::Get().Create("uplift learner", o.learner, o, data, nullptr)->arm_field();
  CreateBaseModel(o);
  UnitExamples ex(data, o, arm_field);
  // Folds stratified by arm so every training part holds both arms.
  std::vector<int> fold(data.n);
  auto rng = ctx.Rng("uplift-folds");
  for (int arm = 0; arm < 2; ++arm) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < data.n; ++i)
      if (data.treated[i] == arm) idx.push_back(i);
    std::shuffle(idx.begin(), idx.end(), rng);
    for (size_t k = 0; k < idx.size(); ++k) fold[idx[k]] = int(k % size_t(o.folds));
  }
  // Folds run in parallel, each base model on one thread: results do not depend
  // on --threads (Hogwild SGD on several threads would), and xgboost's OpenMP
  // workers never oversubscribe a shared machine.
  auto quiet = ctx.logger->clone("uplift-base");
  quiet->set_level(std::max(ctx.logger->level(), spdlog::level::warn));
  std::vector<double> out(data.n, 0.0);
  ParallelFor(std::min(ctx.threads, o.folds), size_t(o.folds), [&](size_t b, size_t e, int) {
    for (size_t f = b; f < e; ++f) {
      Context fc = Sub(ctx, fmt::format("uplift-fold-{}", f));
      fc.threads = 1;
      fc.logger = quiet;
      fc.progress = nullptr;
      std::vector<size_t> train, test;
      for (size_t i = 0; i < data.n; ++i) (fold[i] == int(f) ? test : train).push_back(i);
      auto m = MetaRegistry::Get().Create("uplift learner", o.learner, o, data, &ex);
      m->Fit(train, fc);
      auto pred = m->Predict(test, fc);
      for (size_t k = 0; k < test.size(); ++k) out[test[k]] = pred[k];
      ctx.log().debug("uplift: fold {}/{} done", f + 1, o.folds);
    }
  });
  if (fold_of) *fold_of = fold;
  return out;
}

}  // namespace adpilot::uplift
