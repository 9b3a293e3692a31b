// The predict stage's commands: train (lr / fm / ffm / gbdt and any registered
// model, early-stopping on --valid, writes a model file) and predict, eval and
// explain (score a data file with a model file). Their options are declared
// here once; the CLI and `adpilot run` bind from them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bad_rows.h"
#include "adpilot/collective.h"
#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/input.h"
#include "adpilot/metrics.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "adpilot/reader.h"

namespace adpilot {
namespace {

namespace fs = std::filesystem;

// A file the command reads must exist and not be a directory ("-" = stdin
// where `stdin_ok`); kNotFound / kInvalidArgument (exit 2) naming the flag.
void RequireFile(const std::string& path, const std::string& key, bool stdin_ok = false) {
  if (stdin_ok && path == "-") return;
  std::error_code ec;
  if (!fs::exists(path, ec)) Throw(ErrorCode::kNotFound, "{}: File does not exist: {}", OptionSet::FlagName(key), path);
  if (fs::is_directory(path, ec))
    Throw(ErrorCode::kInvalidArgument, "{}: File is actually a directory: {}", OptionSet::FlagName(key), path);
}

// A data set may be several files (a list, a directory: adpilot/input.h);
// each must exist. Returns them.
std::vector<std::string> RequireData(const std::string& spec, const std::string& key, bool stdin_ok = false) {
  std::vector<std::string> files;
  try {
    files = InputFiles(spec);
  } catch (const Error& e) {
    Throw(e.code(), "{}: {}", OptionSet::FlagName(key), e.what());
  }
  for (const auto& f : files) RequireFile(f, key, stdin_ok && files.size() == 1);
  return files;
}

nlohmann::json Num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

class TrainCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {"train --model ffm --bits 18 --k 4 --data train.tsv --valid valid.tsv --format criteo --out ffm.apm",
            "--threads 2 train --model lr --data train.csv.gz --format avazu --calibrate isotonic --out lr.apm"};
  }
  void Describe(OptionSet& s) override {
    s.Add("model", &model_, "model kind: " + ModelRegistry::Get().NamesJoined());
    train_.Describe(s);
    label_.Describe(s);
    features_.Describe(s);
    s.Add("data", &data_,
          "training file (plain or .gz; '-' or a pipe is spooled), or several: a comma-separated list or a directory "
          "of parts")
        .Required();
    s.Add("valid", &valid_, "validation file: early stopping, calibration, reported metrics");
    s.Add("out", &out_, "model file to write").Output();
    s.Add("init", &init_, "continue training this model file (warm start)");
    s.Add("format", &format_, "input format (default: guessed, else criteo): " + ReaderRegistry::Get().NamesJoined());
    s.Add("schema", &schema_, "TOML schema for --format csv");
    s.Add("on_error", &on_error_, "bad rows: skip (count and report) or fail (exit 2)").Choices({"skip", "fail"});
    s.Add("header", &header_, "CSV header line: auto, yes, no");
    privacy_.Describe(s);
    s.Add("memory", &memory_, "hold the training set in memory: auto (< 256 MiB file), yes, no")
        .Choices({"auto", "yes", "no"});
    s.Add("cache_dir", &cache_dir_,
          "binary hashed-dataset cache directory: text is parsed once, epochs and reruns read the cache")
        .OutputDir();
    // Model hyperparameters: one option per key over all models, kept as text;
    // each applies only to the models that declare it (checked once the model
    // is known) and is also read from the [<model>] table of --config.
    // A model's older names of an option (--alpha, --eta, --lr for
    // learning_rate) stay accepted as aliases of the merged one.
    std::map<std::string, std::string> help;
    std::map<std::string, std::set<std::string>> aliases;
    for (const auto& name : ModelRegistry::Get().Names()) {
      auto m = CreateModel(name);
      OptionSet ms(name);
      m->Describe(ms);
      for (const auto& e : ms.entries()) {
        auto& h = help[e.key];
        h += (h.empty() ? "" : "; ") + name + ": " + e.help + " (default " + e.default_text + ")";
        aliases[e.key].insert(e.aliases.begin(), e.aliases.end());
      }
    }
    for (const auto& kv : help) {
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
      const std::string& key = kv.first;
      const std::string& h = kv.second;
      if (s.entries().end() !=
          std::find_if(s.entries().begin(), s.entries().end(), [&](const auto& e) { return e.key == key; }))
        continue;
      s.Add(key, &model_values_[key], "model option ([<model>] table of --config); " + h);
      for (const auto& a : aliases[key]) s.Alias(a);
    }
  }

