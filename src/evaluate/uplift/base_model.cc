// Base learners through predict's public Model API: the units become RawRecords
// of an in-memory schema (numeric and categorical feature columns), hashed by
// the data stage's FeatureHasher, trained with Model::Train, read with
// PredictBatch. A model added to the registry is a base learner with no change here.
#include "evaluate/uplift/base_model.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/reader.h"

namespace adpilot::uplift {
namespace {

// The arm field of the S-learner; no 'x' in it, so "(treated)xF" parses as a cross.
constexpr char kArmField[] = "(treated)";
constexpr std::string_view kArmToken[2] = {"0", "1"};

// Uplift tables are small (thousands to a few hundred thousand rows, tens of
// columns); these differ from predict's click-log defaults and are overridable
// with --base-param. Applied only where the model declares the key.
const std::pair<const char*, const char*> kDefaults[] = {
    {"rounds", "100"}, {"max_depth", "3"}, {"min_child_weight", "5"}, {"subsample", "0.8"}};

void UnitRecord(const UpliftData& d, size_t i, int arm, RawRecord& rec) {
  rec.Clear();
  size_t nf = d.schema.fields.size();
  for (size_t k = 0; k < nf; ++k) {
    RawFeature f;
    f.field = uint32_t(k);
    if (d.schema.kinds[k] == FieldKind::kNumeric) {
      f.numeric = true;
      f.value = d.values[i * nf + k];
      f.missing = std::isnan(f.value);
    } else {
      f.token = d.cells[i * nf + k];
      f.missing = f.token.empty();
    }
    rec.features.push_back(f);
  }
  if (arm >= 0) {
    RawFeature f;
    f.field = uint32_t(nf);
    f.token = kArmToken[arm];
    rec.features.push_back(f);
  }
  rec.line = i + 1;
}

// The units as a RecordReader, for FitQuantileEdges.
class UnitReader : public RecordReader {
 public:
  UnitReader(const UpliftData& d, const Schema& s) : d_(d), schema_(s) {}
  bool Next(RawRecord& rec) override {
    if (i_ >= d_.n) return false;
    UnitRecord(d_, i_++, -1, rec);
    return true;
  }
  const Schema& schema() const override { return schema_; }
  const BadRowLog& bad_rows() const override { return bad_; }
  uint64_t bytes_read() const override { return 0; }
  uint64_t total_bytes() const override { return 0; }

 private:
  const UpliftData& d_;
  const Schema& schema_;
  BadRowLog bad_;
  size_t i_ = 0;
};

std::string NumericMode(const LearnerOptions& o) {
  if (o.numeric != "auto") return o.numeric;
  // Trees split raw values at any threshold; linear and factor models need bins.
  return o.base == "gbdt" ? "raw" : "quantile";
}

std::vector<Example> Gather(const UnitExamples& ex, const std::vector<size_t>& units, int arm) {
  std::vector<Example> out;
  out.reserve(units.size());
  for (size_t i : units) out.push_back(ex.at(i, arm));
  return out;
}

}  // namespace

UnitExamples::UnitExamples(const UpliftData& data, const LearnerOptions& o, bool with_arm) : treated_(data.treated) {
  Schema schema = data.schema;
  FeatureConfig fc = o.features;
  fc.numeric = NumericMode(o);
  fc.quantile_sample = int64_t(std::max<size_t>(data.n, 1));
  if (with_arm) {
    // Arm x feature crosses let additive models (lr) give each arm its own
    // slope; models that learn interactions (trees, fm) do not need them.
    schema.Add(kArmField, FieldKind::kCategorical);
    for (const auto& f : data.schema.fields) fc.crosses.push_back(std::string(kArmField) + "x" + f);
  }
  auto h = std::make_shared<FeatureHasher>(fc, schema);
  if (h->needs_fit()) {
    // Covariates only (no outcome, no arm): fitting the bins on every unit leaks nothing.
    UnitReader r(data, schema);
    h->FitQuantileEdges(r);
  }
  hasher_ = h;
  RawRecord rec;
  auto hash_all = [&](int arm, std::vector<Example>& out) {
    out.resize(data.n);
    for (size_t i = 0; i < data.n; ++i) {
      UnitRecord(data, i, arm, rec);
      hasher_->Hash(rec, out[i]);
    }
  };
  if (!with_arm) {
    hash_all(-1, observed_);
    return;
  }
  hash_all(1, as_treated_);
  hash_all(0, as_control_);
}

const Example& UnitExamples::at(size_t unit, int arm) const {
  if (observed_.empty()) {
    if (arm < 0) arm = treated_[unit];
    return arm ? as_treated_[unit] : as_control_[unit];
  }
  ADP_CHECK(arm < 0);
  return observed_[unit];
}

std::unique_ptr<Model> CreateBaseModel(const LearnerOptions& o) {
  auto m = CreateModel(o.base);
  OptionSet opts(o.base);
  m->Describe(opts);
  auto has = [&](const std::string& key) {
    return std::any_of(opts.entries().begin(), opts.entries().end(), [&](const auto& e) { return e.key == key; });
  };
  for (const auto& [k, v] : kDefaults)
    if (has(k)) opts.SetFromString(k, v, "uplift defaults");
  for (const auto& kv : o.base_params) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      Throw(ErrorCode::kInvalidArgument, "--base-param '{}': expected KEY=VALUE", kv);
    std::string key = kv.substr(0, eq);
    if (!has(key)) {
      std::vector<std::string> keys;
      for (const auto& e : opts.entries()) keys.push_back(e.key);
      Throw(ErrorCode::kInvalidArgument, "--base-param '{}': model '{}' has no option '{}' (it has: {})", kv, o.base,
            key, fmt::join(keys, ", "));
    }
    opts.SetFromString(key, kv.substr(eq + 1), "--base-param");
  }
  opts.Validate();
  return m;
}

void BaseRegressor::Fit(const std::vector<size_t>& units, const std::vector<double>& target, const Context& ctx,
                        int arm) {
  ADP_CHECK(units.size() == target.size() && !units.empty());
  auto [lo, hi] = std::minmax_element(target.begin(), target.end());
  lo_ = *lo;
  hi_ = *hi;
  model_.reset();
  if (!(hi_ - lo_ > 1e-12 * std::max(1.0, std::fabs(hi_)))) return;  // constant target: predict it
  std::vector<Example> rows = Gather(ex_, units, arm);
  for (size_t k = 0; k < rows.size(); ++k) {
    rows[k].label = float(std::clamp((target[k] - lo_) / (hi_ - lo_), 0.0, 1.0));
    rows[k].weight = 1;
  }
  // Arm subsets keep file order; SGD models want them shuffled.
  auto rng = ctx.Rng("uplift-shuffle");
  std::shuffle(rows.begin(), rows.end(), rng);
  model_ = CreateBaseModel(o_);
  model_->SetFeatures(ex_.hasher(), "csv");
  model_->Init(ctx);
  MemorySource src(std::move(rows));
  TrainConfig cfg;
  cfg.epochs = o_.epochs;
  cfg.shuffle = false;
  model_->Train(src, nullptr, cfg, ctx);
}

std::vector<double> BaseRegressor::Predict(const std::vector<size_t>& units, const Context& ctx, int arm) const {
  std::vector<double> out(units.size(), lo_);
  if (!model_) return out;
  std::vector<Example> rows = Gather(ex_, units, arm);
  std::vector<float> p(rows.size());
  model_->PredictBatch(rows, p, ctx);
  for (size_t k = 0; k < p.size(); ++k) out[k] = lo_ + (hi_ - lo_) * double(p[k]);
  return out;
}

}  // namespace adpilot::uplift
