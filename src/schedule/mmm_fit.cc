// Fitting (parallel NUTS chains) and the posterior summaries users read:
// ROAS, marginal ROAS, contributions, response curves, fit quality, diagnostics.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <nlopt.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "adpilot/parallel.h"
#include "adpilot/progress.h"
#include "schedule/diagnostics.h"
#include "schedule/mmm_density.h"
#include "schedule/nuts.h"

namespace adpilot::mmm {
namespace {

Interval Summ(std::vector<double> v) {
  Interval r;
  double s = 0;
  for (double x : v) s += x;
  r.mean = v.empty() ? 0 : s / double(v.size());
  r.low = Quantile(v, 0.05);
  r.high = Quantile(std::move(v), 0.95);
  return r;
}

FitQuality Quality(const std::vector<double>& y, const std::vector<double>& f, int begin, int end) {
  FitQuality q;
  double sy = 0, ymin = INFINITY, ymax = -INFINITY;
  int n = 0;
  for (int t = begin; t < end; ++t)
    if (std::isfinite(y[t])) {
      sy += y[t];
      ymin = std::min(ymin, y[t]);
      ymax = std::max(ymax, y[t]);
      ++n;
    }
  q.rows = n;
  if (n == 0) return q;
  double mean = sy / n, ss_res = 0, ss_tot = 0, ape = 0;
  int n_ape = 0;
  for (int t = begin; t < end; ++t) {
    if (!std::isfinite(y[t])) continue;
    ss_res += (y[t] - f[t]) * (y[t] - f[t]);
    ss_tot += (y[t] - mean) * (y[t] - mean);
    if (y[t] != 0) {
      ape += std::fabs((y[t] - f[t]) / y[t]);
      ++n_ape;
    }
  }
  q.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 0;
  // Robyn's NRMSE: RMSE over the KPI's range.
  q.nrmse = ymax > ymin ? std::sqrt(ss_res / n) / (ymax - ymin) : 0;
  q.mape = n_ape ? ape / n_ape : 0;
  return q;
}

}  // namespace

int NumChannels(const MmmModel& m) { return int(m.data.channels.size()); }

ChannelParams ChannelDraw(const MmmModel& m, int draw, int channel) {
  MmmDensity dens(m);
  return dens.Natural(m.draws.row(draw).transpose(), channel);
}

std::vector<double> DrawAdstockWeights(const MmmModel& m, int draw, int c) {
  ChannelParams p = ChannelDraw(m, draw, c);
  const ChannelSpec& s = m.options.channel_specs[c];
  std::vector<double> w;
  AdstockWeights(ParseAdstock(s.adstock), p.adstock, s.max_lag, true, w);
  return w;
}

namespace {

// Moves a chain's random start to a nearby posterior mode (L-BFGS, a few hundred
// evaluations): warmup then adapts around the typical set instead of spending
// deep trees crawling in from the tails. Chains start from different points, so
// distinct modes still show up in R-hat.
Eigen::VectorXd ClimbToMode(const MmmDensity& dens, Eigen::VectorXd q) {
  struct Data {
    const MmmDensity* d;
  } data{&dens};
  auto f = [](unsigned n, const double* x, double* grad, void* p) -> double {
    auto* dd = static_cast<Data*>(p);
    Eigen::VectorXd q = Eigen::Map<const Eigen::VectorXd>(x, n), g(n);
    double lp = dd->d->LogDensity(q, &g);
    if (!std::isfinite(lp)) {
      if (grad) std::fill(grad, grad + n, 0.0);
      return -1e300;
    }
    if (grad) Eigen::Map<Eigen::VectorXd>(grad, n) = g;
    return lp;
  };
  const unsigned n = unsigned(q.size());
  nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, n);
  nlopt_set_max_objective(opt, f, &data);
  nlopt_set_maxeval(opt, 400);
  nlopt_set_ftol_rel(opt, 1e-8);
  std::vector<double> lo(n), hi(n);
  for (unsigned i = 0; i < n; ++i) {
    lo[i] = -25;
    hi[i] = 25;
  }
  nlopt_set_lower_bounds(opt, lo.data());
  nlopt_set_upper_bounds(opt, hi.data());
  std::vector<double> x(q.data(), q.data() + n);
  double val = 0;
  nlopt_result r = nlopt_optimize(opt, x.data(), &val);
  nlopt_destroy(opt);
  Eigen::VectorXd out = Eigen::Map<Eigen::VectorXd>(x.data(), n);
  Eigen::VectorXd g(n);
  if ((r > 0 || r == NLOPT_ROUNDOFF_LIMITED || r == NLOPT_MAXEVAL_REACHED) && std::isfinite(dens.LogDensity(out, &g)))
    return out;
  return q;
}

}  // namespace

