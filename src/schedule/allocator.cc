// Channel budget allocation: SLSQP (NLopt) on the separable expected response,
// started from the current and the equal split; KKT (equal marginal ROAS off
// the bounds) holds at the answer and is reported.
#include "adpilot/allocator.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <nlopt.h>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/mmm.h"
#include "schedule/allocation_bounds.h"
#include "schedule/diagnostics.h"
#include "schedule/mmm_density.h"

namespace adpilot::mmm {
namespace {

class MmmResponse : public ResponseModel {
 public:
  // periods == 0: steady state, the limit of a long horizon: the normalised adstock
  // of a constant spend is that spend, so each period's response is the saturation
  // curve at it (the definition truth.json's oracle uses).
  MmmResponse(const MmmModel& m, int periods, int max_draws) : m_(m), N_(std::max(1, periods)) {
    const bool steady = periods == 0;
    const int C = NumChannels(m), D = int(m.draws.rows()), n = m.data.rows();
    const int S = std::max(1, std::min(D, max_draws));
    ch_.resize(C);
    MmmDensity dens(m);
    for (int c = 0; c < C; ++c) {
      const ChannelSpec& spec = m.options.channel_specs[c];
      Chan& ch = ch_[c];
      ch.sat = ParseSaturation(spec.saturation);
      ch.P = steady ? 1 : N_ + spec.max_lag - 1;
      ch.x_scale = m.x_scale[c];
      for (int s = 0; s < S; ++s) {
        int d = int(int64_t(s) * D / S);
        ChannelParams p = dens.Natural(m.draws.row(d).transpose(), c);
        std::vector<double> w;
        AdstockWeights(ParseAdstock(spec.adstock), p.adstock, spec.max_lag, true, w);
        const int L = int(w.size());
        Draw dr;
        dr.beta = p.beta * m.y_scale;
        dr.sat[0] = p.saturation[0];
        dr.sat[1] = p.saturation[1];
        for (int per = 0; per < ch.P; ++per) {
          if (steady) {
            dr.W.push_back(1.0 / ch.x_scale);
            dr.H.push_back(0.0);
            continue;
          }
          double W = 0, H = 0;
          for (int l = 0; l < L; ++l) {
            int src = per - l;  // future period whose spend reaches `per` at lag l
            if (src >= 0 && src < N_) W += w[l];
            else if (src < 0 && n + src >= 0) H += w[l] * m.data.spend(n + src, c) / ch.x_scale;
          }
          dr.W.push_back(W / ch.x_scale);
          dr.H.push_back(H);
          dr.base += Saturate(ch.sat, H, dr.sat);
        }
        ch.draws.push_back(std::move(dr));
      }
    }
  }

  int channels() const override { return int(ch_.size()); }
  std::string name(int c) const override { return m_.data.channels[c]; }
  int draws() const override { return int(ch_[0].draws.size()); }

  double DrawValue(int d, int c, double s, double* deriv) const override {
    return Eval(ch_[c], ch_[c].draws[d], s, deriv);
  }

  double Value(int c, double s, double* deriv) const override {
    const Chan& ch = ch_[c];
    double v = 0, g = 0;
    for (const Draw& dr : ch.draws) {
      double gd = 0;
      v += Eval(ch, dr, s, deriv ? &gd : nullptr);
      g += gd;
    }
    const double D = double(ch.draws.size());
    if (deriv) *deriv = g / D;
    return v / D;
  }

 private:
  struct Draw {
    double beta = 0, sat[2] = {0, 0}, base = 0;  // base: response to history alone
    std::vector<double> W, H;
  };
  struct Chan {
    SaturationKind sat;
    int P = 0;
    double x_scale = 1;
    std::vector<Draw> draws;
  };
  // Incremental KPI per period caused by spend s per period over the horizon.
  double Eval(const Chan& ch, const Draw& dr, double s, double* deriv) const {
    double v = 0, g = 0;
    for (int p = 0; p < ch.P; ++p) {
      double dsda;
      v += Saturate(ch.sat, dr.W[p] * s + dr.H[p], dr.sat, deriv ? &dsda : nullptr);
      if (deriv) g += dsda * dr.W[p];
    }
    if (deriv) *deriv = dr.beta * g / N_;
    return dr.beta * (v - dr.base) / N_;
  }

