// k-means++ segments, silhouette, segment descriptions and NMI.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/profile.h"
#include "adpilot/progress.h"
#include "profile/words.h"

namespace adpilot {
namespace {

float Dist2(const float* a, const float* b, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = a[i] - b[i];
    s += t * t;
  }
  return s;
}

KMeansResult KMeansOnce(const Matrix& x, int k, int max_iter, const Context& ctx, const std::string& stream) {
  size_t n = x.rows, d = x.dim;
  KMeansResult r;
  r.k = k;
  r.centroids.assign(size_t(k) * d, 0.f);
  auto rng = ctx.Rng(stream);
  // k-means++: each next centre drawn with probability proportional to D(x)^2.
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  size_t first = rng() % n;
  std::copy(x.row(first), x.row(first) + d, r.centroids.begin());
  for (int c = 1; c <= k; ++c) {
    const float* cc = r.centroids.data() + size_t(c - 1) * d;
    ParallelFor(ctx.threads, n, [&](size_t b, size_t e, int) {
      for (size_t i = b; i < e; ++i) best[i] = std::min(best[i], double(Dist2(x.row(i), cc, d)));
    });
    if (c == k) break;
    double total = 0;
    for (double v : best) total += v;
    size_t pick = rng() % n;
    if (total > 0) {
      double u = std::uniform_real_distribution<double>(0, total)(rng);
      for (size_t i = 0; i < n; ++i) {
        u -= best[i];
        if (u <= 0) {
          pick = i;
          break;
        }
      }
    }
    std::copy(x.row(pick), x.row(pick) + d, r.centroids.begin() + std::ptrdiff_t(size_t(c) * d));
  }
  r.assignment.assign(n, -1);
  for (r.iterations = 0; r.iterations < max_iter; ++r.iterations) {
    std::vector<size_t> moved(size_t(std::max(1, ctx.threads)), 0);
    ParallelFor(ctx.threads, n, [&](size_t b, size_t e, int t) {
      for (size_t i = b; i < e; ++i) {
        int arg = 0;
        float bd = std::numeric_limits<float>::infinity();
        for (int c = 0; c < k; ++c) {
          float dd = Dist2(x.row(i), r.centroids.data() + size_t(c) * d, d);
          if (dd < bd) {
            bd = dd;
            arg = c;
          }
        }
        if (r.assignment[i] != arg) ++moved[size_t(t)];
        r.assignment[i] = arg;
      }
    });
    size_t total_moved = 0;
    for (size_t m : moved) total_moved += m;
    // Update step; an emptied cluster takes the row farthest from its centre.
    std::vector<double> sum(size_t(k) * d, 0.0);
    r.sizes.assign(size_t(k), 0);
    for (size_t i = 0; i < n; ++i) {
      int c = r.assignment[i];
      ++r.sizes[size_t(c)];
      for (size_t j = 0; j < d; ++j) sum[size_t(c) * d + j] += x.row(i)[j];
    }
    for (int c = 0; c < k; ++c) {
      if (r.sizes[size_t(c)] == 0) {
        size_t far = 0;
        float fd = -1;
        for (size_t i = 0; i < n; ++i) {
          float dd = Dist2(x.row(i), r.centroids.data() + size_t(r.assignment[i]) * d, d);
          if (dd > fd) {
            fd = dd;
            far = i;
          }
        }
        std::copy(x.row(far), x.row(far) + d, r.centroids.begin() + std::ptrdiff_t(size_t(c) * d));
        total_moved += 1;
        continue;
      }
      for (size_t j = 0; j < d; ++j)
        r.centroids[size_t(c) * d + j] = float(sum[size_t(c) * d + j] / double(r.sizes[size_t(c)]));
    }
    if (total_moved == 0) break;
  }
  r.inertia = 0;
  r.sizes.assign(size_t(k), 0);
  for (size_t i = 0; i < n; ++i) {
    ++r.sizes[size_t(r.assignment[i])];
    r.inertia += Dist2(x.row(i), r.centroids.data() + size_t(r.assignment[i]) * d, d);
  }
  return r;
}

}  // namespace

