// Shared by the deep-model tests (deep_test.cc, deep_warm_test.cc): tiny
// hashers, model construction with options, toy data sets.
#pragma once

#include <cmath>
#include <fstream>
#include <random>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/metrics.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "common/test_util.h"

namespace adpilot::testing {

#define REQUIRE_DEEP() \
  if (!ModelRegistry::Get().Has("deepfm")) GTEST_SKIP() << "built without libtorch: no deep models"

using Params = std::vector<std::pair<std::string, std::string>>;

inline std::shared_ptr<FeatureHasher> TinyHasher(int fields, int bits) {
  Schema s;
  for (int f = 0; f < fields; ++f) s.Add("F" + std::to_string(f), FieldKind::kCategorical);
  FeatureConfig fc;
  fc.bits = bits;
  fc.missing_token = false;
  return std::make_shared<FeatureHasher>(fc, s);
}

inline std::unique_ptr<Model> Make(const std::string& name, std::shared_ptr<FeatureHasher> h, const Params& p,
                                   const Context& ctx) {
  auto m = CreateModel(name);
  OptionSet o;
  m->Describe(o);
  for (const auto& [k, v] : p) o.SetFromString(k, v, "test");
  o.Validate();
  m->SetFeatures(h, "criteo");
  m->Init(ctx);
  return m;
}

// Writes `values` at `offset` of the flat parameter buffer.
inline void Set(Model& m, size_t offset, std::vector<float> values) {
  auto p = m.Parameters();
  ASSERT_LE(offset + values.size(), p.size());
  std::copy(values.begin(), values.end(), p.begin() + long(offset));
}

inline Example Row(std::vector<std::pair<uint32_t, uint32_t>> fi) {
  Example ex;
  for (auto [f, i] : fi) ex.features.push_back({f, i, 1.0f});
  return ex;
}

// Three fields of 10 values; the click logit is an interaction of F0 and F1
// (a sign table) plus a main effect of F2: learnable only through crosses.
inline std::vector<Example> Toy(const FeatureHasher& h, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Example> out;
  for (int i = 0; i < n; ++i) {
    int a = int(rng() % 10), b = int(rng() % 10), c = int(rng() % 10);
    double logit = ((a * 7 + b * 3) % 5 < 2 ? 1.5 : -1.5) + 0.3 * (c - 5) / 5.0;
    RawRecord rec;
    std::string ta = "a" + std::to_string(a), tb = "b" + std::to_string(b), tc = "c" + std::to_string(c);
    for (auto [f, t] : {std::pair<uint32_t, std::string*>{0, &ta}, {1, &tb}, {2, &tc}}) {
      RawFeature rf;
      rf.field = f;
      rf.token = *t;
      rec.features.push_back(rf);
    }
    rec.label = std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-logit)) ? 1 : 0;
    Example ex;
    h.Hash(rec, ex);
    out.push_back(ex);
  }
  return out;
}

inline double AucOf(const Model& m, const std::vector<Example>& rows) {
  std::vector<float> p, y;
  for (const auto& r : rows) {
    p.push_back(float(m.PredictProba(r)));
    y.push_back(r.label);
  }
  return Auc(p, y, {});
}

inline const Params kToy = {{"k", "4"}, {"hidden", "16"}, {"batch_size", "128"}, {"lr", "0.01"}, {"emb_lr", "0.1"}};

// A Criteo-layout file: label, I1..I13 (empty), C1..C26 (two used).
inline std::string ToyCriteo(const std::string& path, int rows, uint64_t seed) {
  std::ofstream out(path);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < rows; ++i) {
    int a = int(rng() % 10), b = int(rng() % 10);
    out << ((a + b) % 3 == 0 ? 1 : 0) << std::string(13, '\t') << "\ta" << a << "\tb" << b << std::string(24, '\t')
        << "\n";
  }
  return path;
}

}  // namespace adpilot::testing