  nlohmann::json Run(const Context& ctx) override {
    const std::vector<std::string> data_files = RequireData(data_, "data", true);
    const size_t valid_files = valid_.empty() ? 0 : RequireData(valid_, "valid", true).size();
    // The cache is keyed by one file's size and time.
    if (!cache_dir_.empty() && (data_files.size() > 1 || valid_files > 1))
      Throw(ErrorCode::kUnsupported, "--cache-dir caches one file; {} is a list of {} files",
            data_files.size() > 1 ? data_ : valid_, std::max(data_files.size(), valid_files));
    if (!init_.empty()) RequireFile(init_, "init");
    // Training reads --data several times (format guess, schema, quantile edges,
    // epochs): a pipe or stdin is kept whole in a temporary file as it is read
    // (adpilot/input.h), reported at the end.
    const bool data_stream = KeepWholeInput(data_);
    // Under mpirun each rank reads its own byte range of --data and --valid
    // (docs/distributed.md); the model is averaged over the ranks as it trains.
    const Collective& comm = ctx.comm();
    if (comm.distributed() && (data_stream || (!valid_.empty() && IsStream(valid_))))
      Throw(ErrorCode::kUnsupported, "{}: a stream cannot be split across {} ranks; give a file",
            data_stream ? data_ : valid_, comm.size());
    ReaderOptions ro;
    ro.shard = comm.rank();
    ro.shards = comm.size();
    ro.format = ResolveFormat(format_, data_);
    ro.schema_path = schema_;
    ro.on_error = ParseOnError(on_error_);
    ro.header = header_;
    privacy_.Apply(ro);
    std::unique_ptr<Model> model;
    if (!init_.empty()) {
      model = LoadModel(init_);
      if (!model_.empty() && model->name() != model_)
        Throw(ErrorCode::kInvalidArgument, "--init {} holds a '{}' model, not '{}'", init_, model->name(), model_);
      if (format_.empty()) ro.format = model->format();
      CheckInitFeatures(*model);
      ctx.log().info("warm start from {} ({}); feature options come from it", init_, model->name());
    } else {
      if (model_.empty())
        Throw(ErrorCode::kInvalidArgument, "--model is required (one of: {})", ModelRegistry::Get().NamesJoined());
      model = CreateModel(model_);
      auto reader = OpenReader(data_, ro);
      auto hasher = std::make_shared<FeatureHasher>(features_, reader->schema());
      if (hasher->needs_fit()) {
        // Rank 0's shard starts the file, where one process samples too.
        std::string edges;
        if (comm.rank() == 0) {
          hasher->FitQuantileEdges(*reader);
          edges = hasher->StateToJson().dump();
        }
        comm.Broadcast(edges);
        if (comm.rank() != 0) hasher->StateFromJson(nlohmann::json::parse(edges));
      }
      model->SetFeatures(hasher, ro.format);
    }
    ApplyModelOptions(*model);
    if (init_.empty()) model->Init(ctx);
    model->set_label(label_);

    auto hasher = model->shared_hasher();
    std::unique_ptr<ExampleSource> train;
    // A stream's size is unknown: --memory auto streams it (from its spool).
    std::error_code size_ec;
    uint64_t data_size = 0;
    for (const auto& f : data_files)
      if (!data_stream) data_size += fs::file_size(f, size_ec);
    data_size /= uint64_t(comm.size());
    bool in_memory = memory_ == "yes" ||
                     (memory_ == "auto" && !train_.online && !data_stream && !size_ec && data_size < (256u << 20));
    // With --cache-dir the text is parsed once into the binary hashed-dataset
    // cache; later epochs (streaming) and later runs read the cache.
    auto open = [&](const std::string& path) {
      return cache_dir_.empty() ? OpenExampleSource(path, ro, hasher, label_, ctx)
                                : OpenCachedExampleSource(path, ro, hasher, label_, cache_dir_, ctx);
    };
    auto load = [&](const std::string& path) {
      if (cache_dir_.empty()) return LoadExamples(path, ro, *hasher, label_, ctx);
      auto src = open(path);
      std::vector<Example> rows, batch;
      while (size_t n = src->Next(batch, 65536)) rows.insert(rows.end(), batch.begin(), batch.begin() + n);
      return rows;
    };
    if (in_memory) {
      auto rows = load(data_);
      if (train_.shuffle) {
        auto rng = ctx.Rng("train-order");
        std::shuffle(rows.begin(), rows.end(), rng);
      }
      train = std::make_unique<MemorySource>(std::move(rows));
    } else {
      train = open(data_);
    }
    std::unique_ptr<MemorySource> valid;
    if (!valid_.empty()) valid = std::make_unique<MemorySource>(load(valid_));
    TrainReport r = model->Train(*train, valid.get(), train_, ctx);
    for (const auto& line : SpoolReport()) ctx.log().info("{}", line);
    SaveOnRankZero(*model, comm);

    nlohmann::json j;
    j["model"] = model->name();
    j["target"] = label_.target;
    j["train_rows"] = r.train_rows;
    j["examples_seen"] = r.examples_seen;
    double valid_rows = valid ? double(valid->rows().size()) : 0.0;
    comm.AllreduceSum(std::span<double>(&valid_rows, 1));
    j["valid_rows"] = uint64_t(valid_rows);
    j["valid_auc"] = valid ? nlohmann::json(r.valid_auc) : nlohmann::json(nullptr);
    j["valid_logloss"] = valid ? nlohmann::json(r.valid_logloss) : nlohmann::json(nullptr);
    j["epochs_run"] = r.epochs_run;
    j["best_epoch"] = r.best_epoch;
    j["stopped_early"] = r.stopped_early;
    j["seconds"] = r.seconds;
    j["examples_per_s"] = r.seconds > 0 ? double(r.examples_seen) / r.seconds : 0.0;
    j["threads"] = ctx.threads;
    j["ranks"] = comm.size();
    j["mpi"] = comm.describe();
    j["warm_start"] = !init_.empty();
    j["calibration"] = model->calibrator().kind_name();
    j["out"] = out_;
    nlohmann::json ep = nlohmann::json::array();
    for (const auto& e : r.epochs) {
      nlohmann::json x;
      x["epoch"] = e.epoch;
      x["train_logloss"] = std::isnan(e.train_logloss) ? nlohmann::json(nullptr) : nlohmann::json(e.train_logloss);
      x["valid_logloss"] = std::isnan(e.valid_logloss) ? nlohmann::json(nullptr) : nlohmann::json(e.valid_logloss);
      x["valid_auc"] = std::isnan(e.valid_auc) ? nlohmann::json(nullptr) : nlohmann::json(e.valid_auc);
      ep.push_back(x);
    }
    j["epochs"] = ep;
    j["config"] = model->ConfigJson();
    j["config"].erase("calibration");
    return j;
  }

