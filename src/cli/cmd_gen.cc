// adpilot gen world: the simulated marketing world with its ground truth.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/world.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

void InstallGen(CLI::App& app, Globals& g) {
  auto* gen = app.add_subcommand("gen", "generate simulated data with known ground truth");
  gen->require_subcommand(1);

  struct WorldArgs {
    WorldConfig cfg;
    OptionSet opts;
    std::unique_ptr<BoundOptions> bound;
    std::string out, scale = "small";
    bool json = false;
  };
  auto a = std::make_shared<WorldArgs>();
  auto* world = gen->add_subcommand(
      "world",
      "write a consistent world (users.jsonl, auctions.tsv/.rlb/.meta.tsv, channels.csv, "
      "experiment.csv, uplift_truth.csv, journeys.csv, truth.json) into --out; layouts in "
      "docs/formats.md. Knobs below default to the small scale; --scale sets the sizes, "
      "then --config and flags override");
  world->add_option("--out", a->out, "output directory (created if needed)")->required();
  world->add_option("--scale", a->scale, "sizes: small (200k auctions, seconds), medium (2.5M), large (100M) (default: small)")
      ->check(CLI::IsMember({"small", "medium", "large"}));
  world->add_flag("--json", a->json, "print a JSON summary on stdout");
  a->cfg.Describe(a->opts);
  a->bound = std::make_unique<BoundOptions>(world, a->opts);
  world->callback([a, &g] {
    Context ctx = MakeContext(g);
    a->cfg.ApplyScale(a->scale);  // scale sizes first: config and flags override them
    a->bound->Resolve();
    nlohmann::json truth = GenerateWorld(a->cfg, a->out, ctx);
    const auto& au = truth["auctions"];
    nlohmann::json summary = {
        {"out", a->out},
        {"seed", ctx.seed},
        {"scale", a->scale},
        {"users", truth["users"]["count"]},
        {"auctions", au["count"]},
        {"clicks", au["clicks"]},
        {"mean_ctr", au["mean_ctr"]},
        {"true_auc", au["true_auc"]},
        {"weeks", truth["mmm"]["weeks"]},
        {"channels", truth["channels"]},
        {"experiment_units", truth["experiment"]["units"]},
        {"ate", truth["experiment"]["ate"]},
        {"journeys", truth["journeys"]["count"]},
        {"files", {"users.jsonl", "auctions.tsv", "auctions.rlb", "auctions.meta.tsv", "channels.csv",
                   "experiment.csv", "uplift_truth.csv", "journeys.csv", "truth.json"}}};
    if (a->json) {
      PrintJson(summary);
      return;
    }
    fmt::print("world written to {}\n  users       {}\n  auctions    {} (CTR {:.4f}, true-model AUC {:.4f})\n"
               "  channels    {} weeks x {}\n  experiment  {} units (true ATE {:.4f})\n  journeys    {}\n",
               a->out, summary["users"].get<int64_t>(), summary["auctions"].get<int64_t>(),
               summary["mean_ctr"].get<double>(), au["true_auc"].is_number() ? au["true_auc"].get<double>() : 0.0,
               summary["weeks"].get<int>(), truth["channels"].size(),
               summary["experiment_units"].get<int64_t>(), summary["ate"].get<double>(),
               summary["journeys"].get<int64_t>());
  });
}

ADPILOT_CLI_COMMAND(5, InstallGen);

}  // namespace
}  // namespace adpilot::cli
