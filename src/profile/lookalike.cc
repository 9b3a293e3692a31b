// Lookalike audiences on an HNSW index (hnswlib), with the exact answer for
// recall; neighbour precision against true interests; kNN label AUC.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <hnswlib/hnswlib.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/profile.h"
#include "profile/rank_auc.h"

namespace adpilot {
namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Top-n rows by score (ties by index), excluding `skip`.
std::vector<size_t> TopN(const std::vector<float>& score, size_t n, const std::vector<char>& skip) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < score.size(); ++i)
    if (!skip[i]) idx.push_back(i);
  n = std::min(n, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(n), idx.end(),
                    [&](size_t a, size_t b) { return score[a] != score[b] ? score[a] > score[b] : a < b; });
  idx.resize(n);
  return idx;
}

}  // namespace

LookalikeResult Lookalike(const Matrix& x, const std::vector<size_t>& seeds, size_t n, int ef_search,
                          const Context& ctx) {
  if (seeds.empty()) Throw(ErrorCode::kInvalidArgument, "lookalike: no seed users");
  for (size_t s : seeds)
    if (s >= x.rows) Throw(ErrorCode::kInvalidArgument, "lookalike: seed row {} out of range", s);
  Matrix m = CenteredUnitRows(x);
  std::vector<char> is_seed(m.rows, 0);
  for (size_t s : seeds) is_seed[s] = 1;
  size_t candidates = m.rows - size_t(std::count(is_seed.begin(), is_seed.end(), 1));
  n = std::min(n, candidates);
  LookalikeResult r;

  auto t0 = std::chrono::steady_clock::now();
  // Inserted in row order on one thread: the graph, and so the answer, is reproducible.
  hnswlib::InnerProductSpace space(m.dim);
  hnswlib::HierarchicalNSW<float> index(&space, m.rows, 16, 200, ctx.SubSeed("hnsw") % 1000000007);
  for (size_t i = 0; i < m.rows; ++i) index.addPoint(m.row(i), i);
  size_t per_seed = std::min(m.rows, n + seeds.size());
  index.setEf(std::max<size_t>(size_t(std::max(ef_search, 1)), per_seed));
  std::vector<float> ann(m.rows, -2.f);
  for (size_t s : seeds) {
    auto pq = index.searchKnn(m.row(s), per_seed);
    while (!pq.empty()) {
      auto [dist, label] = pq.top();
      pq.pop();
      ann[label] = std::max(ann[label], 1.f - dist);
    }
  }
  std::vector<char> skip = is_seed;
  for (size_t i = 0; i < m.rows; ++i)
    if (ann[i] <= -2.f) skip[i] = 1;
  r.users = TopN(ann, n, skip);
  for (size_t u : r.users) r.scores.push_back(ann[u]);
  r.ann_seconds = Seconds(t0);

  t0 = std::chrono::steady_clock::now();
  std::vector<float> exact(m.rows, -2.f);
  ParallelFor(ctx.threads, m.rows, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i)
      for (size_t s : seeds) exact[i] = std::max(exact[i], Dot(m.row(i), m.row(s), m.dim));
  });
  std::vector<size_t> truth = TopN(exact, n, is_seed);
  r.exact_seconds = Seconds(t0);
  std::set<size_t> t(truth.begin(), truth.end());
  size_t hit = 0;
  for (size_t u : r.users) hit += t.count(u);
  r.recall = n ? double(hit) / double(n) : 1.0;
  return r;
}

double NeighbourPrecision(const Matrix& x, const std::vector<std::vector<float>>& truth, size_t k, size_t queries,
                          const Context& ctx, std::vector<double>* per_query) {
  if (truth.size() != x.rows || x.rows < 2)
    Throw(ErrorCode::kInvalidArgument, "neighbour precision: need truth per user");
  size_t dt = truth[0].size();
  Matrix t{x.rows, dt, {}};
  for (const auto& v : truth) {
    if (v.size() != dt) Throw(ErrorCode::kInvalidArgument, "neighbour precision: truth vectors differ in length");
    t.data.insert(t.data.end(), v.begin(), v.end());
  }
  NormalizeRows(t);
  Matrix m = CenteredUnitRows(x);
  k = std::min(k, x.rows - 1);
  std::vector<size_t> q(x.rows);
  for (size_t i = 0; i < q.size(); ++i) q[i] = i;
  auto rng = ctx.Rng("neighbour-precision");
  std::shuffle(q.begin(), q.end(), rng);
  q.resize(std::min(queries, q.size()));
  std::vector<double> prec(q.size());
  ParallelFor(ctx.threads, q.size(), [&](size_t b, size_t e, int) {
    std::vector<float> sa(x.rows), sb(x.rows);
    for (size_t a = b; a < e; ++a) {
      size_t i = q[a];
      for (size_t j = 0; j < x.rows; ++j) {
        sa[j] = Dot(m.row(i), m.row(j), m.dim);
        sb[j] = Dot(t.row(i), t.row(j), t.dim);
      }
      std::vector<char> skip(x.rows, 0);
      skip[i] = 1;
      auto pa = TopN(sa, k, skip), pb = TopN(sb, k, skip);
      std::set<size_t> s(pb.begin(), pb.end());
      size_t hit = 0;
      for (size_t u : pa) hit += s.count(u);
      prec[a] = double(hit) / double(k);
    }
  });
  double total = 0;
  for (double p : prec) total += p;
  if (per_query) *per_query = prec;
  return prec.empty() ? 0 : total / double(prec.size());
}

KnnLabelScores KnnLabelScoring(const Matrix& x, const std::vector<std::vector<std::string>>& labels, size_t k,
                               const Context& ctx) {
  if (labels.size() != x.rows) Throw(ErrorCode::kInvalidArgument, "kNN AUC: need labels per user");
  std::map<std::string, size_t> names;
  for (const auto& l : labels)
    for (const auto& s : l) names.emplace(s, names.size());
  size_t L = names.size();
  std::vector<std::vector<char>> has(x.rows, std::vector<char>(L, 0));
  for (size_t u = 0; u < x.rows; ++u)
    for (const auto& s : labels[u]) has[u][names[s]] = 1;
  Matrix m = CenteredUnitRows(x);
  KnnLabelScores out;
  out.labels = L;
  out.score.assign(x.rows * L, 0.0);
  ParallelFor(ctx.threads, x.rows, [&](size_t b, size_t e, int) {
    std::vector<float> sim(x.rows);
    for (size_t i = b; i < e; ++i) {
      for (size_t j = 0; j < x.rows; ++j) sim[j] = Dot(m.row(i), m.row(j), m.dim);
      std::vector<char> skip(x.rows, 0);
      skip[i] = 1;
      double wsum = 0;
      for (size_t j : TopN(sim, k, skip)) {
        double w = std::max(0.f, sim[j]) + 1e-6;  // zero vectors still vote, weakly
        wsum += w;
        for (size_t l = 0; l < L; ++l) out.score[i * L + l] += w * has[j][l];
      }
      for (size_t l = 0; l < L; ++l) out.score[i * L + l] /= wsum;
    }
  });
  out.truth.resize(x.rows * L);
  for (size_t u = 0; u < x.rows; ++u)
    for (size_t l = 0; l < L; ++l) out.truth[u * L + l] = has[u][l];
  return out;
}

double KnnLabelScores::Auc() const { return RankAuc(score, truth); }

double KnnLabelAuc(const Matrix& x, const std::vector<std::vector<std::string>>& labels, size_t k, const Context& ctx) {
  return KnnLabelScoring(x, labels, k, ctx).Auc();
}

}  // namespace adpilot
