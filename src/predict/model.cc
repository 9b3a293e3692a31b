// Model base: feature ownership, scoring helpers, the Train wrapper
// (calibration, timing) and the versioned model file.
#include "adpilot/model.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/container.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/metrics.h"
#include "adpilot/options.h"
#include "adpilot/parallel.h"
#include "predict/model_util.h"

namespace adpilot {

namespace {

// Version 1 was the hand-framed layout ReadV1 reads; 2 is the container.
constexpr ContainerFormat kModelFile{"ADPMODEL", "adpilot model file", 2, 2};

// magic | u32 1 | u32 flags | u64 C | config | u64 S | state | u64 XXH3 of all before.
ContainerView ReadV1(std::string_view buf, const std::string& path) {
  size_t pos = 12;
  auto need = [&](size_t n, const char* what) {
    if (buf.size() - pos < n)
      Throw(ErrorCode::kCorruption, "model file {}: truncated while reading {} ({} bytes)", path, what, buf.size());
  };
  auto length = [&](const char* what) {
    need(8, what);
    uint64_t v;
    std::memcpy(&v, buf.data() + pos, 8);
    pos += 8;
    need(v, what);
    pos += v;
    return buf.substr(pos - v, v);
  };
  need(4, "flags");
  pos += 4;
  ContainerView v;
  v.version = 1;
  v.config = length("config");
  v.payload = length("state");
  size_t body = pos;
  need(8, "checksum");
  if (buf.size() != body + 8)
    Throw(ErrorCode::kCorruption, "{}: {} unexpected bytes after the checksum", path, buf.size() - body - 8);
  uint64_t sum;
  std::memcpy(&sum, buf.data() + body, 8);
  if (Hash64(buf.data(), body, 0) != sum)
    Throw(ErrorCode::kCorruption, "{}: checksum mismatch: the file is corrupt", path);
  return v;
}

}  // namespace

void Model::SetFeatures(std::shared_ptr<const FeatureHasher> hasher, std::string format) {
  ADP_CHECK(hasher != nullptr);
  hasher_ = std::move(hasher);
  format_ = std::move(format);
}

const FeatureHasher& Model::hasher() const {
  if (!hasher_) Throw(ErrorCode::kInternal, "model '{}' has no features set (SetFeatures)", name());
  return *hasher_;
}

ReaderOptions Model::reader_options() const {
  ReaderOptions ro;
  ro.format = format_;
  return ro;
}

TrainReport Model::Train(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  auto kind = Calibrator::ParseKind(cfg.calibrate);
  if (kind != Calibrator::Kind::kNone && !valid)
    Throw(ErrorCode::kInvalidArgument, "--calibrate {} needs a validation set (--valid)", cfg.calibrate);
  last_train_ = cfg;
  // Calibration is refitted from scratch: the raw model changes during training.
  calibrator_ = Calibrator();
  TrainReport r = DoTrain(train, valid, cfg, ctx);
  if (valid) {
    std::vector<float> p, y, w;
    predict::ScoreSource(*this, *valid, ctx, p, y, w, /*raw=*/true);
    predict::GatherScores(ctx, p, y, w);
    if (kind != Calibrator::Kind::kNone) {
      calibrator_.Fit(kind, p, y, w);
      for (auto& x : p) x = float(calibrator_.Apply(x));
    }
    r.valid_logloss = LogLoss(p, y, w);
    r.valid_auc = Auc(p, y, w);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

double Model::PredictProba(const Example& ex) const {
  double p = predict::Sigmoid(Margin(ex));
  return calibrator_.kind() == Calibrator::Kind::kNone ? p : calibrator_.Apply(p);
}

double Model::PredictProba(const RawRecord& rec) const {
  thread_local Example ex;
  hasher().Hash(rec, ex);
  return PredictProba(ex);
}

void Model::MarginBatch(std::span<const Example> ex, std::span<double> out, const Context& ctx) const {
  ADP_CHECK(ex.size() == out.size());
  int threads = ex.size() < 4096 ? 1 : ctx.threads;
  ParallelFor(threads, ex.size(), [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) out[i] = Margin(ex[i]);
  });
}

void Model::PredictBatch(std::span<const Example> ex, std::span<float> out, const Context& ctx) const {
  ADP_CHECK(ex.size() == out.size());
  std::vector<double> m(ex.size());
  MarginBatch(ex, m, ctx);
  bool cal = calibrator_.kind() != Calibrator::Kind::kNone;
  for (size_t i = 0; i < ex.size(); ++i) {
    double p = predict::Sigmoid(m[i]);
    out[i] = float(cal ? calibrator_.Apply(p) : p);
  }
}

std::vector<float> Model::PredictFile(const std::string& path, const Context& ctx, std::vector<float>* labels) const {
  auto src = OpenExampleSource(path, reader_options(), hasher_, LabelConfig{}, ctx);
  std::vector<float> out, w;
  std::vector<float> y;
  predict::ScoreSource(*this, *src, ctx, out, y, w, /*raw=*/false);
  if (labels) *labels = std::move(y);
  return out;
}

void Model::AverageWith(std::span<const float> other, double w) {
  auto mine = Parameters();
  if (mine.size() != other.size())
    Throw(ErrorCode::kInvalidArgument, "AverageWith: {} parameters vs {}", mine.size(), other.size());
  float a = float(1 - w), b = float(w);
  for (size_t i = 0; i < mine.size(); ++i) mine[i] = a * mine[i] + b * other[i];
}

nlohmann::json Model::ConfigJson() const {
  nlohmann::json j;
  j["model"] = name();
  OptionSet params;
  const_cast<Model*>(this)->Describe(params);
  j["params"] = params.ToJson();
  j["features"] = hasher().StateToJson();
  j["format"] = format_;
  OptionSet lo, to;
  const_cast<LabelConfig&>(label_).Describe(lo);
  const_cast<TrainConfig&>(last_train_).Describe(to);
  j["label"] = lo.ToJson();
  j["train"] = to.ToJson();
  j["calibration"] = calibrator_.ToJson();
  return j;
}

void Model::Save(const std::string& path) const { WriteContainer(path, kModelFile, ConfigJson().dump(), SaveState()); }

std::unique_ptr<Model> CreateModel(const std::string& name) { return ModelRegistry::Get().Create("model", name); }

std::unique_ptr<Model> LoadModel(const std::string& path) {
  std::string buf = ReadFile(path);
  ContainerView file = ContainerVersion(buf, kModelFile, path) < kModelFile.first_version
                           ? ReadV1(buf, path)
                           : DecodeContainer(buf, kModelFile, path);
  std::string_view config = file.config, state = file.payload;

  nlohmann::json j;
  try {
    j = nlohmann::json::parse(config);
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: config block is not valid JSON: {}", path, e.what());
  }
  try {
    std::string name = j.at("model").get<std::string>();
    if (!ModelRegistry::Get().Has(name))
      Throw(ErrorCode::kUnsupported, "{}: model kind '{}' is not in this build (have: {})", path, name,
            ModelRegistry::Get().NamesJoined());
    auto m = CreateModel(name);
    OptionSet params;
    m->Describe(params);
    params.FromJson(j.at("params"), path);
    const auto& fj = j.at("features");
    FeatureConfig fc;
    OptionSet fo;
    fc.Describe(fo);
    fo.FromJson(fj.at("config"), path);
    Schema schema;
    auto fields = fj.at("fields").get<std::vector<std::string>>();
    auto kinds = fj.at("kinds").get<std::vector<int>>();
    if (fields.size() != kinds.size()) Throw(ErrorCode::kCorruption, "{}: schema fields/kinds differ", path);
    for (size_t i = 0; i < fields.size(); ++i) schema.Add(fields[i], FieldKind(kinds[i]));
    auto hasher = std::make_shared<FeatureHasher>(fc, schema);
    hasher->StateFromJson(fj);
    m->SetFeatures(hasher, j.at("format").get<std::string>());
    OptionSet lo, to;
    m->label_.Describe(lo);
    lo.FromJson(j.at("label"), path);
    m->last_train_.Describe(to);
    to.FromJson(j.at("train"), path);
    m->calibrator_ = Calibrator::FromJson(j.at("calibration"));
    m->LoadState(state);
    return m;
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: config block is missing or has a bad key: {}", path, e.what());
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInvalidArgument) Throw(ErrorCode::kCorruption, "{}: {}", path, e.what());
    throw;
  }
}

}  // namespace adpilot