int MergeSmallSegments(const Matrix& x, KMeansResult& r, size_t min_size) {
  const size_t n = x.rows, d = x.dim;
  if (n < min_size)
    Throw(ErrorCode::kInvalidArgument,
          "{} users, fewer than the minimum audience {}: no segment of them can be shown (--min-audience)", n,
          min_size);
  int merged = 0;
  auto recompute = [&] {
    r.centroids.assign(size_t(r.k) * d, 0.f);
    r.sizes.assign(size_t(r.k), 0);
    for (size_t i = 0; i < n; ++i) {
      size_t c = size_t(r.assignment[i]);
      ++r.sizes[c];
      for (size_t j = 0; j < d; ++j) r.centroids[c * d + j] += x.row(i)[j];
    }
    for (size_t c = 0; c < size_t(r.k); ++c)
      for (size_t j = 0; j < d; ++j) r.centroids[c * d + j] /= float(std::max<size_t>(1, r.sizes[c]));
  };
  recompute();
  while (r.k > 1) {
    size_t small = 0;
    for (size_t c = 1; c < size_t(r.k); ++c)
      if (r.sizes[c] < r.sizes[small]) small = c;
    if (r.sizes[small] >= min_size) break;
    for (size_t i = 0; i < n; ++i) {
      if (size_t(r.assignment[i]) != small) continue;
      float best = std::numeric_limits<float>::infinity();
      int to = -1;
      for (size_t c = 0; c < size_t(r.k); ++c) {
        if (c == small) continue;
        float dd = Dist2(x.row(i), &r.centroids[c * d], d);
        if (dd < best) best = dd, to = int(c);
      }
      r.assignment[i] = to;
    }
    for (auto& a : r.assignment)
      if (a > int(small)) --a;
    --r.k;
    ++merged;
    recompute();
  }
  r.inertia = 0;
  for (size_t i = 0; i < n; ++i) r.inertia += Dist2(x.row(i), &r.centroids[size_t(r.assignment[i]) * d], d);
  return merged;
}

KMeansResult KMeans(const Matrix& x, int k, int max_iter, const Context& ctx, int restarts) {
  if (k < 1 || size_t(k) > x.rows) Throw(ErrorCode::kInvalidArgument, "k-means: k = {} with {} rows", k, x.rows);
  if (restarts < 1) Throw(ErrorCode::kInvalidArgument, "k-means: restarts = {} (at least 1)", restarts);
  KMeansResult best;
  Progress progress(ctx, fmt::format("k-means (k = {}, {} rows)", k, x.rows), uint64_t(restarts), "restarts");
  if (restarts > 1) progress.Begin();
  for (int run = 0; run < restarts; ++run) {
    // The first run draws from the stream a single run always used.
    KMeansResult r = KMeansOnce(x, k, max_iter, ctx, run == 0 ? "kmeans" : fmt::format("kmeans/{}", run));
    if (run == 0 || r.inertia < best.inertia) best = std::move(r);
    progress.Advance();
  }
  return best;
}

