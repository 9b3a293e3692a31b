// Evidence figures of a profile: segment NMI, neighbour precision, kNN label AUC.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/profile.h"
#include "adpilot/progress.h"

namespace adpilot {
namespace {
// Segments for NMI keep the least-inertia of 10 k-means++ runs (sklearn's
// n_init): one run's local optimum cost an encoder 0.035 NMI on a generated
// world (0.289 against 0.324 with restarts), more than encoders differ by.
constexpr int kEvalRestarts = 10;
}  // namespace

ProfileEval EvaluateProfiles(const Matrix& x, const UserTexts& users, int k, size_t neighbours, size_t queries,
                             const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  ProfileEval e;
  Matrix m = CenteredUnitRows(x);
  // NMI needs one label per user; the kNN AUC takes any number, none included.
  bool labelled = !users.labels.empty();
  for (const auto& l : users.labels) labelled = labelled && !l.empty();
  if (labelled) {
    std::map<std::string, int> ids;
    std::vector<int> truth;
    for (const auto& l : users.labels) truth.push_back(ids.emplace(l.front(), int(ids.size())).first->second);
    e.k = k > 0 ? k : int(ids.size());
    if (e.k >= 2 && size_t(e.k) <= m.rows) {
      e.segments = KMeans(m, e.k, 100, ctx, kEvalRestarts).assignment;
      e.topics = truth;
      e.nmi = Nmi(e.segments, truth);
    }
  }
  Progress progress(ctx, "evaluate: neighbour checks", uint64_t(!users.labels.empty()) + !users.truth.empty(),
                    "checks");
  progress.Begin();
  if (!users.labels.empty()) {
    // 25 voters, fewer on small panels (MovieLens has ~60 taggers) so votes stay local.
    e.knn = KnnLabelScoring(m, users.labels, std::min<size_t>(25, std::max<size_t>(5, m.rows / 5)), ctx);
    e.knn_auc = e.knn.Auc();
    progress.Advance();
  }
  if (!users.truth.empty()) {
    e.precision = NeighbourPrecision(m, users.truth, neighbours, queries, ctx, &e.precision_per_query);
    progress.Advance();
  }
  progress.Finish();
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

namespace {

// Percentile interval of `draws` around `estimate`.
AucDifference Interval(double estimate, std::vector<double> draws) {
  AucDifference d;
  d.diff = estimate;
  d.reps = int(draws.size());
  if (draws.empty()) return d;
  std::sort(draws.begin(), draws.end());
  d.lo = draws[size_t(0.025 * double(draws.size()))];
  d.hi = draws[std::min(draws.size() - 1, size_t(0.975 * double(draws.size())))];
  return d;
}

// Pooled AUC of one scoring under per-row weights (a bootstrap resample of
// users gives each of a user's rows the user's multiplicity): one pass over
// the rows in score order, ranked once, ties counting one half.
class WeightedAuc {
 public:
  explicit WeightedAuc(const KnnLabelScores& k) : k_(k), order_(k.score.size()) {
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::sort(order_.begin(), order_.end(), [&](size_t x, size_t y) { return k.score[x] < k.score[y]; });
  }
  double operator()(const std::vector<double>& user_weight) const {
    double neg_below = 0, pos_total = 0, num = 0;
    for (size_t i = 0; i < order_.size();) {
      size_t j = i;
      double pos = 0, neg = 0;
      for (; j < order_.size() && k_.score[order_[j]] == k_.score[order_[i]]; ++j) {
        double w = user_weight[order_[j] / k_.labels];
        (k_.truth[order_[j]] ? pos : neg) += w;
      }
      num += pos * (neg_below + 0.5 * neg);
      neg_below += neg;
      pos_total += pos;
      i = j;
    }
    return pos_total > 0 && neg_below > 0 ? num / (pos_total * neg_below) : std::nan("");
  }

 private:
  const KnnLabelScores& k_;
  std::vector<size_t> order_;
};

}  // namespace

AucDifference BootstrapAucDifference(const KnnLabelScores& a, const KnnLabelScores& b, int reps, uint64_t seed) {
  if (a.labels != b.labels || a.score.size() != b.score.size() || a.truth != b.truth)
    Throw(ErrorCode::kInvalidArgument, "bootstrap: the two kNN scorings are not of the same users and labels");
  size_t L = a.labels, n = L ? a.score.size() / L : 0;
  WeightedAuc auc_a(a), auc_b(b);
  std::mt19937_64 rng(seed);
  std::vector<double> draws, weight(n);
  for (int r = 0; r < reps && n > 0; ++r) {
    std::fill(weight.begin(), weight.end(), 0.0);
    for (size_t i = 0; i < n; ++i) weight[size_t(rng() % n)] += 1;
    double d = auc_a(weight) - auc_b(weight);
    if (!std::isnan(d)) draws.push_back(d);
  }
  return Interval(a.Auc() - b.Auc(), std::move(draws));
}

AucDifference BootstrapMeanDifference(const std::vector<double>& a, const std::vector<double>& b, int reps,
                                      uint64_t seed) {
  if (a.size() != b.size()) Throw(ErrorCode::kInvalidArgument, "bootstrap: {} vs {} users", a.size(), b.size());
  std::vector<double> d;
  for (size_t i = 0; i < a.size(); ++i)
    if (!std::isnan(a[i]) && !std::isnan(b[i])) d.push_back(a[i] - b[i]);
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / double(v.size());
  };
  std::mt19937_64 rng(seed);
  std::vector<double> draws, pick(d.size());
  for (int r = 0; r < reps && !d.empty(); ++r) {
    for (auto& x : pick) x = d[size_t(rng() % d.size())];
    draws.push_back(mean(pick));
  }
  return Interval(mean(d), std::move(draws));
}

AucDifference BootstrapNmiDifference(const std::vector<int>& a, const std::vector<int>& b,
                                     const std::vector<int>& truth, int reps, uint64_t seed) {
  if (a.size() != truth.size() || b.size() != truth.size())
    Throw(ErrorCode::kInvalidArgument, "bootstrap: segmentations of {} and {} users, {} labels", a.size(), b.size(),
          truth.size());
  size_t n = truth.size();
  std::mt19937_64 rng(seed);
  std::vector<double> draws;
  std::vector<int> ra(n), rb(n), rt(n);
  for (int r = 0; r < reps && n > 0; ++r) {
    for (size_t i = 0; i < n; ++i) {
      size_t u = size_t(rng() % n);
      ra[i] = a[u], rb[i] = b[u], rt[i] = truth[u];
    }
    draws.push_back(Nmi(ra, rt) - Nmi(rb, rt));
  }
  return Interval(Nmi(a, truth) - Nmi(b, truth), std::move(draws));
}

void to_json(nlohmann::json& j, const AucDifference& d) {
  j = {{"diff", d.diff}, {"ci95", {d.lo, d.hi}}, {"reps", d.reps}};
}

void to_json(nlohmann::json& j, const ProfileEval& e) {
  j = {{"k", e.k},
       {"nmi", e.nmi},
       {"precision_at_k", e.precision},
       {"knn_label_auc", e.knn_auc},
       {"seconds", e.seconds}};
}

}  // namespace adpilot
