// Synthetic data for the predict tests: categorical fields with a known
// logistic click model, hashed through the real FeatureHasher.
#pragma once

#include <cmath>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adpilot/context.h"
#include "adpilot/features.h"
#include "adpilot/model.h"
#include "adpilot/options.h"

namespace adpilot::testing {

// Criteo layout (label, I1..I13, C1..C26) with a logistic click model on
// C1, C2 and their pair, so every model has something to learn.
inline void WriteCriteo(const std::string& path, int rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u;
  std::ofstream f(path);
  for (int r = 0; r < rows; ++r) {
    int a = int(rng() % 6), b = int(rng() % 5), n = int(rng() % 20);
    double m = -1.5 + 0.4 * (a - 2.5) + ((a + b) % 2 ? 0.8 : -0.8) + 0.03 * n;
    int y = u(rng) < 1 / (1 + std::exp(-m));
    f << y;
    for (int i = 0; i < 13; ++i) f << '\t' << (i == 0 ? n : int(rng() % 4));
    for (int i = 0; i < 26; ++i) f << '\t' << fmt::format("{:08x}", i == 0 ? a : i == 1 ? b : int(rng() % 3));
    f << '\n';
  }
}

inline std::shared_ptr<FeatureHasher> SmallHasher(int fields, int bits = 12) {
  Schema s;
  for (int f = 0; f < fields; ++f) s.Add("F" + std::to_string(f), FieldKind::kCategorical);
  FeatureConfig c;
  c.bits = bits;
  return std::make_shared<FeatureHasher>(c, s);
}

// Rows whose click probability is sigmoid(-1 + Σ_f effect[f][token] + pair
// effect of fields 0 and 1), so factor models have something to find.
inline std::vector<Example> Synthetic(const FeatureHasher& h, int rows, uint64_t seed, int tokens = 8) {
  std::mt19937_64 rng(seed);
  int fields = int(h.schema().fields.size());
  std::vector<std::vector<double>> eff(fields, std::vector<double>(tokens));
  std::mt19937_64 truth(7);
  std::normal_distribution<double> nd(0, 0.7);
  for (auto& f : eff)
    for (auto& e : f) e = nd(truth);
  std::vector<Example> out;
  std::vector<std::string> toks(fields);
  for (int r = 0; r < rows; ++r) {
    RawRecord rec;
    double m = -1;
    std::vector<int> t(fields);
    for (int f = 0; f < fields; ++f) {
      t[f] = int(rng() % tokens);
      m += eff[f][t[f]];
      toks[f] = "t" + std::to_string(t[f]);
    }
    if (fields >= 2) m += (t[0] % 2 == t[1] % 2) ? 1.0 : -1.0;
    for (int f = 0; f < fields; ++f) {
      RawFeature rf;
      rf.field = uint32_t(f);
      rf.token = toks[f];
      rec.features.push_back(rf);
    }
    rec.label = std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-m)) ? 1 : 0;
    Example ex;
    h.Hash(rec, ex);
    out.push_back(ex);
  }
  return out;
}

inline void SetParam(Model& m, const std::string& key, const std::string& value) {
  OptionSet o;
  m.Describe(o);
  o.SetFromString(key, value, "test");
}

inline std::unique_ptr<Model> NewModel(const std::string& name, std::shared_ptr<FeatureHasher> h, const Context& ctx,
                                       const std::vector<std::pair<std::string, std::string>>& params = {}) {
  auto m = CreateModel(name);
  for (const auto& [k, v] : params) SetParam(*m, k, v);
  m->SetFeatures(std::move(h), "criteo");
  m->Init(ctx);
  return m;
}

}  // namespace adpilot::testing
