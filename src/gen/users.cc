#include "gen/users.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/hash.h"
#include "adpilot/progress.h"
#include "gen/out_file.h"
#include "gen/vocab.h"

namespace adpilot::gen {

std::string Population::Id(size_t u) { return fmt::format("u{:07d}", u); }

std::array<char, 8> HexToken(const std::string& field, const std::string& value) {
  static const char* hex = "0123456789abcdef";
  uint32_t h = uint32_t(Hash64(field + ":" + value, 0x5eedULL));
  std::array<char, 8> t;
  for (int i = 7; i >= 0; --i, h >>= 4) t[i] = hex[h & 15];
  return t;
}

namespace {

size_t Pick(Random& rng, const std::vector<double>& w) {
  double u = rng.Uniform(), acc = 0;
  for (size_t i = 0; i + 1 < w.size(); ++i)
    if (u < (acc += w[i])) return i;
  return w.size() - 1;
}

template <typename T>
const T& Any(Random& rng, const std::vector<T>& v) {
  return v[rng.Below(v.size())];
}

}  // namespace

Population MakePopulation(const WorldConfig& cfg, const Context& ctx) {
  Population pop;
  pop.topics = cfg.topics;
  size_t n = size_t(cfg.users), k = size_t(cfg.topics);
  pop.users.resize(n);
  pop.interests.resize(n * k);
  pop.token.resize(n);
  Random rng = Random::Stream(ctx, "users");
  std::vector<double> activity(n);
  for (size_t u = 0; u < n; ++u) {
    User& x = pop.users[u];
    x.age = uint8_t(std::clamp<long>(std::lround(rng.Normal(40, 14)), 18, 80));
    x.gender = uint8_t(Pick(rng, {0.48, 0.48, 0.04}));
    x.region = uint8_t(rng.Below(kRegions.size()));
    x.income = uint8_t(Pick(rng, {0.3, 0.5, 0.2}));
    x.device = uint8_t(Pick(rng, {0.35, 0.5, 0.1, 0.05}));
    std::vector<double> mix = rng.Dirichlet(int(k), 0.4);
    for (size_t t = 0; t < k; ++t) pop.interests[u * k + t] = float(mix[t]);
    x.dominant = uint8_t(std::max_element(mix.begin(), mix.end()) - mix.begin());
    const double sd = 0.8;  // lognormal with mean 1
    x.activity = float(std::exp(rng.Normal(-sd * sd / 2, sd)));
    activity[u] = x.activity;
    // Younger users click a little more; the rest is personal.
    x.propensity = float(rng.Normal(0, 0.5) - 0.01 * (x.age - 40));
    x.past_clicks = uint32_t(rng.Poisson(3.0 * x.activity * std::exp(x.propensity)));
    x.tenure_days = uint32_t(rng.Below(3000));
    pop.token[u] = HexToken("C1", Population::Id(u));
  }
  pop.by_activity = AliasTable(activity);
  return pop;
}

namespace {

// A topic word; with dialects, 75% from the writer's group of the topic's
// words (the draws of the default world are untouched when there are none).
std::string TopicWord(Random& rng, int topic, int dialects, int dialect) {
  const auto& words = TopicWords()[topic];
  if (dialects <= 1 || !rng.Bernoulli(0.75)) return Any(rng, words);
  size_t lo = words.size() * size_t(dialect) / size_t(dialects);
  size_t hi = words.size() * size_t(dialect + 1) / size_t(dialects);
  return words[lo + rng.Below(hi - lo)];
}

std::string MakeText(Random& rng, int kind, int topic, int dialects, int dialect) {
  std::string w1 = TopicWord(rng, topic, dialects, dialect), w2 = TopicWord(rng, topic, dialects, dialect),
              w3 = TopicWord(rng, topic, dialects, dialect);
  switch (kind) {
    case 0: {  // search query
      std::string q = rng.Bernoulli(0.5) ? Any(rng, QueryModifiers()) + " " : "";
      q += w1;
      if (rng.Bernoulli(0.7)) q += " " + w2;
      if (rng.Bernoulli(0.3)) q += " " + w3;
      return q;
    }
    case 1:  // review
      return fmt::format("{} {}. {} {}, {} {} {}.", Any(rng, ReviewOpeners()), w1, Any(rng, Adjectives()), w2,
                         Any(rng, NeutralWords()), Any(rng, NeutralWords()), w3);
    default:  // page title
      return fmt::format("{} {}: {} {} {}", w1, w2, Any(rng, NeutralWords()), w3, Any(rng, NeutralWords()));
  }
}

}  // namespace

nlohmann::json WriteUsers(const WorldConfig& cfg, const Population& pop, const std::string& path, const Context& ctx) {
  static const char* kKinds[] = {"query", "review", "title"};
  const auto& topics = TopicNames();
  size_t k = size_t(pop.topics);
  Random rng = Random::Stream(ctx, "users.texts");
  Random dialect_rng = Random::Stream(ctx, "users.dialect");
  OutFile out(path);
  Progress progress(ctx, "gen users", pop.users.size(), "users");
  std::vector<int> dominant;
  std::vector<int64_t> counts(k, 0);
  for (size_t u = 0; u < pop.users.size(); ++u) {
    const User& x = pop.users[u];
    const float* mix = pop.Interests(u);
    nlohmann::json j;
    j["user_id"] = Population::Id(u);
    j["age"] = x.age;
    j["gender"] = kGenders[x.gender];
    j["region"] = kRegions[x.region];
    j["income"] = kIncomes[x.income];
    j["device"] = kDevices[x.device];
    j["activity"] = std::round(x.activity * 1e4) / 1e4;
    j["dominant_topic"] = topics[x.dominant];
    auto& in = j["interests"] = nlohmann::json::array();
    for (size_t t = 0; t < k; ++t) in.push_back(std::round(double(mix[t]) * 1e4) / 1e4);
    int dialect = 0;
    if (cfg.dialects > 1) j["dialect"] = dialect = int(dialect_rng.Below(uint64_t(cfg.dialects)));
    auto& texts = j["texts"] = nlohmann::json::array();
    int n = cfg.texts_min + int(rng.Below(uint64_t(cfg.texts_max - cfg.texts_min) + 1));
    for (int i = 0; i < n; ++i) {
      // Mostly on-interest, sometimes off-topic (people read outside their interests).
      int topic;
      if (rng.Bernoulli(0.1)) {
        topic = int(rng.Below(k));
      } else {
        double r = rng.Uniform(), acc = 0;
        topic = int(k) - 1;
        for (size_t t = 0; t < k; ++t)
          if (r < (acc += mix[t])) {
            topic = int(t);
            break;
          }
      }
      int kind = int(rng.Below(3));
      texts.push_back({{"kind", kKinds[kind]}, {"text", MakeText(rng, kind, topic, cfg.dialects, dialect)}});
    }
    out.Append(j.dump());
    out.Append("\n");
    out.MaybeFlush();
    dominant.push_back(x.dominant);
    ++counts[x.dominant];
    progress.Add();
  }
  out.Commit();
  nlohmann::json truth;
  truth["count"] = pop.users.size();
  truth["file"] = "users.jsonl";
  truth["dominant_topic"] = dominant;
  nlohmann::json c = nlohmann::json::object();
  for (size_t t = 0; t < k; ++t) c[topics[t]] = counts[t];
  truth["dominant_topic_counts"] = c;
  truth["interest_concentration"] = 0.4;
  return truth;
}

}  // namespace adpilot::gen
