// `adpilot abtest calibrate`: do the readout's verdicts and intervals keep
// their promises for a test design? Simulates many experiments with a known
// effect (0 and the MDE), reads each out as `abtest` would (at every day under
// --sequential, the peeking a user does; at the end otherwise) and counts
// false ships, futility stops and interval coverage, each with its
// Clopper-Pearson interval (docs/calibration.md).
#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <boost/math/distributions/beta.hpp>
#include <nlohmann/json.hpp>

#include "adpilot/abtest.h"
#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/progress.h"

namespace adpilot::abtest {
namespace {

// k of n, with its exact two-sided 95% interval.
nlohmann::json Rate(int k, int n) {
  double lo = 0, hi = 1;
  if (k > 0) lo = boost::math::quantile(boost::math::beta_distribution<double>(k, n - k + 1), 0.025);
  if (k < n) hi = boost::math::quantile(boost::math::beta_distribution<double>(k + 1, n - k), 0.975);
  return {{"count", k}, {"n", n}, {"rate", n ? double(k) / n : 0.0}, {"low", lo}, {"high", hi}};
}

struct Design {
  double baseline = 0.1, mde = 0.01, share = 0.5, alpha = 0.05;
  int units = 20000, days = 14, replicates = 200;
  bool sequential = true, cuped = true;
};

// One experiment: units arrive uniformly over the days; a unit's conversion
// probability rises with its pre-period engagement (the CUPED covariate), and
// treatment adds `effect` to it, so the true difference of means is `effect`.
Table Simulate(const Design& d, double effect, uint64_t seed) {
  Table t;
  t.path = "simulated experiment";
  t.columns = {"variant", "converted", "pre", "day"};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::uniform_real_distribution<double> u;
  const double b0 = std::log(d.baseline / (1 - d.baseline));
  t.rows.reserve(size_t(d.units));
  for (int i = 0; i < d.units; ++i) {
    const bool treated = u(rng) < d.share;
    const double z = g(rng);
    // Mean baseline over z stays close to d.baseline at this spread.
    const double pc = 1 / (1 + std::exp(-(b0 + 0.6 * z)));
    const double p = std::clamp(pc + (treated ? effect : 0.0), 0.0, 1.0);
    const int y = u(rng) < p;
    const double pre = std::exp(0.5 * z + 0.3 * g(rng));
    const int day = int(u(rng) * d.days);
    t.rows.push_back({treated ? "T" : "C", y ? "1" : "0", fmt::format("{:.4f}", pre), std::to_string(day)});
    t.lines.push_back(uint64_t(i + 2));
  }
  return t;
}

// What one experiment's readout did. The true difference of means is the
// simulated effect (the clamp at 1 aside, exactly).
struct Outcome {
  bool shipped = false, futile = false, covered = false, harmed = false;
};

Outcome ReadOut(const Design& d, double effect, uint64_t seed) {
  Table t = Simulate(d, effect, seed);
  AbOptions o;
  o.variant_col = "variant";
  o.control = "C";
  o.metrics = {"converted"};
  o.alpha = d.alpha;
  o.mde = d.mde;
  o.sequential = d.sequential;
  if (d.cuped) o.covariate = "pre";
  o.timestamp = "day";
  Outcome out;
  Context quiet;
  auto verdict = [&](const AbReport& r) {
    if (r.verdict == "ship") out.shipped = true;
    if (r.verdict == "stop" && r.rule.rfind("futility", 0) == 0) out.futile = true;
    if (r.verdict == "stop" && r.rule.rfind("harm", 0) == 0) out.harmed = true;
  };
  if (d.sequential) {
    // A look each day on the units so far; the user acts on the first verdict.
    // The looks grow one table in arrival order (a stable sort by day).
    std::vector<int> day(t.rows.size());
    for (size_t i = 0; i < day.size(); ++i) day[i] = std::stoi(t.rows[i][3]);
    std::vector<size_t> idx(t.rows.size());
    std::iota(idx.begin(), idx.end(), size_t(0));
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return day[a] < day[b]; });
    Table look;
    look.path = t.path;
    look.columns = t.columns;
    size_t n = 0;
    for (int today = 1; today <= d.days; ++today) {
      for (; n < idx.size() && day[idx[n]] < today; ++n) {
        look.rows.push_back(t.rows[idx[n]]);
        look.lines.push_back(t.lines[n]);
      }
      if (n < 40) continue;
      AbReport r = AnalyzeExperiment(look, o, quiet);
      verdict(r);
      if (r.verdict != "keep running" || today == d.days) {
        const MetricResult& m = r.results.front();
        out.covered = m.cs_low <= effect && effect <= m.cs_high;
        break;
      }
    }
  } else {
    AbReport r = AnalyzeExperiment(t, o, quiet);
    verdict(r);
    const MetricResult& m = r.results.front();
    out.covered = m.diff_ci_low <= effect && effect <= m.diff_ci_high;
  }
  return out;
}

class CalibrateCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {"abtest calibrate --baseline 0.1 --mde 0.01 --units 20000 --days 14 --replicates 200 --sequential"};
  }
  void Describe(OptionSet& s) override {
    s.Add("baseline", &d_.baseline, "control conversion rate").Range(0.001, 0.9);
    s.Add("mde", &d_.mde, "smallest effect worth detecting (absolute; the second simulated effect)").Range(1e-6, 0.5);
    s.Add("units", &d_.units, "units per experiment").Range(100, 100000000);
    s.Add("days", &d_.days, "days the units arrive over (one look a day under --sequential)").Range(1, 365);
    s.Add("share", &d_.share, "treatment share").Range(0.05, 0.95);
    s.Add("replicates", &d_.replicates, "experiments per simulated effect").Range(1, 100000);
    s.Add("sequential", &d_.sequential, "always-valid readout, looked at every day");
    s.Add("cuped", &d_.cuped, "pre-period covariate (CUPED)");
    s.Add("alpha", &d_.alpha, "significance level").Range(1e-6, 0.5);
  }

  nlohmann::json Run(const Context& ctx) override {
    nlohmann::json out = {{"baseline", d_.baseline},
                          {"mde", d_.mde},
                          {"units", d_.units},
                          {"days", d_.days},
                          {"share", d_.share},
                          {"replicates", d_.replicates},
                          {"sequential", d_.sequential},
                          {"cuped", d_.cuped},
                          {"alpha", d_.alpha}};
    out["scenarios"] = nlohmann::json::array();
    for (double effect : {0.0, d_.mde}) {
      std::vector<Outcome> res(size_t(d_.replicates));
      Progress progress(ctx, fmt::format("abtest calibrate (effect {})", effect), res.size(), "experiments");
      progress.Begin();
      std::mutex mu;
      ParallelFor(ctx.threads, res.size(), [&](size_t lo, size_t hi, int) {
        for (size_t i = lo; i < hi; ++i) {
          res[i] = ReadOut(d_, effect, ctx.SubSeed(fmt::format("abtest-calibrate/{}/{}", effect, i)));
          std::lock_guard<std::mutex> lock(mu);
          progress.Advance();
        }
      });
      progress.Finish();
      int ships = 0, futile = 0, covered = 0, harmed = 0;
      for (const auto& r : res) ships += r.shipped, futile += r.futile, covered += r.covered, harmed += r.harmed;
      const int n = d_.replicates;
      out["scenarios"].push_back({{"effect", effect},
                                  {"ship", Rate(ships, n)},
                                  {"futility_stop", Rate(futile, n)},
                                  {"harm_stop", Rate(harmed, n)},
                                  {"coverage", Rate(covered, n)}});
    }
    return out;
  }

 private:
  Design d_;
};

ADPILOT_COMMAND("abtest calibrate", "evaluate",
                "simulate experiments of a design with a known effect (0 and --mde): false ships, futility stops "
                "and interval coverage of the readout, with Clopper-Pearson intervals",
                CalibrateCommand);

}  // namespace
}  // namespace adpilot::abtest
