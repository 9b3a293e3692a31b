// Meta-learners (S, T, X, DR) and K-fold cross-fitting. Assignment is
// randomised in the experiments this serves, so the propensity is the treated
// share of the training rows (a constant), not a fitted model.
#include <algorithm>
#include <numeric>
#include <random>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/uplift.h"

namespace adpilot::uplift {
namespace {

struct Part {
  std::vector<double> x;  // rows * d
  std::vector<int> t;
  std::vector<double> y;
};

Part Take(const UpliftData& d, const std::vector<size_t>& idx) {
  Part p;
  p.x.reserve(idx.size() * d.d);
  for (size_t i : idx) {
    p.x.insert(p.x.end(), d.row(i), d.row(i) + d.d);
    p.t.push_back(d.treated[i]);
    p.y.push_back(d.y[i]);
  }
  return p;
}

// Rows of one arm.
Part Arm(const Part& p, size_t d, int arm) {
  Part out;
  for (size_t i = 0; i < p.y.size(); ++i) {
    if (p.t[i] != arm) continue;
    out.x.insert(out.x.end(), p.x.begin() + long(i * d), p.x.begin() + long((i + 1) * d));
    out.t.push_back(arm);
    out.y.push_back(p.y[i]);
  }
  return out;
}

class MetaLearner {
 public:
  MetaLearner(const LearnerOptions& o, bool binary) : o_(o), binary_(binary) {}
  virtual ~MetaLearner() = default;
  virtual void Fit(const Part& p, size_t d, const Context& ctx) = 0;
  virtual std::vector<double> Predict(const std::vector<double>& x, size_t d) const = 0;

 protected:
  std::unique_ptr<BaseLearner> Base() const {
    return BaseLearnerRegistry::Get().Create("base learner", o_.base, o_.base_options);
  }
  std::unique_ptr<BaseLearner> FitBase(const Part& p, size_t d, bool binary, const Context& ctx) const {
    auto m = Base();
    m->Fit(p.x, d, p.y, binary, ctx);
    return m;
  }
  LearnerOptions o_;
  bool binary_;
};

// S: one model on (x, t) — for the linear base also x*t, else t could only shift
// everyone's score by the same amount.
class SLearner : public MetaLearner {
 public:
  using MetaLearner::MetaLearner;
  void Fit(const Part& p, size_t d, const Context& ctx) override {
    Part q{Augment(p.x, d, p.t), p.t, p.y};
    m_ = FitBase(q, Width(d), binary_, ctx);
  }
  std::vector<double> Predict(const std::vector<double>& x, size_t d) const override {
    size_t n = x.size() / d;
    auto p1 = m_->Predict(Augment(x, d, std::vector<int>(n, 1)), Width(d));
    auto p0 = m_->Predict(Augment(x, d, std::vector<int>(n, 0)), Width(d));
    for (size_t i = 0; i < n; ++i) p1[i] -= p0[i];
    return p1;
  }

 private:
  bool interactions() const { return o_.base == "lr"; }
  size_t Width(size_t d) const { return interactions() ? 2 * d + 1 : d + 1; }
  std::vector<double> Augment(const std::vector<double>& x, size_t d, const std::vector<int>& t) const {
    size_t n = x.size() / d, w = Width(d);
    std::vector<double> out(n * w);
    for (size_t i = 0; i < n; ++i) {
      double* o = out.data() + i * w;
      std::copy(x.begin() + long(i * d), x.begin() + long((i + 1) * d), o);
      o[d] = t[i];
      if (interactions())
        for (size_t j = 0; j < d; ++j) o[d + 1 + j] = x[i * d + j] * t[i];
    }
    return out;
  }
  std::unique_ptr<BaseLearner> m_;
};

class TLearner : public MetaLearner {
 public:
  using MetaLearner::MetaLearner;
  void Fit(const Part& p, size_t d, const Context& ctx) override {
    m1_ = FitBase(Arm(p, d, 1), d, binary_, ctx);
    m0_ = FitBase(Arm(p, d, 0), d, binary_, ctx);
  }
  std::vector<double> Predict(const std::vector<double>& x, size_t d) const override {
    auto a = m1_->Predict(x, d), b = m0_->Predict(x, d);
    for (size_t i = 0; i < a.size(); ++i) a[i] -= b[i];
    return a;
  }

