// MMM speed: fit 208 weeks x 5 channels with 4 chains x 1000 draws (1000 warmup)
// on simulated data with known parameters, then the same model fitted by
// scipy least squares (bench/mmm/scipy_reference.py) in the same run, then the
// allocator on 20 channels. Prints one JSON object per line.
//   bench_mmm [--threads N] [--draws D] [--warmup W] [--no-scipy] [--roas-prior half_normal|pooled]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/allocator.h"
#include "adpilot/context.h"
#include "adpilot/mmm.h"
#include "schedule/simulate.h"

using namespace adpilot;
using namespace adpilot::mmm;

int main(int argc, char** argv) {
  int threads = 2, draws = 1000, warmup = 1000;
  bool scipy = true;
  std::string roas_prior = MmmOptions().roas_prior;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--draws" && i + 1 < argc) draws = std::atoi(argv[++i]);
    else if (a == "--warmup" && i + 1 < argc) warmup = std::atoi(argv[++i]);
    else if (a == "--no-scipy") scipy = false;
    else if (a == "--roas-prior" && i + 1 < argc) roas_prior = argv[++i];
  }
  SimTruth truth;
  MmmData data = SimulateMmm(208, 5, 2024, &truth, 0.03);
  MmmOptions o;
  o.chains = 4;
  o.draws = draws;
  o.warmup = warmup;
  o.holdout = 0;
  o.roas_prior = roas_prior;
  Context ctx = Context::Default();
  ctx.threads = threads;
  ctx.seed = 1;
  MmmReport rep;
  auto t0 = std::chrono::steady_clock::now();
  MmmModel m = FitMmm(data, o, ctx, &rep);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json j = {{"bench", "mmm_fit_208x5"},
                      {"roas_prior", roas_prior},
                      {"threads", threads},
                      {"chains", 4},
                      {"warmup", warmup},
                      {"draws", draws},
                      {"seconds", secs},
                      {"rhat_max", rep.rhat_max},
                      {"ess_min", rep.ess_min},
                      {"divergences", rep.divergences},
                      {"gradients", rep.gradients},
                      {"mean_tree_depth", rep.mean_tree_depth},
                      {"us_per_gradient", 1e6 * secs * threads / double(rep.gradients)},
                      {"r2", rep.train.r2}};
  nlohmann::json roas = nlohmann::json::array();
  for (int c = 0; c < 5; ++c)
    roas.push_back({{"channel", rep.channels[c].name},
                    {"true", TrueRoas(truth, m.data, c, m.train_rows)},
                    {"mean", rep.channels[c].roas.mean},
                    {"low", rep.channels[c].roas.low},
                    {"high", rep.channels[c].roas.high}});
  j["roas"] = roas;
  std::puts(j.dump().c_str());
  std::fflush(stdout);

  if (scipy) {
    auto dir = std::filesystem::temp_directory_path() / fmt::format("bench_mmm_{}", ::getpid());
    std::filesystem::create_directories(dir);
    std::string csv = (dir / "sim.csv").string();
    std::ofstream f(csv);
    f << "date,kpi,ch0,ch1,ch2,ch3,ch4\n";
    for (int t = 0; t < data.rows(); ++t) {
      f << data.dates[t] << "," << fmt::format("{}", data.kpi[t]);
      for (int c = 0; c < 5; ++c) f << "," << fmt::format("{}", data.spend(t, c));
      f << "\n";
    }
    f.close();
    std::string script = (std::filesystem::path(__FILE__).parent_path() / "mmm" / "scipy_reference.py").string();
    std::string cmd = fmt::format("/usr/bin/python3 {} {} --max-lag 8 --fourier 2", script, csv);
    int rc = std::system(cmd.c_str());
    if (rc != 0) std::fprintf(stderr, "scipy reference failed (%d)\n", rc);
    std::filesystem::remove_all(dir);
  }

  // Allocator on 20 channels (a short fit supplies the posterior draws).
  SimTruth t20;
  MmmData d20 = SimulateMmm(208, 20, 7, &t20, 0.03);
  MmmOptions o20;
  o20.chains = 1;
  o20.warmup = 150;
  o20.draws = 200;
  o20.holdout = 0;
  MmmModel m20 = FitMmm(d20, o20, ctx);
  AllocateOptions ao;
  ao.max_draws = 200;
  // Default (extrapolation guard on: its observed ranges cost one adstock pass per draw) and without it.
  auto time_alloc = [&](bool guard, Allocation& al) {
    ao.guard = guard;
    double best = 1e9;
    for (int rep_i = 0; rep_i < 5; ++rep_i) {
      auto a0 = std::chrono::steady_clock::now();
      al = Allocate(m20, ao, ctx);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - a0).count());
    }
    return best;
  };
  Allocation al, al_ng;
  const double best = time_alloc(true, al), best_ng = time_alloc(false, al_ng);
  int binding = 0;
  for (size_t c = 0; c < al.at_bound.size(); ++c) binding += al.at_bound[c] && al.bound_source[c] == "guard";
  std::puts(nlohmann::json({{"bench", "mmm_allocate_20ch"},
                            {"seconds_best_of_5", best},
                            {"seconds_best_of_5_no_guard", best_ng},
                            {"guard_bounds_binding", binding},
                            {"periods", al.periods},
                            {"draws", 200},
                            {"expected_kpi", al.expected_kpi},
                            {"expected_kpi_no_guard", al_ng.expected_kpi},
                            {"current_kpi", al.current_kpi}})
                .dump()
                .c_str());
  return 0;
}