MmmModel FitMmm(MmmData data, const MmmOptions& opts, const Context& ctx, MmmReport* report) {
  auto t0 = std::chrono::steady_clock::now();
  MmmModel m;
  m.options = opts;
  m.data = std::move(data);
  m.seed = ctx.seed;
  const int n = m.data.rows();
  if (m.options.channel_specs.size() != m.data.channels.size()) ResolveChannels("", m.data.channels, m.options);
  int holdout = m.options.holdout;
  if (n - holdout < std::max(10, 2 * int(m.data.channels.size()) + 4))
    Throw(ErrorCode::kInvalidArgument, "holdout of {} rows leaves too few of the {} rows to fit", holdout, n);
  m.train_rows = n - holdout;
  if (!m.options.lift_tests.empty()) m.lifts = LoadLiftTests(m.options.lift_tests, m.data);
  ComputeScales(m);
  MmmDensity dens(m);
  m.param_names = dens.ParamNames();
  const int chains = m.options.chains, dim = dens.dim();
  NutsOptions no;
  no.warmup = m.options.warmup;
  no.draws = m.options.draws;
  no.max_depth = m.options.max_tree_depth;
  no.target_accept = m.options.target_accept;
  no.dense = m.options.dense_metric;
  std::vector<NutsChain> res(chains);
  std::atomic<int64_t> done{0};
  const int64_t total = int64_t(chains) * (no.warmup + no.draws);
  Progress progress(ctx, "mmm fit (NUTS)", uint64_t(total), "iterations");
  LogDensityFn f = [&dens](const Eigen::VectorXd& q, Eigen::VectorXd& g) { return dens.LogDensity(q, &g); };
  ParallelFor(ctx.threads, size_t(chains), [&](size_t b, size_t e, int tid) {
    for (size_t c = b; c < e; ++c) {
      auto rng = ctx.Rng(fmt::format("mmm-chain-{}", c));
      Eigen::VectorXd init = dens.InitialPoint(rng);
      Eigen::VectorXd g(dim);
      for (int tries = 0; tries < 100 && !std::isfinite(dens.LogDensity(init, &g)); ++tries)
        init = dens.InitialPoint(rng);
      init = ClimbToMode(dens, init);
      res[c] = RunNuts(f, init, no, rng, [&](int) {
        int64_t d = ++done;
        if (tid == 0) progress.Set(uint64_t(d));
      });
    }
  });
  progress.Finish();
  m.chains = chains;
  m.draws.resize(int64_t(chains) * no.draws, dim);
  int divergences = 0;
  int64_t gradients = 0;
  double depth = 0;
  for (int c = 0; c < chains; ++c) {
    gradients += res[c].gradients;
    depth += res[c].mean_depth / chains;
    m.draws.middleRows(int64_t(c) * no.draws, no.draws) = res[c].draws;
    divergences += res[c].divergences;
    ctx.log().debug("chain {}: step {:.4f} accept {:.3f} depth {:.2f} gradients {} divergences {}", c, res[c].step_size,
                    res[c].mean_accept, res[c].mean_depth, res[c].gradients, res[c].divergences);
  }
  if (report) {
    *report = Summarize(m, ctx);
    report->divergences = divergences;
    report->gradients = gradients;
    report->mean_tree_depth = depth;
    if (divergences)
      report->warnings.push_back(
          fmt::format("{} divergent transitions after warmup: the posterior may be biased; "
                      "raise target_accept",
                      divergences));
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& w : report->warnings) ctx.log().warn("{}", w);
  }
  return m;
}