 private:
  // Every rank holds the same model; rank 0 alone writes it (atomically), and
  // every rank fails, naming rank 0 and the file, when that write fails.
  void SaveOnRankZero(const Model& model, const Collective& comm) const {
    if (out_.empty()) return;
    if (!comm.distributed()) return model.Save(out_);
    std::string error;
    if (comm.rank() == 0) {
      try {
        model.Save(out_);
      } catch (const std::exception& e) {
        error = e.what();
        if (error.empty()) error = "unknown error";
      }
    }
    comm.Broadcast(error);
    if (!error.empty())
      Throw(ErrorCode::kIOError, "{}rank 0 could not write the model {}: {}", comm.rank() == 0 ? "" : "(on rank 0) ",
            out_, error);
  }

  static std::string ResolveFormat(const std::string& format, const std::string& path) {
    if (!format.empty()) return format;
    std::string g = GuessFormat(path);
    return g.empty() ? "criteo" : g;
  }

  // A warm start hashes with the --init model's feature options; a feature
  // option asking for another value (e.g. --bits) would silently not apply, so
  // it is an error naming both values.
  void CheckInitFeatures(const Model& m) const {
    FeatureConfig asked = features_, has = m.hasher().config();
    OptionSet ao, ho;
    asked.Describe(ao);
    has.Describe(ho);
    for (size_t i = 0; i < ao.entries().size(); ++i) {
      const std::string& key = ao.entries()[i].key;
      std::string flag = OptionSet::FlagName(key);
      std::string want = OptionSet::ValueText(ao.entries()[i]), model = OptionSet::ValueText(ho.entries()[i]);
      if (given(key) && want != model)
        Throw(ErrorCode::kInvalidArgument,
              "{} {} differs from the --init model {} ({} {}): a warm start keeps the model's shape and "
              "hashing; drop {} or train a new model",
              flag, want, init_, flag, model, flag);
    }
  }

