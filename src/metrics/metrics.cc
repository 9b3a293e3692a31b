#include "adpilot/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "adpilot/error.h"

namespace adpilot {

namespace {

void CheckInputs(const std::vector<float>& pred, const std::vector<float>& label, const std::vector<float>& weight) {
  if (pred.size() != label.size())
    Throw(ErrorCode::kInvalidArgument, "metric: {} predictions but {} labels", pred.size(), label.size());
  if (!weight.empty() && weight.size() != pred.size())
    Throw(ErrorCode::kInvalidArgument, "metric: {} weights for {} rows", weight.size(), pred.size());
  for (size_t i = 0; i < pred.size(); ++i)
    if (!std::isfinite(pred[i])) Throw(ErrorCode::kInvalidArgument, "metric: prediction {} is not finite", i);
}

inline double W(const std::vector<float>& w, size_t i) { return w.empty() ? 1.0 : double(w[i]); }

}  // namespace

double Auc(const std::vector<float>& pred, const std::vector<float>& label, const std::vector<float>& weight) {
  CheckInputs(pred, label, weight);
  std::vector<size_t> idx(pred.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return pred[a] < pred[b]; });
  // Walk groups of tied scores in ascending order: each positive in the group
  // beats every negative below it and half of the negatives tied with it.
  double neg_below = 0, pos_total = 0, neg_total = 0, area = 0;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    double pos = 0, neg = 0;
    while (j < idx.size() && pred[idx[j]] == pred[idx[i]]) {
      double w = W(weight, idx[j]);
      if (label[idx[j]] > 0.5) pos += w;
      else neg += w;
      ++j;
    }
    area += pos * (neg_below + 0.5 * neg);
    neg_below += neg;
    pos_total += pos;
    neg_total += neg;
    i = j;
  }
  if (pos_total == 0 || neg_total == 0) return std::nan("");
  return area / (pos_total * neg_total);
}

std::vector<RocPoint> RocCurve(const std::vector<float>& pred, const std::vector<float>& label, size_t max_points,
                               const std::vector<float>& weight) {
  CheckInputs(pred, label, weight);
  std::vector<size_t> idx(pred.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return pred[a] > pred[b]; });
  double pos = 0, neg = 0;
  for (size_t i = 0; i < pred.size(); ++i) (label[i] > 0.5 ? pos : neg) += W(weight, i);
  if (pos == 0 || neg == 0) return {};
  std::vector<RocPoint> full{{0, 0, std::numeric_limits<double>::infinity()}};
  double tp = 0, fp = 0;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j < idx.size() && pred[idx[j]] == pred[idx[i]]) {
      (label[idx[j]] > 0.5 ? tp : fp) += W(weight, idx[j]);
      ++j;
    }
    full.push_back({fp / neg, tp / pos, double(pred[idx[i]])});
    i = j;
  }
  if (max_points < 2 || full.size() <= max_points) return full;
  std::vector<RocPoint> out;
  for (size_t k = 0; k < max_points; ++k) out.push_back(full[k * (full.size() - 1) / (max_points - 1)]);
  return out;
}

double LogLoss(const std::vector<float>& pred, const std::vector<float>& label, const std::vector<float>& weight) {
  CheckInputs(pred, label, weight);
  double sum = 0, wsum = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    double p = std::clamp(double(pred[i]), 1e-15, 1 - 1e-15), y = label[i], w = W(weight, i);
    sum += -w * (y * std::log(p) + (1 - y) * std::log(1 - p));
    wsum += w;
  }
  return wsum > 0 ? sum / wsum : std::nan("");
}

double NormalizedEntropy(const std::vector<float>& pred, const std::vector<float>& label,
                         const std::vector<float>& weight) {
  double ll = LogLoss(pred, label, weight);
  double pos = 0, wsum = 0;
  for (size_t i = 0; i < label.size(); ++i) {
    pos += W(weight, i) * label[i];
    wsum += W(weight, i);
  }
  double p = pos / wsum;
  if (p <= 0 || p >= 1) return std::nan("");
  double h = -(p * std::log(p) + (1 - p) * std::log(1 - p));
  return ll / h;
}

double CalibrationRatio(const std::vector<float>& pred, const std::vector<float>& label,
                        const std::vector<float>& weight) {
  CheckInputs(pred, label, weight);
  double sp = 0, sl = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    sp += W(weight, i) * pred[i];
    sl += W(weight, i) * label[i];
  }
  return sl > 0 ? sp / sl : std::nan("");
}

double Rmse(const std::vector<float>& pred, const std::vector<float>& label, const std::vector<float>& weight) {
  CheckInputs(pred, label, weight);
  double s = 0, wsum = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    double d = double(pred[i]) - label[i];
    s += W(weight, i) * d * d;
    wsum += W(weight, i);
  }
  return wsum > 0 ? std::sqrt(s / wsum) : std::nan("");
}

std::vector<ReliabilityBin> ReliabilityBins(const std::vector<float>& pred, const std::vector<float>& label, int bins,
                                            const std::vector<float>& weight) {
  CheckInputs(pred, label, weight);
  if (bins < 1) Throw(ErrorCode::kInvalidArgument, "reliability bins must be >= 1, got {}", bins);
  std::vector<ReliabilityBin> acc(bins);
  for (int b = 0; b < bins; ++b) acc[b] = {double(b) / bins, double(b + 1) / bins, 0, 0, 0};
  for (size_t i = 0; i < pred.size(); ++i) {
    int b = std::clamp(int(double(pred[i]) * bins), 0, bins - 1);
    double w = W(weight, i);
    acc[b].weight += w;
    acc[b].mean_pred += w * pred[i];
    acc[b].mean_label += w * label[i];
  }
  std::vector<ReliabilityBin> out;
  for (auto& b : acc) {
    if (b.weight <= 0) continue;
    b.mean_pred /= b.weight;
    b.mean_label /= b.weight;
    out.push_back(b);
  }
  return out;
}

namespace {

template <double (*F)(const std::vector<float>&, const std::vector<float>&, const std::vector<float>&), bool kHigher>
class FnMetric : public Metric {
 public:
  double Eval(const std::vector<float>& p, const std::vector<float>& l, const std::vector<float>& w) const override {
    return F(p, l, w);
  }
  bool higher_is_better() const override { return kHigher; }
};

template <typename M>
std::unique_ptr<Metric> Make() {
  return std::make_unique<M>();
}

ADPILOT_REGISTER(MetricRegistry, "auc", "ROC AUC, tie-aware", Make<FnMetric<Auc, true>>);
ADPILOT_REGISTER(MetricRegistry, "logloss", "binary cross-entropy", Make<FnMetric<LogLoss, false>>);
ADPILOT_REGISTER(MetricRegistry, "ne", "normalised entropy", Make<FnMetric<NormalizedEntropy, false>>);
ADPILOT_REGISTER(MetricRegistry, "calibration", "sum(pred)/sum(label)", Make<FnMetric<CalibrationRatio, false>>);
ADPILOT_REGISTER(MetricRegistry, "rmse", "root mean squared error", Make<FnMetric<Rmse, false>>);

}  // namespace

}  // namespace adpilot