double Silhouette(const Matrix& x, const std::vector<int>& assignment, int k, size_t sample, const Context& ctx) {
  size_t n = x.rows;
  std::vector<size_t> rows(n);
  for (size_t i = 0; i < n; ++i) rows[i] = i;
  if (n > sample) {
    auto rng = ctx.Rng("silhouette");
    std::shuffle(rows.begin(), rows.end(), rng);
    rows.resize(sample);
  }
  std::vector<double> s(rows.size(), 0.0);
  ParallelFor(ctx.threads, rows.size(), [&](size_t b, size_t e, int) {
    std::vector<double> sum(static_cast<size_t>(k));
    std::vector<size_t> cnt(static_cast<size_t>(k));
    for (size_t a = b; a < e; ++a) {
      std::fill(sum.begin(), sum.end(), 0.0);
      std::fill(cnt.begin(), cnt.end(), 0);
      size_t i = rows[a];
      for (size_t jj = 0; jj < rows.size(); ++jj) {
        size_t j = rows[jj];
        if (j == i) continue;
        sum[size_t(assignment[j])] += std::sqrt(double(Dist2(x.row(i), x.row(j), x.dim)));
        ++cnt[size_t(assignment[j])];
      }
      int own = assignment[i];
      if (cnt[size_t(own)] == 0) continue;  // singleton: silhouette 0
      double ai = sum[size_t(own)] / double(cnt[size_t(own)]);
      double bi = std::numeric_limits<double>::infinity();
      for (int c = 0; c < k; ++c)
        if (c != own && cnt[size_t(c)]) bi = std::min(bi, sum[size_t(c)] / double(cnt[size_t(c)]));
      if (std::isfinite(bi) && std::max(ai, bi) > 0) s[a] = (bi - ai) / std::max(ai, bi);
    }
  });
  double total = 0;
  for (double v : s) total += v;
  return rows.empty() ? 0 : total / double(rows.size());
}

std::vector<std::vector<SegmentTerm>> SegmentTerms(const UserTexts& users, const std::vector<int>& assignment, int k,
                                                   size_t top, size_t min_users) {
  std::unordered_map<std::string, std::vector<size_t>> df;  // word -> users per segment
  std::vector<size_t> seg_users(size_t(k), 0);
  for (size_t u = 0; u < users.ids.size(); ++u) {
    int c = assignment[u];
    ++seg_users[size_t(c)];
    std::vector<std::string> w;
    for (const auto& t : users.texts[u])
      for (auto& x : ProfileWords(t)) w.push_back(std::move(x));
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    for (auto& x : w) {
      auto& v = df[x];
      if (v.empty()) v.assign(size_t(k), 0);
      ++v[size_t(c)];
    }
  }
  double n = double(users.ids.size());
  std::vector<std::vector<SegmentTerm>> out(static_cast<size_t>(k));
  for (const auto& [w, v] : df) {
    size_t all = 0;
    for (size_t c : v) all += c;
    if (all < min_users) continue;
    double p = double(all) / n;
    for (int c = 0; c < k; ++c) {
      if (!seg_users[size_t(c)] || !v[size_t(c)]) continue;
      double pc = double(v[size_t(c)]) / double(seg_users[size_t(c)]);
      if (pc <= p) continue;
      out[size_t(c)].push_back({w, pc * std::log(pc / p), pc});
    }
  }
  for (auto& terms : out) {
    std::sort(terms.begin(), terms.end(), [](const SegmentTerm& a, const SegmentTerm& b) {
      return a.score != b.score ? a.score > b.score : a.term < b.term;
    });
    if (terms.size() > top) terms.resize(top);
  }
  return out;
}

double Nmi(const std::vector<int>& a, const std::vector<int>& b) {
  ADP_CHECK(a.size() == b.size());
  double n = double(a.size());
  if (a.empty()) return 0;
  std::map<int, double> pa, pb;
  std::map<std::pair<int, int>, double> pab;
  for (size_t i = 0; i < a.size(); ++i) {
    pa[a[i]] += 1;
    pb[b[i]] += 1;
    pab[{a[i], b[i]}] += 1;
  }
  auto entropy = [&](const std::map<int, double>& p) {
    double h = 0;
    for (const auto& [k, c] : p) h -= c / n * std::log(c / n);
    return h;
  };
  double mi = 0;
  for (const auto& [kv, c] : pab) mi += c / n * std::log(c * n / (pa[kv.first] * pb[kv.second]));
  double ha = entropy(pa), hb = entropy(pb);
  if (ha + hb == 0) return 1.0;  // both constant: identical partitions
  return std::max(0.0, 2 * mi / (ha + hb));
}

}  // namespace adpilot