  // Applies [<model>] of the config file, then the model options given.
  void ApplyModelOptions(Model& m) {
    OptionSet ms(m.name());
    m.Describe(ms);
    if (!config_path().empty()) ms.LoadTomlFile(config_path());
    std::set<std::string> keys;
    for (const auto& e : ms.entries()) keys.insert(e.key);
    for (const auto& [key, value] : model_values_) {
      if (!given(key)) continue;
      std::string flag = OptionSet::FlagName(key);
      if (!keys.count(key))
        Throw(ErrorCode::kInvalidArgument, "{} does not apply to model '{}' (its options: {})", flag, m.name(),
              fmt::join(keys, ", "));
      ms.SetFromString(key, value, flag);
    }
    ms.Validate();
  }

  std::string model_, data_, valid_, out_, init_, format_, schema_, on_error_ = "skip", header_ = "auto";
  PrivacyOptions privacy_;
  std::string memory_ = "auto", cache_dir_;
  TrainConfig train_;
  LabelConfig label_;
  FeatureConfig features_;
  std::map<std::string, std::string> model_values_;
};

// predict, eval and explain: a model file scores a data file.
class ScoreCommand : public Command {
 public:
  void Describe(OptionSet& s) override {
    s.Add("model", &model_, "model file").Required();
    s.Add("data", &data_, "data file (plain or .gz), or several: a comma-separated list or a directory of parts")
        .Required();
    s.Add("format", &format_, "input format (default: the one the model was trained on)");
    s.Add("schema", &schema_, "TOML schema for --format csv");
    s.Add("on_error", &on_error_, "bad rows: skip (count and report) or fail (exit 2)").Choices({"skip", "fail"});
    s.Add("header", &header_, "CSV header line: auto, yes, no");
    privacy_.Describe(s);
  }

 protected:
  // The model with the reader options the user overrode.
  std::unique_ptr<Model> Open(ReaderOptions& ro) const {
    RequireFile(model_, "model");
    RequireData(data_, "data");
    auto m = LoadModel(model_);
    ro = m->reader_options();
    if (!format_.empty()) ro.format = format_;
    ro.schema_path = schema_;
    ro.on_error = ParseOnError(on_error_);
    ro.header = header_;
    privacy_.Apply(ro);
    return m;
  }

