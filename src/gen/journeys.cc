// Multi-touch journeys with known causal channel effects (noisy-OR): each
// touch of channel c independently converts with probability effect_c on top
// of a base rate, so the true incremental conversions of every channel (and
// their exact Shapley split) follow from the journeys themselves.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/progress.h"
#include "gen/auction_model.h"
#include "gen/out_file.h"
#include "gen/parts.h"
#include "gen/random.h"

namespace adpilot::gen {

nlohmann::json WriteJourneys(const WorldConfig& cfg, const Population& pop, const std::string& path,
                             const Context& ctx) {
  Random rng = Random::Stream(ctx, "journeys");
  const int C = cfg.channels;
  const auto& names = ChannelNames();
  std::vector<double> effect(static_cast<size_t>(C));
  for (auto& e : effect) e = rng.Uniform(0.002, 0.04);
  AliasTable exposure(ZipfWeights(size_t(C), 0.6));
  const double b = cfg.journey_base_rate;
  std::vector<double> incremental(size_t(C), 0), shapley(size_t(C), 0);
  std::vector<int64_t> touches_per(size_t(C), 0), journeys_with(size_t(C), 0);
  std::vector<double> fact(size_t(C) + 1, 1);
  for (int i = 1; i <= C; ++i) fact[size_t(i)] = fact[size_t(i) - 1] * i;
  int64_t touches = 0, conversions = 0;
  double expected = 0;
  OutFile out(path);
  out.Append("journey_id,user_id,touch,channel,timestamp,converted\n");
  Progress progress(ctx, "gen journeys", uint64_t(cfg.journeys), "journeys");
  std::vector<int> seq;
  std::vector<int64_t> ts;
  const int64_t span = int64_t(std::max(cfg.days, 1)) * 86400;
  for (int64_t j = 0; j < cfg.journeys; ++j) {
    uint32_t user = pop.by_activity.Draw(rng);
    int n = 1 + int(std::min<int64_t>(rng.Poisson(2.0), 19));
    seq.clear();
    ts.clear();
    int64_t t = kWorldStart + int64_t(rng.Below(uint64_t(span)));
    std::vector<double> q(size_t(C), 1);  // prod of (1 - effect) per channel
    for (int k = 0; k < n; ++k) {
      int c = int(exposure.Draw(rng));
      seq.push_back(c);
      ts.push_back(t);
      t += 60 + int64_t(rng.Exponential(86400));
      q[size_t(c)] *= 1 - effect[size_t(c)];
      ++touches_per[size_t(c)];
    }
    double qall = 1;
    for (double v : q) qall *= v;
    double p = 1 - (1 - b) * qall;
    bool converted = rng.Uniform() < p;
    expected += p;
    conversions += converted;
    touches += n;
    // Players: the distinct channels of this journey.
    std::vector<int> players;
    for (int c = 0; c < C; ++c)
      if (q[size_t(c)] < 1) players.push_back(c);
    for (int c : players) {
      ++journeys_with[size_t(c)];
      incremental[size_t(c)] += p - (1 - (1 - b) * qall / q[size_t(c)]);
    }
    size_t m = players.size();
    for (size_t i = 0; i < m; ++i) {
      for (uint32_t mask = 0; mask < (1u << m); ++mask) {
        if (mask & (1u << i)) continue;
        double qs = 1;
        int size = 0;
        for (size_t k = 0; k < m; ++k)
          if (mask & (1u << k)) qs *= q[size_t(players[k])], ++size;
        double gain = (1 - b) * qs * (1 - q[size_t(players[i])]);  // v(S+i) - v(S)
        shapley[size_t(players[i])] += gain * fact[size_t(size)] * fact[m - size_t(size) - 1] / fact[m];
      }
    }
    std::string id = fmt::format("j{:07d}", j), uid = Population::Id(user);
    for (int k = 0; k < n; ++k)
      out.Append(fmt::format("{},{},{},{},{},{}\n", id, uid, k, names[size_t(seq[size_t(k)])], ts[size_t(k)],
                             converted ? 1 : 0));
    out.MaybeFlush();
    progress.Add();
  }
  out.Commit();
  nlohmann::json r;
  r["file"] = "journeys.csv";
  r["count"] = cfg.journeys;
  r["touches"] = touches;
  r["conversions"] = conversions;
  r["expected_conversions"] = expected;
  r["base_rate"] = b;
  r["model"] =
      "P(convert) = 1 - (1 - base_rate) * prod over touches (1 - effect[channel]); "
      "touches per journey = 1 + min(Poisson(2), 19); channel of a touch ~ Zipf(0.6) over channels";
  nlohmann::json eff = nlohmann::json::object(), inc = eff, sh = eff, tp = eff, jw = eff;
  for (int c = 0; c < C; ++c) {
    eff[names[size_t(c)]] = effect[size_t(c)];
    inc[names[size_t(c)]] = incremental[size_t(c)];
    sh[names[size_t(c)]] = shapley[size_t(c)];
    tp[names[size_t(c)]] = touches_per[size_t(c)];
    jw[names[size_t(c)]] = journeys_with[size_t(c)];
  }
  r["effect"] = eff;
  r["incremental_conversions"] = inc;
  r["shapley_conversions"] = sh;
  r["touches_per_channel"] = tp;
  r["journeys_with_channel"] = jw;
  return r;
}

}  // namespace adpilot::gen