 private:
  std::unique_ptr<BaseLearner> m1_, m0_;
};

// X: impute each unit's effect with the other arm's outcome model, regress the
// imputed effects per arm, blend by the propensity.
class XLearner : public MetaLearner {
 public:
  using MetaLearner::MetaLearner;
  void Fit(const Part& p, size_t d, const Context& ctx) override {
    Part p1 = Arm(p, d, 1), p0 = Arm(p, d, 0);
    auto m1 = FitBase(p1, d, binary_, ctx), m0 = FitBase(p0, d, binary_, ctx);
    auto mu0 = m0->Predict(p1.x, d), mu1 = m1->Predict(p0.x, d);
    for (size_t i = 0; i < p1.y.size(); ++i) p1.y[i] -= mu0[i];
    for (size_t i = 0; i < p0.y.size(); ++i) p0.y[i] = mu1[i] - p0.y[i];
    tau1_ = FitBase(p1, d, false, ctx);
    tau0_ = FitBase(p0, d, false, ctx);
    e_ = double(p1.y.size()) / double(p.y.size());
  }
  std::vector<double> Predict(const std::vector<double>& x, size_t d) const override {
    auto a = tau0_->Predict(x, d), b = tau1_->Predict(x, d);
    for (size_t i = 0; i < a.size(); ++i) a[i] = e_ * a[i] + (1 - e_) * b[i];
    return a;
  }

 private:
  std::unique_ptr<BaseLearner> tau1_, tau0_;
  double e_ = 0.5;
};

// DR: regress the doubly-robust pseudo-outcome, whose outcome models are
// themselves cross-fitted (two halves) inside the training rows.
class DrLearner : public MetaLearner {
 public:
  using MetaLearner::MetaLearner;
  void Fit(const Part& p, size_t d, const Context& ctx) override {
    size_t n = p.y.size();
    double e = 0;
    for (int t : p.t) e += t;
    e /= double(n);
    std::vector<double> psi(n);
    for (int half = 0; half < 2; ++half) {
      Part fit, apply;
      std::vector<size_t> where;
      for (size_t i = 0; i < n; ++i) {
        Part& dst = (i % 2 == size_t(half)) ? apply : fit;
        dst.x.insert(dst.x.end(), p.x.begin() + long(i * d), p.x.begin() + long((i + 1) * d));
        dst.t.push_back(p.t[i]);
        dst.y.push_back(p.y[i]);
        if (i % 2 == size_t(half)) where.push_back(i);
      }
      auto m1 = FitBase(Arm(fit, d, 1), d, binary_, ctx), m0 = FitBase(Arm(fit, d, 0), d, binary_, ctx);
      auto mu1 = m1->Predict(apply.x, d), mu0 = m0->Predict(apply.x, d);
      for (size_t k = 0; k < where.size(); ++k) {
        double y = apply.y[k];
        psi[where[k]] = mu1[k] - mu0[k] + (apply.t[k] ? (y - mu1[k]) / e : -(y - mu0[k]) / (1 - e));
      }
    }
    Part q{p.x, p.t, psi};
    tau_ = FitBase(q, d, false, ctx);
  }
  std::vector<double> Predict(const std::vector<double>& x, size_t d) const override { return tau_->Predict(x, d); }

 private:
  std::unique_ptr<BaseLearner> tau_;
};

using MetaRegistry = Registry<MetaLearner, const LearnerOptions&, bool>;
ADPILOT_REGISTER(MetaRegistry, "s", "S-learner: one model with the treatment as a feature",
                 [](const LearnerOptions& o, bool b) { return std::make_unique<SLearner>(o, b); });
ADPILOT_REGISTER(MetaRegistry, "t", "T-learner: one outcome model per arm",
                 [](const LearnerOptions& o, bool b) { return std::make_unique<TLearner>(o, b); });
ADPILOT_REGISTER(MetaRegistry, "x", "X-learner: imputed effects regressed per arm",
                 [](const LearnerOptions& o, bool b) { return std::make_unique<XLearner>(o, b); });
ADPILOT_REGISTER(MetaRegistry, "dr", "DR-learner: doubly-robust pseudo-outcome regression",
                 [](const LearnerOptions& o, bool b) { return std::make_unique<DrLearner>(o, b); });

}  // namespace

std::vector<double> CrossFitUplift(const UpliftData& data, const LearnerOptions& o, const Context& ctx,
                                   std::vector<int>* fold_of) {
  if (o.folds < 2) Throw(ErrorCode::kInvalidArgument, "--folds must be at least 2, got {}", o.folds);
  // Validate names before any work.
  MetaRegistry::Get().Create("uplift learner", o.learner, o, data.binary_outcome);
  BaseLearnerRegistry::Get().Create("base learner", o.base, o.base_options);
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
  std::vector<double> out(data.n, 0.0);
  for (int f = 0; f < o.folds; ++f) {
    std::vector<size_t> train, test;
    for (size_t i = 0; i < data.n; ++i) (fold[i] == f ? test : train).push_back(i);
    auto m = MetaRegistry::Get().Create("uplift learner", o.learner, o, data.binary_outcome);
    m->Fit(Take(data, train), data.d, ctx);
    auto pred = m->Predict(Take(data, test).x, data.d);
    for (size_t k = 0; k < test.size(); ++k) out[test[k]] = pred[k];
    ctx.log().debug("uplift: fold {}/{} done", f + 1, o.folds);
  }
  if (fold_of) *fold_of = fold;
  return out;
}

}  // namespace adpilot::uplift