  // Scores the file in input order (parallel over the model's batch path).
  std::vector<float> Score(const Model& m, const ReaderOptions& ro, const Context& ctx,
                           std::vector<float>* labels) const {
    auto src = OpenExampleSource(data_, ro, m.shared_hasher(), m.label(), ctx);
    std::vector<float> out;
    std::vector<Example> batch;
    while (size_t n = src->Next(batch, 65536)) {
      size_t base = out.size();
      out.resize(base + n);
      m.PredictBatch(std::span<const Example>(batch.data(), n), std::span<float>(out.data() + base, n), ctx);
      if (labels)
        for (size_t i = 0; i < n; ++i) labels->push_back(batch[i].label);
    }
    return out;
  }

  static double Seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  std::string model_, data_, format_, schema_, on_error_ = "skip", header_ = "auto";
  PrivacyOptions privacy_;
};

class PredictCommand : public ScoreCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {"predict --model ffm.apm --data test.tsv --out predictions.txt"};
  }
  void Describe(OptionSet& s) override {
    ScoreCommand::Describe(s);
    s.Add("out", &out_, "predictions file (one probability per line)").Required().Output();
  }

  nlohmann::json Run(const Context& ctx) override {
    ReaderOptions ro;
    auto m = Open(ro);
    auto t0 = std::chrono::steady_clock::now();
    auto pred = Score(*m, ro, ctx, nullptr);
    AtomicFileWriter w(out_);
    fmt::memory_buffer buf;
    for (float x : pred) {
      fmt::format_to(std::back_inserter(buf), "{:.7g}\n", x);
      if (buf.size() > (1 << 20)) {
        w.Write(buf.data(), buf.size());
        buf.clear();
      }
    }
    w.Write(buf.data(), buf.size());
    w.Commit();
    double s = Seconds(t0);
    ctx.log().info("wrote {} predictions to {} ({:.2f}s)", pred.size(), out_, s);
    return {{"rows", pred.size()}, {"out", out_}, {"seconds", s}, {"rows_per_s", s > 0 ? pred.size() / s : 0.0}};
  }

 private:
  std::string out_;
};

class EvalCommand : public ScoreCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {"eval --model ffm.apm --data test.tsv", "eval --model dcnv2.apm --against ffm.apm --data test.tsv",
            "eval --model lr.apm --data test.csv.gz --format avazu --json"};
  }
  void Describe(OptionSet& s) override {
    ScoreCommand::Describe(s);
    s.Add("against", &against_,
          "a second model scored on the same rows: the AUC difference with a paired (DeLong) 95% interval");
  }
  nlohmann::json Run(const Context& ctx) override {
    ReaderOptions ro;
    auto m = Open(ro);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<float> y;
    auto p = Score(*m, ro, ctx, &y);
    double s = Seconds(t0);
    if (p.empty()) Throw(ErrorCode::kBadInput, "{}: no rows to evaluate", data_);
    nlohmann::json j;
    j["model"] = m->name();
    j["target"] = m->label().target;
    j["rows"] = p.size();
    j["auc"] = Num(Auc(p, y));
    AddAucIntervals(j, p, y, ro, ctx);
    j["logloss"] = Num(LogLoss(p, y));
    j["ne"] = Num(NormalizedEntropy(p, y));
    j["calibration"] = Num(CalibrationRatio(p, y));
    double lr = 0;
    for (float v : y) lr += v;
    j["label_rate"] = lr / double(y.size());
    double mp = 0;
    for (float v : p) mp += v;
    j["mean_prediction"] = mp / double(p.size());
    nlohmann::json bins = nlohmann::json::array();
    for (const auto& b : ReliabilityBins(p, y, 10))
      bins.push_back(
          {{"lo", b.lo}, {"hi", b.hi}, {"rows", b.weight}, {"mean_pred", b.mean_pred}, {"mean_label", b.mean_label}});
    j["reliability"] = bins;
    nlohmann::json roc = nlohmann::json::array();
    for (const auto& pt : RocCurve(p, y, 101)) roc.push_back({{"fpr", pt.fpr}, {"tpr", pt.tpr}});
    j["roc"] = roc;
    j["seconds"] = s;
    j["rows_per_s"] = s > 0 ? double(p.size()) / s : 0.0;
    return j;
  }

 private:
  // DeLong: the AUC's own 95% interval and, with --against, the paired
  // difference from the other model, so "a beats b" comes with its evidence.
  void AddAucIntervals(nlohmann::json& j, const std::vector<float>& p, const std::vector<float>& y,
                       const ReaderOptions& ro, const Context& ctx) const {
    double pos = 0;
    for (float v : y) pos += v > 0.5f;
    // DeLong needs two rows of each class; the AUC itself is null without both.
    if (pos < 2 || double(y.size()) - pos < 2) return;
    constexpr double z = 1.959964;
    AucComparison self = DeLongAuc(p, p, y);
    const double se = std::sqrt(std::max(0.0, self.var_a));
    j["auc_low"] = self.auc_a - z * se;
    j["auc_high"] = self.auc_a + z * se;
    if (against_.empty()) return;
    RequireFile(against_, "against");
    auto other = LoadModel(against_);
    ReaderOptions ro2 = other->reader_options();
    ro2.format = ro.format, ro2.schema_path = ro.schema_path, ro2.on_error = ro.on_error, ro2.header = ro.header;
    ro2.pseudonymize_key = ro.pseudonymize_key, ro2.ip_truncate = ro.ip_truncate;  // the same rows, the same pseudonyms
    std::vector<float> y2;
    auto q = Score(*other, ro2, ctx, &y2);
    if (y2 != y)
      Throw(ErrorCode::kBadInput, "--against {}: it read {} rows of {} where {} read {}: not the same rows", against_,
            y2.size(), data_, model_, y.size());
    AucComparison c = DeLongAuc(p, q, y);
    const double dse = c.diff_se();
    nlohmann::json a = {{"model", other->name()}, {"file", against_},          {"auc", c.auc_b},
                        {"auc_diff", c.diff()},   {"low", c.diff() - z * dse}, {"high", c.diff() + z * dse}};
    a["p_value"] = dse > 0 ? std::erfc(std::abs(c.diff()) / dse / std::sqrt(2.0)) : (c.diff() == 0 ? 1.0 : 0.0);
    j["against"] = a;
  }

  std::string against_;
};

