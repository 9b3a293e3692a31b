// Mini-batch training of the deep models: a background loader thread turns the
// ExampleSource into tensor-ready batches while the main thread trains; Adam
// on the dense layers, row-wise sparse AdaGrad on the embedding rows a batch
// touches (one accumulator per row, as in DLRM/FBGEMM), early stopping on the
// validation logloss with the best epoch restored, and a NaN guard that stops
// training before anything can be written.
#ifdef ADPILOT_WITH_TORCH

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "adpilot/collective.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/progress.h"
#include "predict/deep/deep_model.h"
#include "predict/model_util.h"

namespace adpilot::predict::deep {
namespace {

// Produces the batches of one pass on its own thread (bounded queue of 3).
class Loader {
 public:
  Loader(const DeepModel& m, ExampleSource& src, size_t batch) : m_(m), src_(src), batch_(batch) {
    src_.Rewind();
    thread_ = std::thread([this] { Run(); });
  }
  ~Loader() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // Next batch, or nullptr at the end of the pass; rethrows a reader error.
  std::unique_ptr<Batch> Pop() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !q_.empty() || done_; });
    if (!q_.empty()) {
      auto b = std::move(q_.front());
      q_.pop_front();
      cv_.notify_all();
      return b;
    }
    if (error_) std::rethrow_exception(error_);
    return nullptr;
  }

 private:
  void Run() {
    try {
      std::vector<Example> rows;
      while (size_t n = src_.Next(rows, batch_)) {
        auto b = std::make_unique<Batch>();
        m_.MakeBatch(std::span<const Example>(rows.data(), n), *b);
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return q_.size() < 3 || stop_; });
        if (stop_) break;
        q_.push_back(std::move(b));
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> l(mu_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
    cv_.notify_all();
  }

  const DeepModel& m_;
  ExampleSource& src_;
  size_t batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> q_;
  bool done_ = false, stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace

class Trainer {
 public:
  Trainer(DeepModel& m, const Context&) : m_(m) {
    for (auto& p : m_.params_) {
      if (p.kind == DeepModel::Kind::kBuffer0 || p.kind == DeepModel::Kind::kBuffer1) continue;
      p.view.requires_grad_(true);
      dense_.push_back(p.view);
    }
    if (!dense_.empty())
      adam_ =
          std::make_unique<torch::optim::Adam>(dense_, torch::optim::AdamOptions(m_.lr_).weight_decay(m_.dense_l2_));
    grad_.assign(size_t(m_.rows_ * m_.width_), 0.0f);
    touched_.assign(size_t(m_.rows_), 0);
  }
  ~Trainer() {
    for (auto& t : dense_) t.requires_grad_(false);
  }

  // One update; returns the batch's weighted logloss sum.
  double Step(const Batch& b, int epoch, uint64_t batch_no) {
    auto idx = torch::from_blob(const_cast<int64_t*>(b.idx.data()), {int64_t(b.idx.size())}, torch::kInt64);
    auto rows = m_.table_.index_select(0, idx).requires_grad_(true);
    auto fields = m_.Pool(b, rows);
    torch::Tensor prof;
    if (m_.pdim_ > 0)
      prof = torch::from_blob(const_cast<float*>(b.profile.data()), {b.rows, m_.pdim_}, torch::kFloat32);
    auto logits = m_.Forward(fields, prof, true);
    auto y = torch::from_blob(const_cast<float*>(b.label.data()), {b.rows}, torch::kFloat32);
    auto w = torch::from_blob(const_cast<float*>(b.weight.data()), {b.rows}, torch::kFloat32);
    auto loss = torch::binary_cross_entropy_with_logits(logits, y, w, {}, at::Reduction::Sum);
    double lv = loss.item<double>();
    if (!std::isfinite(lv)) Diverged(epoch, batch_no, "the training loss");
    if (adam_) adam_->zero_grad();
    (loss / double(b.rows)).backward();
    if (adam_) adam_->step();
    if (!dense_.empty()) {
      auto d = m_.flat_.narrow(0, m_.rows_ * m_.width_, m_.flat_.numel() - m_.rows_ * m_.width_);
      if (!torch::isfinite(d).all().item<bool>()) Diverged(epoch, batch_no, "a dense-layer weight");
    }
    // Sparse rows: per-example gradient scale (x rows), summed per row, row-wise AdaGrad.
    auto g = rows.grad().contiguous();
    const float* gp = g.data_ptr<float>();
    const int64_t W = m_.width_;
    const float scale = float(b.rows);
    float* table = m_.table_.data_ptr<float>();
    float* acc = m_.acc_.data_ptr<float>();
    list_.clear();
    for (size_t i = 0; i < b.idx.size(); ++i) {
      int64_t r = b.idx[i];
      if (!touched_[size_t(r)]) {
        touched_[size_t(r)] = 1;
        list_.push_back(r);
      }
      float* dst = &grad_[size_t(r * W)];
      for (int64_t c = 0; c < W; ++c) dst[c] += scale * gp[int64_t(i) * W + c];
    }
    const float lr = float(m_.emb_lr_), l2 = float(m_.l2_);
    bool finite = true;
    for (int64_t r : list_) {
      float* gr = &grad_[size_t(r * W)];
      float* wr = table + r * W;
      float ms = 0;
      for (int64_t c = 0; c < W; ++c) {
        gr[c] += l2 * wr[c];
        ms += gr[c] * gr[c];
      }
      acc[r] += ms / float(W);
      float step = lr / (std::sqrt(acc[r]) + 1e-10f);
      for (int64_t c = 0; c < W; ++c) {
        wr[c] -= step * gr[c];
        finite = finite && std::isfinite(wr[c]);
        gr[c] = 0;
      }
      touched_[size_t(r)] = 0;
    }
    if (!finite) Diverged(epoch, batch_no, "an embedding row");
    return lv;
  }

 private:
  [[noreturn]] void Diverged(int epoch, uint64_t batch_no, const char* what) {
    Throw(ErrorCode::kInvalidArgument,
          "{}: training diverged at epoch {} batch {}: {} is not finite (NaN/inf); lower --learning-rate / --emb-lr. "
          "No model was written",
          m_.name(), epoch, batch_no, what);
  }

  DeepModel& m_;
  std::vector<torch::Tensor> dense_;
  std::unique_ptr<torch::optim::Adam> adam_;
  std::vector<float> grad_;
  std::vector<uint8_t> touched_;
  std::vector<int64_t> list_;
};

TrainReport DeepModel::DoTrain(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx) {
  if (!flat_.defined()) Throw(ErrorCode::kInternal, "{}: Train before Init", name());
  if (ctx.comm().distributed())
    Throw(ErrorCode::kUnsupported,
          "{} is not distributed ({}): deep models train in one process; lr, fm and ffm train under mpirun "
          "(docs/distributed.md)",
          name(), ctx.comm().describe());
  CheckShape();
  torch::set_num_threads(std::max(1, ctx.threads));
  torch::manual_seed(ctx.SubSeed(name() + "-dropout"));
  TrainReport r;
  int epochs = cfg.online ? 1 : cfg.epochs;
  EarlyStopping stop(valid, cfg);
  torch::Tensor snap, snap_acc;
  Trainer tr(*this, ctx);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    // Intra-op threads for the training step (validation scoring resets it to 1).
    torch::set_num_threads(std::max(1, ctx.threads));
    Progress prog(ctx, fmt::format("{} epoch {}", name(), epoch), train.rows_hint(), "rows");
    double loss = 0, wsum = 0;
    uint64_t rows = 0, batch_no = 0, profile_hits = 0;
    {
      Loader loader(*this, train, size_t(batch_size_));
      while (auto b = loader.Pop()) {
        loss += tr.Step(*b, epoch, ++batch_no);
        for (float w : b->weight) wsum += w;
        rows += uint64_t(b->rows);
        profile_hits += uint64_t(b->profile_hits);
        prog.Add(uint64_t(b->rows));
      }
    }
    prog.Finish();
    if (epoch == 1) r.train_rows = rows;
    // A join that silently matches nobody looks like "profiles do not help".
    if (epoch == 1 && pdim_ > 0)
      ctx.log().info("{}: profile vectors joined to {} of {} training rows ({:.1f}%)", name(), profile_hits, rows,
                     rows ? 100.0 * double(profile_hits) / double(rows) : 0.0);
    r.examples_seen += rows;
    EpochReport er;
    er.epoch = epoch;
    er.train_logloss = wsum > 0 ? loss / wsum : NAN;
    double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.epochs_run = epoch;
    r.best_epoch = epoch;
    stop.Score(*this, ctx, er);
    er.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx.log().info(
        "{} epoch {}: train logloss {:.5f}, valid logloss {:.5f}, valid auc {:.5f} ({:.1f}s, {:.0f} examples/s)",
        name(), epoch, er.train_logloss, er.valid_logloss, er.valid_auc, er.seconds,
        train_s > 0 ? double(rows) / train_s : 0.0);
    r.epochs.push_back(er);
    if (!stop.active()) continue;
    auto verdict = stop.Update(er.valid_logloss);
    if (verdict == EarlyStopping::Verdict::kImproved) {
      if (epoch < epochs) {
        snap = flat_.clone();
        snap_acc = acc_.clone();
      } else {
        snap = torch::Tensor();
      }
    } else if (verdict == EarlyStopping::Verdict::kStop) {
      r.stopped_early = true;
      break;
    }
  }
  if (stop.active() && snap.defined() && r.epochs.back().valid_logloss > stop.best()) {
    flat_.copy_(snap);
    acc_.copy_(snap_acc);
    EarlyStopping::MarkBestEpoch(r, stop.best());
  }
  return r;
}

}  // namespace adpilot::predict::deep

#endif  // ADPILOT_WITH_TORCH
