#include "schedule/nuts.h"

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "adpilot/error.h"

namespace adpilot::mmm {
namespace {

using Eigen::VectorXd;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxDeltaH = 1000;

double LogSumExp(double a, double b) {
  if (a == -kInf) return b;
  if (b == -kInf) return a;
  double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

struct Point {
  VectorXd q, p, grad;
  double logp = 0;
};

class Sampler {
 public:
  Sampler(const LogDensityFn& f, int dim, std::mt19937_64& rng) : f_(f), rng_(rng), minv_(VectorXd::Ones(dim)) {}

  // Inverse metric: diagonal (minv_) or dense (cov_, with Cholesky factor chol_).
  void SetDense(const Eigen::MatrixXd& cov) {
    cov_ = cov;
    chol_ = cov.llt().matrixL();
    dense_ = true;
  }

  void Evaluate(Point& z) {
    ++gradients_;
    z.logp = f_(z.q, z.grad);
    if (!std::isfinite(z.logp)) z.logp = -kInf;
  }
  VectorXd Velocity(const VectorXd& p) const {
    if (dense_) return cov_ * p;
    return (minv_.array() * p.array()).matrix();
  }
  double H(const Point& z) const { return -z.logp + 0.5 * z.p.dot(Velocity(z.p)); }
  VectorXd Sharp(const Point& z) const { return Velocity(z.p); }
  void SampleMomentum(Point& z) {
    if (dense_) {
      // p ~ N(0, cov^-1): solve L^T p = e with cov = L L^T.
      VectorXd e(z.p.size());
      for (int i = 0; i < e.size(); ++i) e[i] = normal_(rng_);
      z.p = chol_.transpose().triangularView<Eigen::Upper>().solve(e);
      return;
    }
    for (int i = 0; i < z.p.size(); ++i) z.p[i] = normal_(rng_) / std::sqrt(minv_[i]);
  }
  void Leapfrog(Point& z, double eps) {
    z.p += 0.5 * eps * z.grad;
    z.q += eps * Velocity(z.p);
    Evaluate(z);
    if (z.logp == -kInf) return;
    z.p += 0.5 * eps * z.grad;
  }
  double Uniform() { return unif_(rng_); }

  static bool Criterion(const VectorXd& ps_minus, const VectorXd& ps_plus, const VectorXd& rho) {
    return ps_plus.dot(rho) > 0 && ps_minus.dot(rho) > 0;
  }

  bool BuildTree(int depth, Point& z, Point& z_propose, VectorXd& ps_beg, VectorXd& ps_end, VectorXd& rho,
                 VectorXd& p_beg, VectorXd& p_end, double H0, double sign, double& log_sum_weight, double& sum_metro) {
    if (depth == 0) {
      Leapfrog(z, sign * eps_);
      ++n_leapfrog_;
      double h = z.logp == -kInf ? kInf : H(z);
      if (std::isnan(h)) h = kInf;
      if (h - H0 > kMaxDeltaH) divergent_ = true;
      log_sum_weight = LogSumExp(log_sum_weight, H0 - h);
      sum_metro += H0 - h > 0 ? 1.0 : std::exp(H0 - h);
      z_propose = z;
      ps_beg = Sharp(z);
      ps_end = ps_beg;
      rho += z.p;
      p_beg = z.p;
      p_end = p_beg;
      return !divergent_;
    }
    const int n = int(z.q.size());
    double lsw_init = -kInf;
    VectorXd p_init_end(n), ps_init_end(n), rho_init = VectorXd::Zero(n);
    if (!BuildTree(depth - 1, z, z_propose, ps_beg, ps_init_end, rho_init, p_beg, p_init_end, H0, sign, lsw_init,
                   sum_metro))
      return false;
    Point z_propose_final = z;
    double lsw_final = -kInf;
    VectorXd p_final_beg(n), ps_final_beg(n), rho_final = VectorXd::Zero(n);
    if (!BuildTree(depth - 1, z, z_propose_final, ps_final_beg, ps_end, rho_final, p_final_beg, p_end, H0, sign,
                   lsw_final, sum_metro))
      return false;
    double lsw_subtree = LogSumExp(lsw_init, lsw_final);
    log_sum_weight = LogSumExp(log_sum_weight, lsw_subtree);
    if (lsw_final > lsw_subtree || Uniform() < std::exp(lsw_final - lsw_subtree)) z_propose = z_propose_final;
    VectorXd rho_subtree = rho_init + rho_final;
    rho += rho_subtree;
    bool persist = Criterion(ps_beg, ps_end, rho_subtree);
    persist = persist && Criterion(ps_beg, ps_final_beg, rho_init + p_final_beg);
    persist = persist && Criterion(ps_init_end, ps_end, rho_final + p_init_end);
    return persist;
  }

  // One NUTS transition from `cur`; returns the mean Metropolis acceptance of the trajectory.
  double Transition(Point& cur) {
    Point z = cur;
    SampleMomentum(z);
    Point z_fwd = z, z_bck = z, z_sample = z, z_propose = z;
    VectorXd p_fwd_fwd = z.p, ps_fwd_fwd = Sharp(z);
    VectorXd p_fwd_bck = z.p, ps_fwd_bck = ps_fwd_fwd;
    VectorXd p_bck_fwd = z.p, ps_bck_fwd = ps_fwd_fwd;
    VectorXd p_bck_bck = z.p, ps_bck_bck = ps_fwd_fwd;
    VectorXd rho = z.p;
    double log_sum_weight = 0, H0 = H(z), sum_metro = 0;
    n_leapfrog_ = 0;
    depth_ = 0;
    divergent_ = false;
    const int n = int(z.q.size());
    while (depth_ < max_depth_) {
      VectorXd rho_fwd = VectorXd::Zero(n), rho_bck = VectorXd::Zero(n);
      bool valid;
      double lsw_subtree = -kInf;
      if (Uniform() > 0.5) {
        z = z_fwd;
        rho_bck = rho;
        p_bck_fwd = p_fwd_bck;
        ps_bck_fwd = ps_fwd_bck;
        valid = BuildTree(depth_, z, z_propose, ps_fwd_bck, ps_fwd_fwd, rho_fwd, p_fwd_bck, p_fwd_fwd, H0, 1,
                          lsw_subtree, sum_metro);
        z_fwd = z;
      } else {
        z = z_bck;
        rho_fwd = rho;
        p_fwd_bck = p_bck_fwd;
        ps_fwd_bck = ps_bck_fwd;
        valid = BuildTree(depth_, z, z_propose, ps_bck_fwd, ps_bck_bck, rho_bck, p_bck_fwd, p_bck_bck, H0, -1,
                          lsw_subtree, sum_metro);
        z_bck = z;
      }
      if (!valid) break;
      ++depth_;
      if (lsw_subtree > log_sum_weight || Uniform() < std::exp(lsw_subtree - log_sum_weight)) z_sample = z_propose;
      log_sum_weight = LogSumExp(log_sum_weight, lsw_subtree);
      rho = rho_bck + rho_fwd;
      bool persist = Criterion(ps_bck_bck, ps_fwd_fwd, rho);
      persist = persist && Criterion(ps_bck_bck, ps_fwd_bck, rho_bck + p_fwd_bck);
      persist = persist && Criterion(ps_bck_fwd, ps_fwd_fwd, rho_fwd + p_bck_fwd);
      if (!persist) break;
    }
    cur = z_sample;
    return n_leapfrog_ ? sum_metro / n_leapfrog_ : 0.0;
  }

  // Stan's heuristic: double or halve eps until one leapfrog step crosses acceptance 0.8.
  void InitStepSize(const Point& cur) {
    Point z = cur;
    SampleMomentum(z);
    double H0 = H(z);
    Leapfrog(z, eps_);
    double h = z.logp == -kInf ? kInf : H(z);
    int direction = (H0 - h > std::log(0.8)) ? 1 : -1;
    for (int it = 0; it < 100; ++it) {
      z = cur;
      SampleMomentum(z);
      H0 = H(z);
      Leapfrog(z, eps_);
      h = z.logp == -kInf ? kInf : H(z);
      if (std::isnan(h)) h = kInf;
      double delta = H0 - h;
      if (direction == 1 && !(delta > std::log(0.8))) break;
      if (direction == -1 && !(delta < std::log(0.8))) break;
      eps_ = direction == 1 ? eps_ * 2 : eps_ * 0.5;
      if (eps_ > 1e7 || eps_ < 1e-10) break;
    }
  }

  const LogDensityFn& f_;
  std::mt19937_64& rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::uniform_real_distribution<double> unif_{0.0, 1.0};
  VectorXd minv_;
  Eigen::MatrixXd cov_, chol_;
  bool dense_ = false;
  double eps_ = 0.1;
  int max_depth_ = 10, depth_ = 0, n_leapfrog_ = 0;
  bool divergent_ = false;
  int64_t gradients_ = 0;
};

// Nesterov dual averaging of log step size (Hoffman & Gelman 2014, sec. 3.2).
struct DualAveraging {
  double mu = 0, s_bar = 0, x_bar = 0, delta = 0.8;
  int counter = 0;
  void Restart(double eps) {
    mu = std::log(10 * eps);
    s_bar = x_bar = 0;
    counter = 0;
  }
  double Update(double accept) {
    ++counter;
    accept = std::min(1.0, accept);
    double eta = 1.0 / (counter + 10.0);
    s_bar = (1 - eta) * s_bar + eta * (delta - accept);
    double x = mu - s_bar * std::sqrt(double(counter)) / 0.05;
    double x_eta = std::pow(double(counter), -0.75);
    x_bar = (1 - x_eta) * x_bar + x_eta * x;
    return std::exp(x);
  }
};

}  // namespace

NutsChain RunNuts(const LogDensityFn& logp, VectorXd init, const NutsOptions& opts, std::mt19937_64& rng,
                  const std::function<void(int)>& progress) {
  const int dim = int(init.size());
  Sampler s(logp, dim, rng);
  s.max_depth_ = opts.max_depth;
  Point cur;
  cur.q = std::move(init);
  cur.p = VectorXd::Zero(dim);
  cur.grad = VectorXd::Zero(dim);
  s.Evaluate(cur);
  if (cur.logp == -kInf) Throw(ErrorCode::kInternal, "NUTS: the initial point has zero density");
  s.InitStepSize(cur);
  DualAveraging da;
  da.delta = opts.target_accept;
  da.Restart(s.eps_);

  // Stan's windows: a fast initial buffer, doubling slow windows for the metric, a terminal buffer.
  const int W = opts.warmup;
  int init_buf = 75, term_buf = 50, base_win = 25;
  if (init_buf + term_buf + base_win > W) {
    init_buf = int(0.15 * W);
    term_buf = int(0.1 * W);
    base_win = W - init_buf - term_buf;
  }
  int win_size = base_win, win_end = init_buf + base_win;
  if (win_end + 2 * win_size > W - term_buf) win_end = W - term_buf;
  VectorXd win_sum = VectorXd::Zero(dim), win_sq = VectorXd::Zero(dim);
  std::vector<VectorXd> win_draws;
  int win_n = 0;

  NutsChain out;
  out.draws.resize(opts.draws, dim);
  double acc_sum = 0, depth_sum = 0;
  for (int it = 0; it < W + opts.draws; ++it) {
    // Warmup draws are discarded: shallower trees there only slow mixing while the
    // metric is still poor, and save most of the warmup's cost.
    s.max_depth_ = it < W ? std::min(opts.max_depth, 8) : opts.max_depth;
    double accept = s.Transition(cur);
    if (it < W) {
      s.eps_ = da.Update(accept);
      if (it >= init_buf && it < W - term_buf && W >= 20) {
        win_sum += cur.q;
        win_sq += cur.q.cwiseProduct(cur.q);
        if (opts.dense) win_draws.push_back(cur.q);
        ++win_n;
        if (it + 1 == win_end) {
          VectorXd mean = win_sum / win_n;
          VectorXd var = (win_sq / win_n - mean.cwiseProduct(mean)) * (double(win_n) / std::max(1, win_n - 1));
          // Regularise towards 1e-3 as Stan does, so short windows cannot collapse the metric.
          const double w = double(win_n) / (win_n + 5.0), reg = 1e-3 * (5.0 / (win_n + 5.0));
          s.minv_ = w * var.cwiseMax(1e-12).array() + reg;
          // A dense metric needs more draws than dimensions to be worth estimating.
          if (opts.dense && win_n > 2 * dim) {
            Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(dim, dim);
            for (const auto& d : win_draws) cov += (d - mean) * (d - mean).transpose();
            cov /= double(win_n - 1);
            cov = w * cov + reg * Eigen::MatrixXd::Identity(dim, dim);
            s.SetDense(cov);
          }
          win_draws.clear();
          win_sum.setZero();
          win_sq.setZero();
          win_n = 0;
          win_size *= 2;
          win_end = it + 1 + win_size;
          if (win_end + 2 * win_size > W - term_buf) win_end = W - term_buf;
          s.InitStepSize(cur);
          da.Restart(s.eps_);
        }
      }
      if (it + 1 == W) s.eps_ = std::exp(da.x_bar);
    } else {
      int d = it - W;
      out.draws.row(d) = cur.q.transpose();
      if (s.divergent_) ++out.divergences;
      acc_sum += accept;
      depth_sum += s.depth_;
    }
    if (progress) progress(it);
  }
  out.step_size = s.eps_;
  out.mean_accept = opts.draws ? acc_sum / opts.draws : 0;
  out.mean_depth = opts.draws ? depth_sum / opts.draws : 0;
  out.gradients = s.gradients_;
  return out;
}

}  // namespace adpilot::mmm
