// Training and scoring on an in-memory table (adpilot/model.h TrainOnTable,
// PredictTable): the Python module's path, with the options the train command
// binds (model hyperparameters, features, schedule) declared where they are.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/columns.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/features.h"
#include "adpilot/model.h"
#include "adpilot/options.h"

namespace adpilot {
namespace {

std::vector<Example> Hash(const ColumnTable& t, const FeatureHasher& h) {
  auto reader = ReadColumns(t);
  std::vector<Example> rows(t.rows);
  RawRecord rec;
  for (size_t i = 0; reader->Next(rec); ++i) h.Hash(rec, rows[i]);
  return rows;
}

}  // namespace

TableTrainResult TrainOnTable(const std::string& name, const ColumnTable& train, const ColumnTable* valid,
                              const nlohmann::json& options, const Context& ctx) {
  if (train.rows == 0) Throw(ErrorCode::kInvalidArgument, "no training rows");
  if (train.columns.empty() && !train.sparse) Throw(ErrorCode::kInvalidArgument, "no feature columns");
  TableTrainResult out;
  out.model = CreateModel(name);
  FeatureConfig features;
  TrainConfig schedule;
  OptionSet model_set(name), feature_set, schedule_set;
  out.model->Describe(model_set);
  features.Describe(feature_set);
  schedule.Describe(schedule_set);
  std::vector<std::string> known;
  for (auto* s : {&model_set, &feature_set, &schedule_set})
    for (const auto& e : s->entries()) known.push_back(e.key);
  for (auto it = options.begin(); it != options.end(); ++it) {
    OptionSet* owner = nullptr;
    for (auto* s : {&model_set, &feature_set, &schedule_set})
      for (const auto& e : s->entries())
        if (!owner && (e.key == it.key() || std::count(e.aliases.begin(), e.aliases.end(), it.key()))) owner = s;
    if (!owner)
      Throw(ErrorCode::kInvalidArgument, "'{}' is not an option of model '{}' (its options: {})", it.key(), name,
            fmt::join(known, ", "));
    owner->SetFromJson(it.key(), it.value(), "python");
  }
  for (auto* s : {&model_set, &feature_set, &schedule_set}) s->Validate();
  auto hasher = std::make_shared<FeatureHasher>(features, train.MakeSchema());
  if (hasher->needs_fit()) {
    auto reader = ReadColumns(train);
    hasher->FitQuantileEdges(*reader);
  }
  out.model->SetFeatures(hasher, "csv");
  out.model->Init(ctx);
  std::vector<Example> examples = Hash(train, *hasher);
  // As the train command does with rows held in memory: one seeded shuffle,
  // so rows sorted by label or time do not steer SGD.
  if (schedule.shuffle) {
    auto rng = ctx.Rng("train-order");
    std::shuffle(examples.begin(), examples.end(), rng);
  }
  MemorySource rows(std::move(examples));
  std::unique_ptr<MemorySource> held;
  if (valid) {
    if (valid->MakeSchema().fields != train.MakeSchema().fields)
      Throw(ErrorCode::kInvalidArgument, "the validation columns differ from the training columns");
    held = std::make_unique<MemorySource>(Hash(*valid, *hasher));
  }
  out.report = out.model->Train(rows, held.get(), schedule, ctx);
  return out;
}

namespace {

void CheckColumns(const Model& model, const ColumnTable& table) {
  const Schema& want = model.hasher().schema();
  const Schema got = table.MakeSchema();
  if (got.fields != want.fields || got.kinds != want.kinds) {
    std::vector<std::string> w, g;
    for (size_t i = 0; i < want.fields.size(); ++i)
      w.push_back(want.fields[i] + (want.kinds[i] == FieldKind::kNumeric ? "" : " (categorical)"));
    for (size_t i = 0; i < got.fields.size(); ++i)
      g.push_back(got.fields[i] + (got.kinds[i] == FieldKind::kNumeric ? "" : " (categorical)"));
    Throw(ErrorCode::kInvalidArgument, "the model scores columns [{}]; got [{}]", fmt::join(w, ", "),
          fmt::join(g, ", "));
  }
}

}  // namespace

std::vector<float> PredictTable(const Model& model, const ColumnTable& table, const Context& ctx) {
  CheckColumns(model, table);
  std::vector<Example> rows = Hash(table, model.hasher());
  std::vector<float> p(rows.size());
  model.PredictBatch(rows, p, ctx);
  return p;
}

std::vector<Explanation> ExplainTable(const Model& model, const ColumnTable& table) {
  CheckColumns(model, table);
  std::vector<Explanation> out;
  for (const Example& ex : Hash(table, model.hasher())) out.push_back(model.Explain(ex));
  return out;
}

}  // namespace adpilot
