// adpilot train: fits lr / fm / ffm / gbdt (and any registered model) on a
// data file, early-stopping on --valid, and writes a model file.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/input.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "adpilot/reader.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

struct TrainArgs {
  std::string model, data, valid, out, init, format, schema, on_error = "skip", header = "auto";
  std::string memory = "auto", cache_dir;
  bool json = false;
  TrainConfig train;
  LabelConfig label;
  FeatureConfig features;
  OptionSet set;
  // Model hyperparameters: the union of every registered model's keys, as text.
  std::map<std::string, std::string> model_values;
  std::map<std::string, CLI::Option*> model_flags;
  std::unique_ptr<BoundOptions> bound;
  CLI::App* cmd = nullptr;
};

// A warm start hashes with the --init model's feature options; a feature flag
// asking for another value (e.g. --bits) would silently not apply, so it is an
// error naming both values.
void CheckInitFeatures(const TrainArgs& a, const Model& m) {
  FeatureConfig asked = a.features, has = m.hasher().config();
  OptionSet ao, ho;
  asked.Describe(ao);
  has.Describe(ho);
  for (size_t i = 0; i < ao.entries().size(); ++i) {
    std::string flag = ao.entries()[i].key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    const CLI::Option* opt = a.cmd ? a.cmd->get_option_no_throw("--" + flag) : nullptr;
    std::string want = OptionSet::ValueText(ao.entries()[i]), model = OptionSet::ValueText(ho.entries()[i]);
    if (opt && opt->count() > 0 && want != model)
      Throw(ErrorCode::kInvalidArgument,
            "--{} {} differs from the --init model {} (--{} {}): a warm start keeps the model's shape and "
            "hashing; drop --{} or train a new model",
            flag, want, a.init, flag, model, flag);
  }
}

// Like CLI::ExistingFile, and "-" (stdin) too.
CLI::Validator ExistingInput() {
  return CLI::Validator(
      [](std::string& p) { return p == "-" ? std::string() : CLI::ExistingFile(p); }, "FILE|-");
}

std::string ResolveFormat(const std::string& format, const std::string& path) {
  if (!format.empty()) return format;
  std::string g = GuessFormat(path);
  return g.empty() ? "criteo" : g;
}

// Applies [<model>] of the config file, then the model flags the user gave.
void ApplyModelOptions(Model& m, TrainArgs& a) {
  OptionSet ms(m.name());
  m.Describe(ms);
  if (!a.bound->config_path().empty()) ms.LoadTomlFile(a.bound->config_path());
  std::set<std::string> keys;
  for (const auto& e : ms.entries()) keys.insert(e.key);
  for (const auto& [key, opt] : a.model_flags) {
    if (opt->count() == 0) continue;
    std::string flag = key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (!keys.count(key))
      Throw(ErrorCode::kInvalidArgument, "--{} does not apply to model '{}' (its options: {})", flag, m.name(),
            fmt::join(keys, ", "));
    ms.SetFromString(key, a.model_values[key], "--" + flag);
  }
  ms.Validate();
}