  const MmmModel& m_;
  int N_;
  std::vector<Chan> ch_;
};

// Euclidean-style projection: shift every channel by the same amount, clipped to its bounds.
std::vector<double> Project(const std::vector<double>& s0, double B, const std::vector<double>& lo,
                            const std::vector<double>& hi) {
  auto total = [&](double nu) {
    double t = 0;
    for (size_t c = 0; c < s0.size(); ++c) t += std::clamp(s0[c] + nu, lo[c], hi[c]);
    return t;
  };
  double a = -B - 1, b = B + 1;
  for (double v : s0) a = std::min(a, -std::fabs(v) - B - 1), b = std::max(b, std::fabs(v) + B + 1);
  for (int it = 0; it < 200; ++it) {
    double mid = 0.5 * (a + b);
    (total(mid) < B ? a : b) = mid;
  }
  std::vector<double> s(s0.size());
  for (size_t c = 0; c < s0.size(); ++c) s[c] = std::clamp(s0[c] + 0.5 * (a + b), lo[c], hi[c]);
  return s;
}

// Risk-aware objective: the uplift over the current split, U_d = sum_c f_dc(s_c) -
// base_d, under each posterior draw d; returns mean(U) - k sd(U) and its gradient
// in spend units. At the current split every U_d is 0, so moving away from it pays
// only in directions where the posterior agrees that it pays (sd grows linearly
// with the step, like the mean), which shrinks the answer towards the current
// split exactly where the curves are uncertain.
double RiskValue(const ResponseModel& r, const std::vector<double>& s, const std::vector<double>& base, double k,
                 double eps2, std::vector<double>* grad) {
  const int C = r.channels(), D = r.draws();
  std::vector<double> u(base.size());
  std::vector<double> g(grad ? size_t(D) * C : 0);
  double mean = 0;
  for (int d = 0; d < D; ++d) {
    double v = -base[d];
    for (int c = 0; c < C; ++c) v += r.DrawValue(d, c, s[c], grad ? &g[size_t(d) * C + c] : nullptr);
    u[d] = v;
    mean += v / D;
  }
  double var = 0;
  for (double v : u) var += (v - mean) * (v - mean) / D;
  const double sd = std::sqrt(var + eps2);
  if (grad) {
    grad->assign(C, 0.0);
    for (int d = 0; d < D; ++d)
      for (int c = 0; c < C; ++c) (*grad)[c] += g[size_t(d) * C + c] * (1.0 - k * (u[d] - mean) / sd) / D;
  }
  return mean - k * sd;
}

struct NloptData {
  const ResponseModel* r;
  double budget, scale;
  double risk = 0, eps2 = 0;
  std::vector<double> base;  // per draw: the current split's KPI (risk-aware objective only)
};

double Objective(unsigned n, const double* x, double* grad, void* data) {
  auto* d = static_cast<NloptData*>(data);
  if (d->risk > 0) {
    std::vector<double> s(n), g;
    for (unsigned c = 0; c < n; ++c) s[c] = std::max(0.0, x[c]) * d->budget;
    double f = RiskValue(*d->r, s, d->base, d->risk, d->eps2, grad ? &g : nullptr);
    if (grad)
      for (unsigned c = 0; c < n; ++c) grad[c] = g[c] * d->budget / d->scale;
    return f / d->scale;
  }
  double f = 0;
  for (unsigned c = 0; c < n; ++c) {
    double g = 0;
    f += d->r->Value(int(c), std::max(0.0, x[c]) * d->budget, grad ? &g : nullptr);
    if (grad) grad[c] = g * d->budget / d->scale;
  }
  return f / d->scale;
}

double SumConstraint(unsigned n, const double* x, double* grad, void*) {
  double s = -1;
  for (unsigned c = 0; c < n; ++c) {
    s += x[c];
    if (grad) grad[c] = 1;
  }
  return s;
}

// Fills what the model says of a.spend: per-channel KPI and marginal ROAS, the
// bounds that bind, the expected and current KPI, and the uplift's 90% interval
// over the posterior draws.
void Summarise(const ResponseModel& r, Allocation& best) {
  const int C = r.channels();
  best.channels.clear();
  best.kpi.clear();
  best.marginal_roas.clear();
  best.at_bound.clear();
  for (int c = 0; c < C; ++c) {
    best.channels.push_back(r.name(c));
    double d = 0;
    best.kpi.push_back(r.Value(c, best.spend[c], &d));
    best.marginal_roas.push_back(d);
    double tol = 1e-7 * best.budget;
    best.at_bound.push_back(best.spend[c] <= best.lo[c] + tol || best.spend[c] >= best.hi[c] - tol);
  }
  best.expected_kpi = 0;
  for (double v : best.kpi) best.expected_kpi += v;
  best.current_kpi = 0;
  for (int c = 0; c < C; ++c) best.current_kpi += r.Value(c, best.current[c]);
  if (r.draws() > 0) {
    std::vector<double> up;
    for (int d = 0; d < r.draws(); ++d) {
      double u = 0;
      for (int c = 0; c < C; ++c) u += r.DrawValue(d, c, best.spend[c]) - r.DrawValue(d, c, best.current[c]);
      up.push_back(u);
    }
    best.uplift_low = Quantile(up, 0.05);
    best.uplift_high = Quantile(up, 0.95);
  }
  best.uplift = best.expected_kpi - best.current_kpi;
}

}  // namespace

std::unique_ptr<ResponseModel> MakeMmmResponse(const MmmModel& m, int periods, int max_draws) {
  return std::make_unique<MmmResponse>(m, periods, max_draws);
}

Allocation OptimizeSplit(const ResponseModel& r, double B, const std::vector<double>& lo, const std::vector<double>& hi,
                         const std::vector<double>& current, double risk_aversion) {
  const int C = r.channels();
  double sum_lo = 0, sum_hi = 0;
  for (int c = 0; c < C; ++c) {
    if (lo[c] > hi[c])
      Throw(ErrorCode::kInvalidArgument, "channel '{}': lower bound {} above upper bound {}", r.name(c), lo[c], hi[c]);
    sum_lo += lo[c];
    sum_hi += hi[c];
  }
  if (!(B > 0)) Throw(ErrorCode::kInvalidArgument, "budget must be positive, got {}", B);
  if (sum_lo > B * (1 + 1e-12) || sum_hi < B * (1 - 1e-12))
    Throw(ErrorCode::kInvalidArgument, "budget {} is outside what the bounds allow [{}, {}]", B, sum_lo, sum_hi);
  Allocation best;
  double best_f = -INFINITY;
  std::vector<std::vector<double>> starts{current, std::vector<double>(C, B / C)};
  NloptData data{&r, B, 1.0, 0, 0, {}};
  {
    double f0 = 0;
    for (int c = 0; c < C; ++c) f0 += std::fabs(r.Value(c, B / C));
    data.scale = f0 > 0 ? f0 : 1.0;
  }
  const bool risk = risk_aversion > 0;
  if (risk) {
    if (r.draws() < 2) Throw(ErrorCode::kInvalidArgument, "a risk-aware allocation needs posterior draws");
    data.risk = risk_aversion;
    data.eps2 = 1e-18 * data.scale * data.scale;  // keeps sd differentiable at the current split
    data.base.assign(r.draws(), 0.0);
    for (int d = 0; d < r.draws(); ++d)
      for (int c = 0; c < C; ++c) data.base[d] += r.DrawValue(d, c, current[c]);
  }
  std::vector<double> xlo(C), xhi(C);
  for (int c = 0; c < C; ++c) {
    xlo[c] = lo[c] / B;
    xhi[c] = std::isfinite(hi[c]) ? hi[c] / B : 1.0 + 1e-9;
    xhi[c] = std::min(xhi[c], 1.0 + 1e-9);
  }
  for (const auto& s0 : starts) {
    std::vector<double> s = Project(s0, B, lo, hi), x(C);
    for (int c = 0; c < C; ++c) x[c] = std::clamp(s[c] / B, xlo[c], xhi[c]);
    nlopt_opt opt = nlopt_create(NLOPT_LD_SLSQP, unsigned(C));
    nlopt_set_lower_bounds(opt, xlo.data());
    nlopt_set_upper_bounds(opt, xhi.data());
    nlopt_set_max_objective(opt, Objective, &data);
    nlopt_add_equality_constraint(opt, SumConstraint, nullptr, 1e-12);
    nlopt_set_xtol_rel(opt, 1e-12);
    nlopt_set_ftol_rel(opt, 1e-15);
    nlopt_set_maxeval(opt, 500);
    auto consider = [&](const std::vector<double>& cand) {
      double val = 0;
      if (risk) val = RiskValue(r, cand, data.base, risk_aversion, data.eps2, nullptr);
      else
        for (int c = 0; c < C; ++c) val += r.Value(c, cand[c]);
      if (std::isfinite(val) && val > best_f) {
        best_f = val;
        best.spend = cand;
      }
    };
    consider(s);  // the projected start itself: the answer is never worse than it
    double f = 0;
    nlopt_optimize(opt, x.data(), &f);
    nlopt_destroy(opt);
    // SLSQP can stop with a generic failure when a curve is vertical at zero spend (Hill with
    // gamma < 1 in steady state, where no history lifts the adstock off zero); its last point
    // is still a candidate, compared on the objective like every other.
    bool finite = true;
    for (int c = 0; c < C; ++c) finite = finite && std::isfinite(x[c]);
    if (!finite) continue;
    for (int c = 0; c < C; ++c) s[c] = x[c] * B;
    consider(Project(s, B, lo, hi));  // exact feasibility after the solver's tolerance
  }
  if (best.spend.empty()) Throw(ErrorCode::kInternal, "the allocator found no feasible solution");
  best.budget = B;
  best.lo = lo;
  best.hi = hi;
  best.current = current;
  best.method = "slsqp";
  best.risk_aversion = std::max(0.0, risk_aversion);
  if (risk) RiskValue(r, best.spend, data.base, risk_aversion, data.eps2, &best.risk_marginal);
  Summarise(r, best);
  return best;
}

double ShrinkTowardsCurrent(const ResponseModel& r, Allocation& a, double q) {
  const int C = r.channels(), D = r.draws();
  if (D < 2 || !(q > 0 && q < 0.5))
    Throw(ErrorCode::kInvalidArgument, "shrinkage needs posterior draws and 0 < q < 0.5");
  std::vector<double> start = Project(a.current, a.budget, a.lo, a.hi), base(D, 0.0), u(D);
  for (int d = 0; d < D; ++d)
    for (int c = 0; c < C; ++c) base[d] += r.DrawValue(d, c, a.current[c]);
  const std::vector<double> target = a.spend;
  auto at = [&](double t) {
    std::vector<double> s(C);
    for (int c = 0; c < C; ++c) s[c] = start[c] + t * (target[c] - start[c]);
    return s;
  };
  auto lower = [&](double t) {
    std::vector<double> s = at(t);
    for (int d = 0; d < D; ++d) {
      u[d] = -base[d];
      for (int c = 0; c < C; ++c) u[d] += r.DrawValue(d, c, s[c]);
    }
    return Quantile(u, q);
  };
  // The quantile is not smooth in t (the draw at the quantile changes), so a grid
  // finds the best step and golden-section search refines it inside its cell.
  const int G = 100;
  int best_i = 0;
  double best_v = lower(0);
  for (int i = 1; i <= G; ++i) {
    double v = lower(double(i) / G);
    if (v > best_v) best_v = v, best_i = i;
  }
  double lo = std::max(0.0, (best_i - 1.0) / G), hi = std::min(1.0, (best_i + 1.0) / G), best_t = double(best_i) / G;
  const double phi = 0.5 * (std::sqrt(5.0) - 1);
  for (int it = 0; it < 30; ++it) {
    double x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo);
    double f1 = lower(x1), f2 = lower(x2);
    if (f1 > best_v) best_v = f1, best_t = x1;
    if (f2 > best_v) best_v = f2, best_t = x2;
    (f1 >= f2 ? hi : lo) = f1 >= f2 ? x2 : x1;
  }
  a.unshrunk_spend = target;
  a.unshrunk_uplift = a.uplift;
  a.shrink_quantile = q;
  a.shrink = best_t;
  a.spend = at(best_t);
  Summarise(r, a);
  return best_t;
}

