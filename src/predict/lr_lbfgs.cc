#include "predict/lr_lbfgs.h"

#include <algorithm>
#include <exception>
#include <span>

#include <nlopt.h>

#include "adpilot/collective.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/progress.h"
#include "predict/model_util.h"

namespace adpilot::predict {
namespace {

struct Problem {
  ExampleSource* train = nullptr;
  const LbfgsConfig* cfg = nullptr;
  const Context* ctx = nullptr;
  TrainReport* report = nullptr;
  nlopt_opt opt = nullptr;
  // NLopt is C: an exception may not cross it, so it waits here.
  std::exception_ptr error;
  std::vector<std::vector<double>> grads;
  std::vector<Example> batch;
};

// One pass: loss and gradient of this rank's rows, then summed over ranks.
double Evaluate(Problem& pb, const double* w, double* grad) {
  const LbfgsConfig& cfg = *pb.cfg;
  const size_t n = cfg.dim + 1;
  int threads = std::max(1, pb.ctx->threads);
  pb.grads.resize(size_t(threads));
  for (auto& g : pb.grads) g.assign(n, 0.0);
  // [0..n): gradient, n: loss, n+1: rows.
  std::vector<double> total(n + 2, 0.0);
  std::vector<double> loss(size_t(threads), 0.0);
  pb.train->Rewind();
  Progress prog(*pb.ctx, fmt::format("lr lbfgs pass {}", pb.report->epochs_run + 1), pb.train->rows_hint(), "rows");
  while (size_t m = pb.train->Next(pb.batch, 65536)) {
    ParallelFor(threads, m, [&](size_t b, size_t e, int t) {
      auto& g = pb.grads[size_t(t)];
      double l = 0;
      for (size_t i = b; i < e; ++i) {
        const Example& ex = pb.batch[i];
        double margin = w[cfg.dim];
        for (const Feature& f : ex.features) margin += w[f.index] * f.value;
        double d = (Sigmoid(margin) - ex.label) * ex.weight;
        g[cfg.dim] += d;
        for (const Feature& f : ex.features) g[f.index] += d * f.value;
        l += LogLossFromMargin(margin, ex.label) * ex.weight;
      }
      loss[size_t(t)] += l;
    });
    total[n + 1] += double(m);
    prog.Add(m);
  }
  prog.Finish();
  for (int t = 0; t < threads; ++t) {
    total[n] += loss[size_t(t)];
    const auto& g = pb.grads[size_t(t)];
    for (size_t i = 0; i < n; ++i) total[i] += g[i];
  }
  pb.ctx->comm().AllreduceSum(std::span<double>(total));
  double f = total[n];
  for (size_t i = 0; i < cfg.dim; ++i) {
    f += 0.5 * cfg.l2 * w[i] * w[i];
    total[i] += cfg.l2 * w[i];
  }
  if (grad) std::copy(total.begin(), total.begin() + long(n), grad);
  TrainReport& r = *pb.report;
  uint64_t rows = uint64_t(total[n + 1]);
  if (r.epochs_run == 0) r.train_rows = rows;
  r.examples_seen += rows;
  ++r.epochs_run;
  EpochReport er;
  er.epoch = r.epochs_run;
  er.train_logloss = rows ? total[n] / double(rows) : NAN;
  r.epochs.push_back(er);
  pb.ctx->log().info("lr lbfgs pass {}: train logloss {:.7f}, objective {:.6f}", er.epoch, er.train_logloss, f);
  return f;
}

double Objective(unsigned n, const double* w, double* grad, void* data) {
  auto& pb = *static_cast<Problem*>(data);
  try {
    return Evaluate(pb, w, grad);
  } catch (...) {
    pb.error = std::current_exception();
    nlopt_force_stop(pb.opt);
    if (grad) std::fill(grad, grad + n, 0.0);
    return HUGE_VAL;
  }
}

}  // namespace

void FitLogisticLbfgs(ExampleSource& train, const LbfgsConfig& cfg, const Context& ctx, std::vector<double>& w,
                      TrainReport& r) {
  ADP_CHECK(w.size() == cfg.dim + 1);
  Problem pb;
  pb.train = &train;
  pb.cfg = &cfg;
  pb.ctx = &ctx;
  pb.report = &r;
  nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, unsigned(w.size()));
  if (!opt) Throw(ErrorCode::kInternal, "lr lbfgs: NLopt could not create an optimiser for {} weights", w.size());
  pb.opt = opt;
  nlopt_set_min_objective(opt, Objective, &pb);
  nlopt_set_maxeval(opt, cfg.max_passes);
  nlopt_set_ftol_rel(opt, cfg.tolerance);
  double f = 0;
  nlopt_result res = nlopt_optimize(opt, w.data(), &f);
  nlopt_destroy(opt);
  if (pb.error) std::rethrow_exception(pb.error);
  if (res < 0 && res != NLOPT_ROUNDOFF_LIMITED)
    Throw(ErrorCode::kInternal, "lr lbfgs: NLopt failed ({}) after {} passes", int(res), r.epochs_run);
  r.best_epoch = r.epochs_run;
  ctx.log().info("lr lbfgs: {} after {} passes, objective {:.6f}",
                 res == NLOPT_MAXEVAL_REACHED ? "stopped at --lbfgs-passes" : "converged", r.epochs_run, f);
}

}  // namespace adpilot::predict