void RunTrain(TrainArgs& a, const Globals& g) {
  a.bound->Resolve();
  Context ctx = MakeContext(g);
  // Training reads --data several times (format guess, schema, quantile edges,
  // epochs): a pipe or stdin is kept whole in a temporary file as it is read
  // (adpilot/input.h), reported at the end.
  const bool data_stream = KeepWholeInput(a.data);
  ReaderOptions ro;
  ro.format = ResolveFormat(a.format, a.data);
  ro.schema_path = a.schema;
  ro.on_error = ParseOnError(a.on_error);
  ro.header = a.header;
  std::unique_ptr<Model> model;
  if (!a.init.empty()) {
    model = LoadModel(a.init);
    if (!a.model.empty() && model->name() != a.model)
      Throw(ErrorCode::kInvalidArgument, "--init {} holds a '{}' model, not '{}'", a.init, model->name(), a.model);
    if (a.format.empty()) ro.format = model->format();
    CheckInitFeatures(a, *model);
    ctx.log().info("warm start from {} ({}); feature options come from it", a.init, model->name());
  } else {
    if (a.model.empty())
      Throw(ErrorCode::kInvalidArgument, "--model is required (one of: {})", ModelRegistry::Get().NamesJoined());
    model = CreateModel(a.model);
    auto reader = OpenReader(a.data, ro);
    auto hasher = std::make_shared<FeatureHasher>(a.features, reader->schema());
    if (hasher->needs_fit()) hasher->FitQuantileEdges(*reader);
    model->SetFeatures(hasher, ro.format);
  }
  ApplyModelOptions(*model, a);
  if (a.init.empty()) model->Init(ctx);
  model->set_label(a.label);

  auto hasher = model->shared_hasher();
  std::unique_ptr<ExampleSource> train;
  // A stream's size is unknown: --memory auto streams it (from its spool).
  std::error_code size_ec;
  const uint64_t data_size = data_stream ? 0 : std::filesystem::file_size(a.data, size_ec);
  bool in_memory = a.memory == "yes" || (a.memory == "auto" && !a.train.online && !data_stream && !size_ec &&
                                         data_size < (256u << 20));
  // With --cache-dir the text is parsed once into the binary hashed-dataset
  // cache; later epochs (streaming) and later runs read the cache.
  auto open = [&](const std::string& path) {
    return a.cache_dir.empty() ? OpenExampleSource(path, ro, hasher, a.label, ctx)
                               : OpenCachedExampleSource(path, ro, hasher, a.label, a.cache_dir, ctx);
  };
  auto load = [&](const std::string& path) {
    if (a.cache_dir.empty()) return LoadExamples(path, ro, *hasher, a.label, ctx);
    auto src = open(path);
    std::vector<Example> rows, batch;
    while (size_t n = src->Next(batch, 65536)) rows.insert(rows.end(), batch.begin(), batch.begin() + n);
    return rows;
  };
  if (in_memory) {
    auto rows = load(a.data);
    if (a.train.shuffle) {
      auto rng = ctx.Rng("train-order");
      std::shuffle(rows.begin(), rows.end(), rng);
    }
    train = std::make_unique<MemorySource>(std::move(rows));
  } else {
    train = open(a.data);
  }
  std::unique_ptr<MemorySource> valid;
  if (!a.valid.empty()) valid = std::make_unique<MemorySource>(load(a.valid));
  TrainReport r = model->Train(*train, valid.get(), a.train, ctx);
  for (const auto& line : SpoolReport()) ctx.log().info("{}", line);
  if (!a.out.empty()) model->Save(a.out);

  nlohmann::json j;
  j["model"] = model->name();
  j["target"] = a.label.target;
  j["train_rows"] = r.train_rows;
  j["examples_seen"] = r.examples_seen;
  j["valid_rows"] = valid ? valid->rows().size() : 0;
  j["valid_auc"] = valid ? nlohmann::json(r.valid_auc) : nlohmann::json(nullptr);
  j["valid_logloss"] = valid ? nlohmann::json(r.valid_logloss) : nlohmann::json(nullptr);
  j["epochs_run"] = r.epochs_run;
  j["best_epoch"] = r.best_epoch;
  j["stopped_early"] = r.stopped_early;
  j["seconds"] = r.seconds;
  j["examples_per_s"] = r.seconds > 0 ? double(r.examples_seen) / r.seconds : 0.0;
  j["threads"] = ctx.threads;
  j["warm_start"] = !a.init.empty();
  j["calibration"] = model->calibrator().kind_name();
  j["out"] = a.out;
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
  if (a.json) {
    PrintJson(j);
    return;
  }
  fmt::print("model        {}\ntrain rows   {}\nepochs       {} (best {})\n", model->name(), r.train_rows,
             r.epochs_run, r.best_epoch);
  if (valid) fmt::print("valid auc    {:.5f}\nvalid logloss {:.5f}\n", r.valid_auc, r.valid_logloss);
  fmt::print("seconds      {:.2f}\n", r.seconds);
  if (!a.out.empty()) fmt::print("wrote        {}\n", a.out);
}

void InstallTrain(CLI::App& app, Globals& g) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train a CTR/CVR model (lr, fm, ffm, gbdt, ...) on a data file");
  a->set.Add("model", &a->model, "model kind: " + ModelRegistry::Get().NamesJoined());
  a->train.Describe(a->set);
  a->label.Describe(a->set);
  a->features.Describe(a->set);
  a->bound = std::make_unique<BoundOptions>(cmd, a->set);
  a->cmd = cmd;
  cmd->add_option("--data", a->data, "training file (plain or .gz; '-' or a pipe is spooled)")
      ->required()
      ->check(ExistingInput());
  cmd->add_option("--valid", a->valid, "validation file: early stopping, calibration, reported metrics")
      ->check(ExistingInput());
  cmd->add_option("--out", a->out, "model file to write");
  cmd->add_option("--init", a->init, "continue training this model file (warm start)")->check(CLI::ExistingFile);
  cmd->add_option("--format", a->format, "input format (default: guessed, else criteo): " +
                                            ReaderRegistry::Get().NamesJoined());
  cmd->add_option("--schema", a->schema, "TOML schema for --format csv");
  cmd->add_option("--on-error", a->on_error, "bad rows: skip (count and report) or fail (exit 2)");
  cmd->add_option("--header", a->header, "CSV header line: auto, yes, no");
  cmd->add_option("--memory", a->memory, "hold the training set in memory: auto (< 256 MiB file), yes, no")
      ->check(CLI::IsMember({"auto", "yes", "no"}));
  cmd->add_option("--cache-dir", a->cache_dir,
                  "binary hashed-dataset cache directory: text is parsed once, epochs and reruns read the cache");
  cmd->add_flag("--json", a->json, "print one JSON object on stdout");
  // Model hyperparameters: one flag per key over all models; each applies only
  // to the models that declare it (checked once --model is known).
  std::map<std::string, std::string> help;
  for (const auto& name : ModelRegistry::Get().Names()) {
    auto m = CreateModel(name);
    OptionSet ms(name);
    m->Describe(ms);
    for (const auto& e : ms.entries()) {
      auto& h = help[e.key];
      h += (h.empty() ? "" : "; ") + name + ": " + e.help + " (default " + e.default_text + ")";
    }
  }
  for (const auto& [key, h] : help) {
    if (a->set.entries().end() != std::find_if(a->set.entries().begin(), a->set.entries().end(),
                                               [&](const auto& e) { return e.key == key; }))
      continue;
    std::string flag = key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    CLI::Option* opt = cmd->add_option("--" + flag, a->model_values[key], h);
    opt->group("Model options ([<model>] table of --config)");
    a->model_flags[key] = opt;
  }
  cmd->callback([a, &g] { RunTrain(*a, g); });
}

ADPILOT_CLI_COMMAND(30, InstallTrain);

}  // namespace
}  // namespace adpilot::cli