class ExplainCommand : public ScoreCommand {
 public:
  std::vector<std::string> Examples() const override { return {"explain --model ffm.apm --data test.tsv --rows 3"}; }
  void Describe(OptionSet& s) override {
    ScoreCommand::Describe(s);
    s.Add("rows", &rows_, "rows to explain").Range(1, 1000000);
    s.Add("top", &top_, "fields shown per row (text output)").Range(1, 100000);
  }

  nlohmann::json Run(const Context& ctx) override {
    ReaderOptions ro;
    auto m = Open(ro);
    auto rows = LoadExamples(data_, ro, m->hasher(), m->label(), ctx, uint64_t(rows_));
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < rows.size(); ++i) {
      Explanation e = m->Explain(rows[i]);
      nlohmann::json r;
      r["row"] = i + 1;
      r["label"] = rows[i].label;
      r["probability"] = e.probability;
      r["margin"] = e.margin;
      r["bias"] = e.bias;
      nlohmann::json f = nlohmann::json::array();
      for (const auto& c : e.fields) f.push_back({{"field", c.name}, {"contribution", c.value}});
      r["fields"] = f;
      out.push_back(r);
    }
    return {{"model", m->name()}, {"rows", out}};
  }

 private:
  int rows_ = 5, top_ = 10;
};

ADPILOT_COMMAND("train", "predict", "train a CTR/CVR model (lr, fm, ffm, gbdt, ...) on a data file", TrainCommand);
ADPILOT_COMMAND("predict", "predict", "write one probability per input row, in input order", PredictCommand);
ADPILOT_COMMAND("eval", "predict", "AUC, logloss, normalised entropy and calibration of a model on a file",
                EvalCommand);
ADPILOT_COMMAND("explain", "predict", "per-field contributions to the first rows' predictions", ExplainCommand);

}  // namespace
}  // namespace adpilot
