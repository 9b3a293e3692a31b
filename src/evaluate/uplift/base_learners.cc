// Base learners of the meta-learners: "lr" (L2 logistic regression by Newton
// steps for binary targets, ridge regression otherwise, on standardised
// features) and "gbdt" (xgboost through its C API, logistic or squared loss).
// Dense and in-memory: uplift tables have tens of features, not hashed millions.
#include <cmath>
#include <string>

#include <Eigen/Dense>
#include <xgboost/c_api.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/uplift.h"

namespace adpilot::uplift {
namespace {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class LinearLearner : public BaseLearner {
 public:
  explicit LinearLearner(const BaseOptions& o) : l2_(o.l2) {}

  void Fit(const std::vector<double>& xv, size_t d, const std::vector<double>& yv, bool binary,
           const Context&) override {
    size_t n = yv.size();
    ADP_CHECK(xv.size() == n * d && n > 0);
    binary_ = binary;
    Eigen::Map<const Mat> x(xv.data(), Eigen::Index(n), Eigen::Index(d));
    mean_ = x.colwise().mean().transpose();
    sd_ = ((x.rowwise() - mean_.transpose()).array().square().colwise().sum() / double(n)).sqrt().transpose();
    for (Eigen::Index j = 0; j < sd_.size(); ++j)
      if (sd_(j) < 1e-12) sd_(j) = 1;  // constant column: its weight stays 0 under the penalty
    Mat z(n, d + 1);
    z.leftCols(d) = (x.rowwise() - mean_.transpose()).array().rowwise() / sd_.transpose().array();
    z.col(d).setOnes();
    Eigen::Map<const Eigen::VectorXd> y(yv.data(), Eigen::Index(n));
    Eigen::VectorXd pen = Eigen::VectorXd::Constant(d + 1, l2_);
    pen(d) = 0;  // intercept unpenalised
    w_ = Eigen::VectorXd::Zero(d + 1);
    if (!binary) {
      Eigen::MatrixXd a = z.transpose() * z;
      a.diagonal() += pen;
      w_ = a.ldlt().solve(z.transpose() * y);
      return;
    }
    double rate = y.mean();
    w_(d) = std::log(std::max(rate, 1e-6) / std::max(1 - rate, 1e-6));
    for (int it = 0; it < 50; ++it) {
      Eigen::VectorXd p = (1 + (-(z * w_)).array().exp()).inverse().matrix();
      Eigen::VectorXd g = z.transpose() * (p - y) + pen.cwiseProduct(w_);
      Eigen::VectorXd s = (p.array() * (1 - p.array())).max(1e-10);
      Eigen::MatrixXd h = z.transpose() * s.asDiagonal() * z;
      h.diagonal() += pen;
      h.diagonal().array() += 1e-9;
      Eigen::VectorXd step = h.ldlt().solve(g);
      w_ -= step;
      if (step.cwiseAbs().maxCoeff() < 1e-8) break;
    }
  }

  std::vector<double> Predict(const std::vector<double>& xv, size_t d) const override {
    size_t n = xv.size() / d;
    Eigen::Map<const Mat> x(xv.data(), Eigen::Index(n), Eigen::Index(d));
    Eigen::VectorXd m = ((x.rowwise() - mean_.transpose()).array().rowwise() / sd_.transpose().array()).matrix() *
                            w_.head(d) +
                        Eigen::VectorXd::Constant(n, w_(d));
    std::vector<double> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = binary_ ? 1 / (1 + std::exp(-m(i))) : m(i);
    return out;
  }

 private:
  double l2_;
  bool binary_ = true;
  Eigen::VectorXd mean_, sd_, w_;
};

void Xgb(int rc, const char* what) {
  if (rc != 0) Throw(ErrorCode::kInternal, "xgboost {}: {}", what, XGBGetLastError());
}

class DMatrix {
 public:
  DMatrix(const std::vector<double>& x, size_t d) {
    std::vector<float> f(x.begin(), x.end());
    Xgb(XGDMatrixCreateFromMat(f.data(), bst_ulong(x.size() / d), bst_ulong(d), NAN, &h_), "DMatrix");
  }
  ~DMatrix() { XGDMatrixFree(h_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return h_; }

 private:
  DMatrixHandle h_ = nullptr;
};

class GbdtLearner : public BaseLearner {
 public:
  explicit GbdtLearner(const BaseOptions& o) : o_(o) {}
  ~GbdtLearner() override {
    if (booster_) XGBoosterFree(booster_);
  }

  void Fit(const std::vector<double>& x, size_t d, const std::vector<double>& y, bool binary,
           const Context& ctx) override {
    DMatrix m(x, d);
    std::vector<float> label(y.begin(), y.end());
    Xgb(XGDMatrixSetFloatInfo(m.get(), "label", label.data(), bst_ulong(label.size())), "label");
    if (booster_) XGBoosterFree(booster_);
    DMatrixHandle hs[1] = {m.get()};
    Xgb(XGBoosterCreate(hs, 1, &booster_), "create");
    auto set = [&](const char* k, const std::string& v) { Xgb(XGBoosterSetParam(booster_, k, v.c_str()), k); };
    set("objective", binary ? "binary:logistic" : "reg:squarederror");
    set("max_depth", std::to_string(o_.depth));
    set("eta", std::to_string(o_.eta));
    set("min_child_weight", std::to_string(o_.min_child_weight));
    set("subsample", "0.8");
    set("tree_method", "hist");
    set("nthread", std::to_string(ctx.threads));
    set("seed", std::to_string(ctx.SubSeed("uplift-gbdt") % 2147483647));
    set("verbosity", "0");
    for (int i = 0; i < o_.trees; ++i) Xgb(XGBoosterUpdateOneIter(booster_, i, m.get()), "train");
  }

  std::vector<double> Predict(const std::vector<double>& x, size_t d) const override {
    DMatrix m(x, d);
    bst_ulong len = 0;
    const float* out = nullptr;
    Xgb(XGBoosterPredict(booster_, m.get(), 0, 0, 0, &len, &out), "predict");
    return std::vector<double>(out, out + len);
  }

 private:
  BaseOptions o_;
  BoosterHandle booster_ = nullptr;
};

ADPILOT_REGISTER(BaseLearnerRegistry, "lr", "L2 logistic regression (binary) or ridge regression",
                 [](const BaseOptions& o) { return std::make_unique<LinearLearner>(o); });
ADPILOT_REGISTER(BaseLearnerRegistry, "gbdt", "gradient-boosted trees (xgboost)",
                 [](const BaseOptions& o) { return std::make_unique<GbdtLearner>(o); });

}  // namespace
}  // namespace adpilot::uplift
