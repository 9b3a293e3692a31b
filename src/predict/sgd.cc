#include <algorithm>
#include <chrono>
#include <cstring>
#include <future>
#include <limits>

#include "adpilot/collective.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/metrics.h"
#include "adpilot/parallel.h"
#include "adpilot/progress.h"
#include "predict/model_util.h"

namespace adpilot::predict {

void ScoreSource(const Model& m, ExampleSource& src, const Context& ctx, std::vector<float>& pred,
                 std::vector<float>& label, std::vector<float>& weight, bool raw) {
  pred.clear();
  label.clear();
  weight.clear();
  src.Rewind();
  std::vector<Example> batch;
  std::vector<double> margin;
  while (size_t n = src.Next(batch, 65536)) {
    margin.resize(n);
    m.MarginBatch(std::span<const Example>(batch.data(), n), margin, ctx);
    const Calibrator& cal = m.calibrator();
    bool apply = !raw && cal.kind() != Calibrator::Kind::kNone;
    for (size_t i = 0; i < n; ++i) {
      double p = Sigmoid(margin[i]);
      pred.push_back(float(apply ? cal.Apply(p) : p));
      label.push_back(batch[i].label);
      weight.push_back(batch[i].weight);
    }
  }
  // All-ones weights are dropped so metrics take their unweighted fast path.
  if (std::all_of(weight.begin(), weight.end(), [](float w) { return w == 1.0f; })) weight.clear();
}

void GatherScores(const Context& ctx, std::vector<float>& pred, std::vector<float>& label, std::vector<float>& weight) {
  const Collective& comm = ctx.comm();
  if (!comm.distributed()) return;
  auto bytes = [](const std::vector<float>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  };
  // One rank's weights may all be ones (dropped) while another's are not.
  double weighted = weight.empty() ? 0 : 1;
  comm.AllreduceMax(std::span<double>(&weighted, 1));
  if (weighted > 0 && weight.empty()) weight.assign(pred.size(), 1.0f);
  auto gather = [&](std::vector<float>& v) {
    auto all = comm.Allgather(bytes(v));
    v.clear();
    for (const auto& b : all) {
      size_t n = b.size() / sizeof(float), at = v.size();
      v.resize(at + n);
      std::memcpy(v.data() + at, b.data(), n * sizeof(float));
    }
  };
  gather(pred);
  gather(label);
  if (weighted > 0) gather(weight);
}

// Model averaging (docs/distributed.md): every rank's parameters, weighted by
// the rows it trained since the last sync, replace each rank's own. The same
// allreduce tells whether any rank has rows left in this pass.
bool SgdModel::SyncRanks(const Context& ctx, uint64_t since, bool more) {
  const Collective& comm = ctx.comm();
  double head[2] = {double(since), more ? 1.0 : 0.0};
  comm.AllreduceSum(std::span<double>(head, 2));
  if (head[0] > 0) {
    auto p = Parameters();
    float share = float(double(since) / head[0]);
    for (auto& x : p) x *= share;
    comm.AllreduceSum(p);
  }
  return head[1] > 0;
}

TrainReport SgdModel::DoTrain(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx) {
  TrainReport r;
  int epochs = cfg.online ? 1 : cfg.epochs;
  int threads = std::max(1, ctx.threads);
  size_t chunk = size_t(std::max(1, cfg.batch)) * size_t(threads);
  const Collective& comm = ctx.comm();
  const bool dist = comm.distributed();
  // Rows per rank between syncs (0: at the end of each pass only); a chunk
  // never straddles a sync, so the count is at least one chunk.
  const uint64_t sync_every = cfg.sync_every;
  EarlyStopping stop(valid, cfg);
  std::vector<float> snapshot;
  std::vector<Example> cur, next;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    train.Rewind();
    Progress prog(ctx, fmt::format("{} epoch {}", name(), epoch), train.rows_hint(), "rows");
    std::vector<double> loss(threads, 0.0);
    uint64_t rows = 0, since = 0;
    size_t n = train.Next(cur, chunk);
    for (;;) {
      if (n > 0) {
        // Parse the next batch while this one trains: the reader is single-threaded.
        auto fut = std::async(std::launch::async, [&] { return train.Next(next, chunk); });
        try {
          ParallelFor(threads, n, [&](size_t b, size_t e, int t) {
            double l = 0;
            for (size_t i = b; i < e; ++i) {
              if (i + 1 < e) Prefetch(cur[i + 1]);
              l += Step(cur[i]);
            }
            loss[t] += l;
          });
        } catch (...) {
          fut.wait();
          throw;
        }
        rows += n;
        since += n;
        prog.Add(n);
        n = fut.get();
        std::swap(cur, next);
        if (!dist || (n > 0 && (sync_every == 0 || since < sync_every))) continue;
      }
      if (!dist) break;
      // A rank whose shard is done still joins the syncs (with weight 0)
      // until every rank's is.
      bool more = SyncRanks(ctx, since, n > 0);
      since = 0;
      if (!more) break;
    }
    prog.Finish();
    AfterPass(epoch, train, ctx);
    double tl = 0;
    for (double l : loss) tl += l;
    double sums[2] = {tl, double(rows)};
    comm.AllreduceSum(std::span<double>(sums, 2));
    tl = sums[0];
    rows = uint64_t(sums[1]);
    if (epoch == 1) r.train_rows = rows;
    r.examples_seen += rows;
    EpochReport er;
    er.epoch = epoch;
    er.train_logloss = rows ? tl / double(rows) : NAN;
    r.epochs_run = epoch;
    r.best_epoch = epoch;
    stop.Score(*this, ctx, er);
    er.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx.log().info("{} epoch {}: train logloss {:.5f}, valid logloss {:.5f}, valid auc {:.5f} ({:.2f}s)", name(), epoch,
                   er.train_logloss, er.valid_logloss, er.valid_auc, er.seconds);
    r.epochs.push_back(er);
    if (!stop.active()) continue;
    auto verdict = stop.Update(er.valid_logloss);
    if (verdict == EarlyStopping::Verdict::kImproved) {
      if (epoch < epochs) {
        auto p = Parameters();
        snapshot.assign(p.begin(), p.end());
      } else {
        snapshot.clear();
      }
    } else if (verdict == EarlyStopping::Verdict::kStop) {
      r.stopped_early = true;
      break;
    }
  }
  // Roll back to the epoch with the best validation loss.
  if (stop.active() && !snapshot.empty() && r.epochs.back().valid_logloss > stop.best()) {
    auto p = Parameters();
    std::copy(snapshot.begin(), snapshot.end(), p.begin());
    EarlyStopping::MarkBestEpoch(r, stop.best());
  }
  return r;
}

