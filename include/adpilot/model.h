// Click/conversion probability models (lr, fm, ffm, gbdt; deep models join the
// same registry). A Model owns its learned state, the feature hashing it was
// trained with (config + schema + input format) and its calibration, so a
// loaded model scores RawRecords or files without the caller knowing the
// features. Model files: docs/formats.md (predict section).
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/calibration.h"
#include "adpilot/features.h"
#include "adpilot/reader.h"
#include "adpilot/record.h"
#include "adpilot/registry.h"

namespace adpilot {

struct Context;
class OptionSet;

// Which label a model learns: "click" (CTR) or "conversion" (CVR), the latter
// optionally only on clicked rows (post-click CVR).
struct LabelConfig {
  std::string target = "click";
  bool clicked_only = false;
  void Describe(OptionSet& o);
  // Applies the target to a hashed example; false when the row is not used
  // (unclicked under clicked_only). Throws kInvalidArgument when the target is
  // conversion and the row has none (the format carries no conversion column).
  bool Apply(Example& ex) const;
};

// A re-readable stream of hashed examples (a file parsed per pass, the data
// cache, or memory). Training makes one pass per epoch. Not thread-safe.
class ExampleSource {
 public:
  virtual ~ExampleSource() = default;
  // Replaces `batch` with up to `max` next examples; returns how many (0 = end of pass).
  virtual size_t Next(std::vector<Example>& batch, size_t max) = 0;
  // Starts a new pass.
  virtual void Rewind() = 0;
  // Rows per pass if known (0 otherwise), for progress.
  virtual uint64_t rows_hint() const { return 0; }
};

// Examples held in memory (tests, small data, the validation set).
class MemorySource : public ExampleSource {
 public:
  explicit MemorySource(std::vector<Example> rows) : rows_(std::move(rows)) {}
  size_t Next(std::vector<Example>& batch, size_t max) override;
  void Rewind() override { pos_ = 0; }
  uint64_t rows_hint() const override { return rows_.size(); }
  const std::vector<Example>& rows() const { return rows_; }

 private:
  std::vector<Example> rows_;
  size_t pos_ = 0;
};

// Streams `path` through OpenReader + the hasher on every pass: constant memory
// whatever the file size. Bad rows are counted in the reader's BadRowLog and
// logged at the end of each pass.
std::unique_ptr<ExampleSource> OpenExampleSource(const std::string& path, const ReaderOptions& ro,
                                                 std::shared_ptr<const FeatureHasher> hasher, const LabelConfig& label,
                                                 const Context& ctx);
// Like OpenExampleSource, through the hashed-dataset cache in `cache_dir`
// (cache.h): the first pass parses and writes the cache, later passes (epochs)
// and later runs read it. Falls back to parsing (with a log line) when the
// cache's hashing differs from `hasher` (e.g. a warm-started model's quantile edges).
std::unique_ptr<ExampleSource> OpenCachedExampleSource(const std::string& path, const ReaderOptions& ro,
                                                       std::shared_ptr<const FeatureHasher> hasher,
                                                       const LabelConfig& label, const std::string& cache_dir,
                                                       const Context& ctx);
// Reads the whole file into memory (max_rows = 0: all rows).
std::vector<Example> LoadExamples(const std::string& path, const ReaderOptions& ro, const FeatureHasher& hasher,
                                  const LabelConfig& label, const Context& ctx, uint64_t max_rows = 0);

// Training schedule shared by every model (model hyperparameters are the
// model's own, see Model::Describe).
struct TrainConfig {
  int epochs = 10;                 // maximum passes over the training data
  int patience = 1;                // epochs without a better valid logloss before stopping
  bool online = false;             // single pass, no early stopping (unbounded streams)
  std::string calibrate = "none";  // none | platt | isotonic, fitted on the validation set
  int batch = 8192;                // examples per thread per Hogwild batch
  bool shuffle = true;             // shuffle in-memory training rows once (seeded) before training
  int64_t sync_every = 0;          // distributed: rows per rank between model averages (0: each pass)
  void Describe(OptionSet& o);
};

struct EpochReport {
  int epoch = 0;
  double train_logloss = NAN;  // progressive (before each update) loss over the pass
  double valid_logloss = NAN, valid_auc = NAN;
  double seconds = 0;
};

struct TrainReport {
  uint64_t train_rows = 0;     // rows of one pass
  uint64_t examples_seen = 0;  // updates made, all epochs
  int epochs_run = 0, best_epoch = 0;
  bool stopped_early = false;
  double valid_logloss = NAN, valid_auc = NAN;  // of the returned model (calibrated)
  double seconds = 0;
  std::vector<EpochReport> epochs;
};

// Additive explanation of one prediction's margin (logit before calibration):
// margin = bias + Σ fields[i].value.
struct FieldContribution {
  uint32_t field = 0;
  std::string name;
  double value = 0;
};
struct Explanation {
  double bias = 0, margin = 0, probability = 0;
  std::vector<FieldContribution> fields;  // sorted by |value|, largest first
};

class Model {
 public:
  virtual ~Model() = default;
  // Registry name ("lr", "fm", ...).
  virtual std::string name() const = 0;
  // Hyperparameters of this model kind, bound to flags / TOML and saved in the model file.
  virtual void Describe(OptionSet& o) = 0;

