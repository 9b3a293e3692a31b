// Where training examples come from: memory, or a file streamed through its
// reader and the feature hasher on every pass (constant memory).
#include <cmath>

#include "adpilot/cache.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/input.h"
#include "adpilot/model.h"
#include "adpilot/options.h"

namespace adpilot {

void LabelConfig::Describe(OptionSet& o) {
  o.Add("target", &target, "label to learn: click (CTR) or conversion (CVR)").Choices({"click", "conversion"});
  o.Add("clicked_only", &clicked_only, "CVR: train and score only rows with a click");
}

bool LabelConfig::Apply(Example& ex) const {
  if (target == "click") return true;
  if (clicked_only && ex.label < 0.5f) return false;
  if (std::isnan(ex.conversion))
    Throw(ErrorCode::kInvalidArgument,
          "--target conversion: the input rows carry no conversion label (use a format with one)");
  ex.label = ex.conversion > 0.5f ? 1.0f : 0.0f;
  return true;
}

void TrainConfig::Describe(OptionSet& o) {
  o.Add("epochs", &epochs, "maximum passes over the training data").Range(1, 1000);
  o.Add("patience", &patience, "epochs without a better valid logloss before stopping").Range(1, 1000);
  o.Add("online", &online, "single pass over the data, no early stopping (streams)");
  o.Add("calibrate", &calibrate, "calibration fitted on --valid").Choices({"none", "platt", "isotonic"});
  o.Add("batch", &batch, "examples per thread per Hogwild batch").Range(1, 1 << 24);
  o.Add("shuffle", &shuffle, "shuffle in-memory training rows once, from --seed");
  o.Add("sync_every", &sync_every, "under mpirun: rows each rank trains between model averages (0: after each pass)")
      .Range(0, int64_t(1) << 40);
}

size_t MemorySource::Next(std::vector<Example>& batch, size_t max) {
  size_t n = std::min(max, rows_.size() - pos_);
  if (batch.size() < n) batch.resize(n);
  for (size_t i = 0; i < n; ++i) batch[i] = rows_[pos_ + i];
  pos_ += n;
  return n;
}

namespace {

class FileSource : public ExampleSource {
 public:
  FileSource(std::string path, ReaderOptions ro, std::shared_ptr<const FeatureHasher> hasher, LabelConfig label,
             const Context& ctx)
      : path_(std::move(path)), ro_(std::move(ro)), hasher_(std::move(hasher)), label_(std::move(label)), ctx_(ctx) {
    // Every pass reopens the path: a pipe or stdin must be kept whole as it is
    // read, or the second pass would see nothing (adpilot/input.h).
    KeepWholeInput(path_);
    Rewind();
  }

  size_t Next(std::vector<Example>& batch, size_t max) override {
    if (batch.size() < max) batch.resize(max);
    size_t n = 0;
    while (n < max && reader_->Next(rec_)) {
      Example& ex = batch[n];
      hasher_->Hash(rec_, ex);
      if (!label_.Apply(ex)) continue;
      ++n;
    }
    rows_ += n;
    if (n == 0 && !reported_) {
      reported_ = true;
      // Every complete pass must see the same rows: a shorter one means the
      // input changed or could not be re-read, and training on it would
      // silently report epochs that never saw the data.
      if (!first_pass_done_) {
        first_pass_done_ = true;
        pass_rows_ = rows_;
      } else if (rows_ != pass_rows_) {
        Throw(ErrorCode::kIOError,
              "{}: this pass read {} rows, the first pass {}: the input changed or cannot be "
              "read again",
              path_, rows_, pass_rows_);
      }
      if (reader_->bad_rows().count()) ctx_.log().warn("{}", reader_->bad_rows().Summary());
    }
    return n;
  }

  void Rewind() override {
    reader_ = OpenReader(path_, ro_);
    if (reader_->schema().fields != hasher_->schema().fields)
      Throw(ErrorCode::kInvalidArgument, "{}: format '{}' yields fields that differ from the model's schema", path_,
            ro_.format);
    rows_ = 0;
    reported_ = false;
  }
  uint64_t rows_hint() const override { return pass_rows_; }

 private:
  std::string path_;
  ReaderOptions ro_;
  std::shared_ptr<const FeatureHasher> hasher_;
  LabelConfig label_;
  const Context& ctx_;
  std::unique_ptr<RecordReader> reader_;
  RawRecord rec_;
  uint64_t rows_ = 0, pass_rows_ = 0;
  bool reported_ = false, first_pass_done_ = false;
};

// Epochs from the binary cache instead of re-parsing text.
class CachedSource : public ExampleSource {
 public:
  CachedSource(std::unique_ptr<HashedDataset> ds, LabelConfig label, const Context& ctx)
      : ds_(std::move(ds)), label_(std::move(label)), ctx_(ctx) {}

  size_t Next(std::vector<Example>& batch, size_t max) override {
    if (batch.size() < max) batch.resize(max);
    size_t n = 0;
    // A HashedDataset must not be read past the end of its pass.
    while (n < max && !done_) {
      if (!ds_->Next(batch[n])) {
        done_ = true;
        break;
      }
      if (label_.Apply(batch[n])) ++n;
    }
    if (n == 0 && !reported_) {
      reported_ = true;
      if (ds_->bad_rows()) ctx_.log().warn("{}: {} bad rows skipped", ds_->cache_path(), ds_->bad_rows());
    }
    return n;
  }
  void Rewind() override {
    ds_->Rewind();
    reported_ = done_ = false;
    if (ds_->from_cache()) ctx_.log().debug("reading {}", ds_->cache_path());
  }
  uint64_t rows_hint() const override { return ds_->rows(); }

 private:
  std::unique_ptr<HashedDataset> ds_;
  LabelConfig label_;
  const Context& ctx_;
  bool reported_ = false, done_ = false;
};

}  // namespace

std::unique_ptr<ExampleSource> OpenCachedExampleSource(const std::string& path, const ReaderOptions& ro,
                                                       std::shared_ptr<const FeatureHasher> hasher,
                                                       const LabelConfig& label, const std::string& cache_dir,
                                                       const Context& ctx) {
  auto ds = OpenHashedDataset(path, ro, hasher->config(), ctx, cache_dir);
  if (ds->hasher().StateDigest() != hasher->StateDigest() || ds->hasher().schema().fields != hasher->schema().fields) {
    ctx.log().info("{}: the model's feature hashing differs from a fresh one (fitted edges); not using the cache",
                   path);
    return OpenExampleSource(path, ro, std::move(hasher), label, ctx);
  }
  return std::make_unique<CachedSource>(std::move(ds), label, ctx);
}

std::unique_ptr<ExampleSource> OpenExampleSource(const std::string& path, const ReaderOptions& ro,
                                                 std::shared_ptr<const FeatureHasher> hasher, const LabelConfig& label,
                                                 const Context& ctx) {
  return std::make_unique<FileSource>(path, ro, std::move(hasher), label, ctx);
}

std::vector<Example> LoadExamples(const std::string& path, const ReaderOptions& ro, const FeatureHasher& hasher,
                                  const LabelConfig& label, const Context& ctx, uint64_t max_rows) {
  auto reader = OpenReader(path, ro);
  std::vector<Example> out;
  RawRecord rec;
  Example ex;
  while ((max_rows == 0 || out.size() < max_rows) && reader->Next(rec)) {
    hasher.Hash(rec, ex);
    if (label.Apply(ex)) out.push_back(ex);
  }
  if (reader->bad_rows().count()) ctx.log().warn("{}", reader->bad_rows().Summary());
  return out;
}

}  // namespace adpilot