void EarlyStopping::Score(const Model& m, const Context& ctx, EpochReport& er) const {
  if (!active_) return;
  std::vector<float> p, y, w;
  ScoreSource(m, *valid_, ctx, p, y, w, true);
  // Each rank holds a shard of the validation set: the verdict is taken on
  // all of it, identically on every rank.
  GatherScores(ctx, p, y, w);
  er.valid_logloss = LogLoss(p, y, w);
  er.valid_auc = Auc(p, y, w);
}

EarlyStopping::Verdict EarlyStopping::Update(double valid_logloss) {
  if (valid_logloss < best_) {
    best_ = valid_logloss;
    bad_ = 0;
    return Verdict::kImproved;
  }
  return ++bad_ >= patience_ ? Verdict::kStop : Verdict::kWorse;
}

void EarlyStopping::MarkBestEpoch(TrainReport& r, double best) {
  for (const auto& e : r.epochs)
    if (e.valid_logloss == best) r.best_epoch = e.epoch;
}

std::string SaveFloats(const std::vector<float>& v) {
  std::string out;
  uint64_t n = v.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  return out;
}

void LoadFloats(std::string_view bytes, std::vector<float>& v, size_t expected, const char* what) {
  uint64_t n = 0;
  if (bytes.size() < sizeof n)
    Throw(ErrorCode::kCorruption, "{} state: {} bytes, too short for its header", what, bytes.size());
  std::memcpy(&n, bytes.data(), sizeof n);
  if (n != expected || bytes.size() != sizeof n + n * sizeof(float))
    Throw(ErrorCode::kCorruption, "{} state: {} parameters in {} bytes, the config implies {}", what, n, bytes.size(),
          expected);
  v.resize(n);
  std::memcpy(v.data(), bytes.data() + sizeof n, n * sizeof(float));
}

Explanation MakeExplanation(const Model& m, double bias, std::vector<double> per_field) {
  Explanation ex;
  ex.bias = bias;
  ex.margin = bias;
  const auto& names = m.hasher().field_names();
  for (size_t f = 0; f < per_field.size(); ++f) {
    if (per_field[f] == 0) continue;
    ex.margin += per_field[f];
    ex.fields.push_back({uint32_t(f), f < names.size() ? names[f] : "(other)", per_field[f]});
  }
  std::sort(ex.fields.begin(), ex.fields.end(),
            [](const auto& a, const auto& b) { return std::abs(a.value) > std::abs(b.value); });
  double p = Sigmoid(ex.margin);
  ex.probability = m.calibrator().kind() == Calibrator::Kind::kNone ? p : m.calibrator().Apply(p);
  return ex;
}

}  // namespace adpilot::predict