  // The feature hashing (config + schema) and input format the model scores.
  // Set before Init; restored by LoadModel.
  void SetFeatures(std::shared_ptr<const FeatureHasher> hasher, std::string format);
  const FeatureHasher& hasher() const;
  std::shared_ptr<const FeatureHasher> shared_hasher() const { return hasher_; }
  const std::string& format() const { return format_; }
  ReaderOptions reader_options() const;

  // Fresh state for hasher().num_fields() fields and 2^bits buckets, seeded from ctx.
  virtual void Init(const Context& ctx) = 0;
  // Trains from the current state: a fresh model after Init, a warm start after
  // LoadModel. Early-stops on `valid` logloss when given and fits the
  // calibration (cfg.calibrate) on it.
  TrainReport Train(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx);

  // Logit before calibration. Thread-safe (also alongside Hogwild updates).
  virtual double Margin(const Example& ex) const = 0;
  // Margins of many examples; models with a faster batch path (gbdt) override it.
  virtual void MarginBatch(std::span<const Example> ex, std::span<double> out, const Context& ctx) const;
  // Calibrated probability. Thread-safe.
  double PredictProba(const Example& ex) const;
  // Hashes with the stored features, then scores. Thread-safe.
  double PredictProba(const RawRecord& rec) const;
  // Scores many examples on ctx.threads threads.
  void PredictBatch(std::span<const Example> ex, std::span<float> out, const Context& ctx) const;
  // Scores a whole file in input order (format from the model unless ro.format is set).
  std::vector<float> PredictFile(const std::string& path, const Context& ctx,
                                 std::vector<float>* labels = nullptr) const;
  // Per-field contributions to the margin (tree models: TreeSHAP).
  virtual Explanation Explain(const Example& ex) const = 0;

  // Learned state as one contiguous buffer (empty for tree models), so that
  // data-parallel training can average it across workers (allreduce).
  virtual std::span<float> Parameters() = 0;
  // this = (1 - w) * this + w * other, element-wise over Parameters().
  void AverageWith(std::span<const float> other, double w = 0.5);

  const Calibrator& calibrator() const { return calibrator_; }
  void set_calibrator(Calibrator c) { calibrator_ = std::move(c); }

  // Writes the model file atomically: a container (adpilot/container.h) of the
  // config JSON and the state.
  void Save(const std::string& path) const;
  // The config block of the file: model name, hyperparameters, features, format,
  // label, calibration, training schedule of the last Train.
  nlohmann::json ConfigJson() const;
  const LabelConfig& label() const { return label_; }
  void set_label(LabelConfig l) { label_ = std::move(l); }

 protected:
  // The model's own training loop (epochs, early stopping); Train wraps it with
  // calibration and timing.
  virtual TrainReport DoTrain(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg,
                              const Context& ctx) = 0;
  // Learned state only (config is written separately).
  virtual std::string SaveState() const = 0;
  // Throws kCorruption when the bytes do not fit the configured shape.
  virtual void LoadState(std::string_view bytes) = 0;

 private:
  friend std::unique_ptr<Model> LoadModel(const std::string& path);

  std::shared_ptr<const FeatureHasher> hasher_;
  std::string format_ = "criteo";
  Calibrator calibrator_;
  LabelConfig label_;
  TrainConfig last_train_;
};

using ModelRegistry = Registry<Model>;

// A fresh, untrained model by registry name (kInvalidArgument lists valid names).
std::unique_ptr<Model> CreateModel(const std::string& name);
// Loads a model file: kNotFound if missing; kCorruption if truncated, corrupt
// or written by a newer format version.
std::unique_ptr<Model> LoadModel(const std::string& path);

struct ColumnTable;
// Trains model `name` on an in-memory table (the Python module, numpy and
// pandas columns: adpilot/columns.h). `options` sets, by key, the model's
// hyperparameters, the feature options (FeatureConfig) and the schedule
// (TrainConfig), each checked by the OptionSet that declares it; an unknown
// key is kInvalidArgument naming the valid ones. `valid`: early stopping and
// calibration, as --valid.
struct TableTrainResult {
  std::unique_ptr<Model> model;
  TrainReport report;
};
TableTrainResult TrainOnTable(const std::string& name, const ColumnTable& train, const ColumnTable* valid,
                              const nlohmann::json& options, const Context& ctx);
// Calibrated probabilities of the table's rows; its columns must be the
// model's fields, by name and kind, in order (kInvalidArgument listing both).
std::vector<float> PredictTable(const Model& model, const ColumnTable& table, const Context& ctx);
// Each row's explanation (Model::Explain), same column rules.
std::vector<Explanation> ExplainTable(const Model& model, const ColumnTable& table);

}  // namespace adpilot