MmmReport Summarize(const MmmModel& m, const Context& ctx) {
  (void)ctx;
  MmmDensity dens(m);
  MmmReport r;
  r.repairs = m.data.repairs;
  const int n = m.data.rows(), T = m.train_rows, C = NumChannels(m), dim = dens.dim();
  const int D = int(m.draws.rows());
  r.chains = m.chains;
  r.draws = D;
  // Diagnostics over all draws, per parameter, on the natural scale.
  const int per_chain = D / std::max(1, m.chains);
  for (int i = 0; i < dim; ++i) {
    std::vector<std::vector<double>> ch(m.chains, std::vector<double>(per_chain));
    std::vector<double> all;
    for (int c = 0; c < m.chains; ++c)
      for (int k = 0; k < per_chain; ++k) {
        double v = dens.NaturalValue(m.draws.row(int64_t(c) * per_chain + k).transpose(), i);
        ch[c][k] = v;
        all.push_back(v);
      }
    ParamSummary p;
    p.name = m.param_names[i];
    Interval iv = Summ(all);
    p.mean = iv.mean;
    p.q05 = iv.low;
    p.q95 = iv.high;
    double ss = 0;
    for (double v : all) ss += (v - p.mean) * (v - p.mean);
    p.sd = all.size() > 1 ? std::sqrt(ss / double(all.size() - 1)) : 0;
    p.rhat = SplitRhat(ch);
    p.ess_bulk = EssBulk(ch);
    if (std::isfinite(p.rhat)) r.rhat_max = std::max(r.rhat_max, p.rhat);
    if (std::isfinite(p.ess_bulk)) r.ess_min = i == 0 ? p.ess_bulk : std::min(r.ess_min, p.ess_bulk);
    r.params.push_back(p);
  }
  std::vector<std::string> bad_rhat, bad_ess;
  for (const auto& p : r.params) {
    if (p.rhat > m.options.rhat_warn) bad_rhat.push_back(fmt::format("{} ({:.3f})", p.name, p.rhat));
    if (p.ess_bulk < m.options.ess_warn) bad_ess.push_back(fmt::format("{} ({:.0f})", p.name, p.ess_bulk));
  }
  if (!bad_rhat.empty())
    r.warnings.push_back(fmt::format("R-hat above {} (chains disagree; run more warmup/draws or tighten priors): {}",
                                     m.options.rhat_warn, fmt::join(bad_rhat, ", ")));
  if (!bad_ess.empty())
    r.warnings.push_back(
        fmt::format("bulk ESS below {} (intervals are noisy): {}", m.options.ess_warn, fmt::join(bad_ess, ", ")));

  // Summaries on at most 1000 evenly spaced draws.
  const int S = std::min(D, 1000);
  std::vector<int> idx(S);
  for (int s = 0; s < S; ++s) idx[s] = int(int64_t(s) * D / S);
  std::vector<double> spend_total(C), max_spend(C);
  for (int c = 0; c < C; ++c) {
    spend_total[c] = m.data.spend.col(c).head(T).sum();
    max_spend[c] = m.data.spend.col(c).maxCoeff();
  }
  const int G = 41;
  std::vector<std::vector<double>> roas(C), mroas(C), contrib(C), share(C);
  std::vector<std::vector<std::vector<double>>> curve(C, std::vector<std::vector<double>>(G));
  std::vector<std::vector<double>> per_row(size_t(n) * C);
  std::vector<double> fitted(n, 0.0), baseline(n, 0.0);
  std::vector<std::vector<double>> wsum(C);
  r.channels.resize(C);
  for (int c = 0; c < C; ++c) {
    auto& cs = r.channels[c];
    cs.name = m.data.channels[c];
    cs.adstock = m.options.channel_specs[c].adstock;
    cs.saturation = m.options.channel_specs[c].saturation;
    cs.spend = spend_total[c];
    for (int g = 0; g < G; ++g) cs.curve_spend.push_back(1.5 * max_spend[c] * g / (G - 1));
    wsum[c].assign(m.options.channel_specs[c].max_lag, 0.0);
  }
  Eigen::VectorXd base;
  Eigen::MatrixXd con;
  std::vector<double> w, a(n);
  for (int s : idx) {
    Eigen::VectorXd q = m.draws.row(s).transpose();
    dens.Predict(q, base, con);
    double media_total = 0;
    std::vector<double> tot(C);
    for (int c = 0; c < C; ++c) tot[c] = con.col(c).head(T).sum() * m.y_scale;
    for (int c = 0; c < C; ++c) media_total += tot[c];
    for (int t = 0; t < n; ++t) {
      baseline[t] += base[t] * m.y_scale / S;
      fitted[t] += (base[t] + con.row(t).sum()) * m.y_scale / S;
      for (int c = 0; c < C; ++c) per_row[size_t(t) * C + c].push_back(con(t, c) * m.y_scale);
    }
    for (int c = 0; c < C; ++c) {
      const ChannelSpec& spec = m.options.channel_specs[c];
      ChannelParams p = dens.Natural(q, c);
      AdstockWeights(ParseAdstock(spec.adstock), p.adstock, spec.max_lag, true, w);
      for (size_t l = 0; l < w.size(); ++l) wsum[c][l] += w[l] / S;
      std::vector<double> x(m.data.spend.col(c).data(), m.data.spend.col(c).data() + n);
      for (double& v : x) v /= m.x_scale[c];
      Convolve(x.data(), n, w, a.data());
      double dsum = 0;
      auto sk = ParseSaturation(spec.saturation);
      for (int t = 0; t < T; ++t) {
        double dsda = 0;
        Saturate(sk, a[t], p.saturation, &dsda);
        dsum += dsda * a[t];
      }
      roas[c].push_back(tot[c] / spend_total[c]);
      mroas[c].push_back(m.y_scale * p.beta * dsum / spend_total[c]);
      contrib[c].push_back(tot[c]);
      share[c].push_back(media_total > 0 ? tot[c] / media_total : 0);
      // Steady state: normalised adstock of a constant spend is that spend.
      for (int g = 0; g < G; ++g)
        curve[c][g].push_back(m.y_scale * p.beta *
                              Saturate(sk, r.channels[c].curve_spend[g] / m.x_scale[c], p.saturation));
    }
  }
  for (int c = 0; c < C; ++c) {
    auto& cs = r.channels[c];
    cs.roas = Summ(roas[c]);
    cs.mroas = Summ(mroas[c]);
    cs.contribution = Summ(contrib[c]);
    cs.contribution_share = Summ(share[c]).mean;
    cs.adstock_weights = wsum[c];
    for (int g = 0; g < G; ++g) cs.curve_kpi.push_back(Summ(curve[c][g]));
  }
  r.fitted = fitted;
  r.baseline = baseline;
  r.contrib_mean.resize(n, C);
  r.contrib_low.resize(n, C);
  r.contrib_high.resize(n, C);
  for (int t = 0; t < n; ++t)
    for (int c = 0; c < C; ++c) {
      Interval iv = Summ(per_row[size_t(t) * C + c]);
      r.contrib_mean(t, c) = iv.mean;
      r.contrib_low(t, c) = iv.low;
      r.contrib_high(t, c) = iv.high;
    }
  r.train = Quality(m.data.kpi, fitted, 0, T);
  r.holdout = Quality(m.data.kpi, fitted, T, n);
  return r;
}

}  // namespace adpilot::mmm