Allocation Allocate(const MmmModel& m, const AllocateOptions& o, const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  const int C = NumChannels(m), n = m.data.rows();
  int max_lag = 1;
  for (const auto& s : m.options.channel_specs) max_lag = std::max(max_lag, s.max_lag);
  const int periods = o.steady_state ? 0 : o.periods > 0 ? o.periods : std::max(4, 2 * max_lag);
  auto resp = MakeMmmResponse(m, periods, o.max_draws);
  std::vector<double> cur(C, 0.0);
  const int k = std::max(1, std::min(o.current_rows, n));
  double cur_total = 0;
  for (int c = 0; c < C; ++c) {
    cur[c] = m.data.spend.col(c).tail(k).mean();
    cur_total += cur[c];
  }
  std::vector<double> obs_lo, obs_hi;
  if (o.guard) ObservedSpendRange(m, o.guard_quantile, o.max_draws, obs_lo, obs_hi);
  SplitBounds last;
  auto solve = [&](double B) {
    std::vector<double> scaled(C);
    for (int c = 0; c < C; ++c) scaled[c] = cur_total > 0 ? cur[c] * B / cur_total : B / C;
    last = BuildBounds(m, o, scaled, B, obs_lo, obs_hi);
    Allocation x = OptimizeSplit(*resp, B, last.lo, last.hi, scaled, o.risk_aversion);
    if (o.shrink && o.risk_aversion <= 0 && resp->draws() >= 2) ShrinkTowardsCurrent(*resp, x, o.shrink_quantile);
    return x;
  };
  Allocation a;
  if (o.target_roas > 0 || o.target_kpi > 0) {
    // Optimal expected KPI grows with budget and its ROAS falls (concave curves): bisect the budget.
    double lo_b = std::max(1e-9, cur_total) * 1e-3, hi_b = std::max(1e-9, cur_total) * 10;
    auto ok = [&](const Allocation& x) {
      return o.target_roas > 0 ? x.expected_kpi / x.budget >= o.target_roas : x.expected_kpi >= o.target_kpi;
    };
    if (o.target_kpi > 0 && !ok(solve(hi_b)))
      Throw(ErrorCode::kInvalidArgument, "target KPI {} is not reached even at 10x the current spend", o.target_kpi);
    if (o.target_roas > 0 && !ok(solve(lo_b)))
      Throw(ErrorCode::kInvalidArgument, "target ROAS {} is above the best ROAS any budget reaches", o.target_roas);
    for (int it = 0; it < 40; ++it) {
      double mid = std::sqrt(lo_b * hi_b);
      bool good = ok(solve(mid));
      if (o.target_roas > 0) (good ? lo_b : hi_b) = mid;
      else (good ? hi_b : lo_b) = mid;
    }
    a = solve(o.target_roas > 0 ? lo_b : hi_b);
  } else {
    a = solve(o.budget > 0 ? o.budget : cur_total);
  }
  a.periods = periods;
  a.bound_source = last.source;
  a.objective_draws = a.interval_draws = resp->draws();
  // The split is chosen on max_draws of the draws; its figures are read from every
  // posterior draw, most of which the choice never saw, so the interval is not the
  // one the optimiser and the shrinkage picked for looking good.
  if (int(m.draws.rows()) > resp->draws()) {
    auto all = MakeMmmResponse(m, periods, int(m.draws.rows()));
    a.interval_draws = all->draws();
    Summarise(*all, a);
  }
  if (o.guard) {
    a.guard_quantile = o.guard_quantile;
    a.observed_lo = obs_lo;
    a.observed_hi = obs_hi;
    a.guard_widen_lo = last.widen_lo;
    a.guard_widen_hi = last.widen_hi;
  }
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ctx.log().info("allocated {:.6g} per period over {} periods: expected KPI {:.6g} vs {:.6g} now", a.budget, periods,
                 a.expected_kpi, a.current_kpi);
  return a;
}

}  // namespace adpilot::mmm
