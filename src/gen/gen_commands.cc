// The gen stage's command: gen world, the simulated marketing world with its
// ground truth. Its options are declared here once (WorldConfig::Describe);
// the CLI and `adpilot run` bind from them.
#include <nlohmann/json.hpp>

#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/options.h"
#include "adpilot/world.h"

namespace adpilot {
namespace {

class WorldCommand : public Command {
 public:
  std::vector<std::string> Examples() const override { return {"--seed 7 gen world --out world --scale small"}; }
  void Describe(OptionSet& s) override {
    s.Add("out", &out_, "output directory (created if needed)").Required().OutputDir();
    s.Add("scale", &cfg_.scale, "sizes: small (200k auctions, seconds), medium (2.5M), large (100M)")
        .Choices({"small", "medium", "large"});
    cfg_.Describe(s);
  }

  nlohmann::json Run(const Context& ctx) override {
    ApplyScale();
    nlohmann::json truth = GenerateWorld(cfg_, out_, ctx);
    const auto& au = truth["auctions"];
    return {{"out", out_},
            {"seed", ctx.seed},
            {"scale", cfg_.scale},
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
            {"files",
             {"users.jsonl", "auctions.tsv", "auctions.rlb", "auctions.meta.tsv", "channels.csv", "experiment.csv",
              "uplift_truth.csv", "journeys.csv", "truth.json"}}};
  }

 private:
  // The scale sets the sizes; the options given (config, flags) override them.
  void ApplyScale() {
    WorldConfig scaled = cfg_;
    scaled.ApplyScale(cfg_.scale);
    OptionSet mine, theirs;
    cfg_.Describe(mine);
    scaled.Describe(theirs);
    nlohmann::json sizes = theirs.ToJson();
    for (const auto& e : theirs.entries())
      if (given(e.key)) sizes.erase(e.key);
    mine.FromJson(sizes, "--scale " + cfg_.scale);
  }

  WorldConfig cfg_;
  std::string out_;
};

ADPILOT_COMMAND_GROUP("gen", "generate simulated data with known ground truth");
ADPILOT_COMMAND("gen world", "gen",
                "write a consistent world (users.jsonl, auctions.tsv/.rlb/.meta.tsv, channels.csv, "
                "experiment.csv, uplift_truth.csv, journeys.csv, truth.json) into --out; layouts in "
                "docs/formats.md. Knobs below default to the small scale; --scale sets the sizes, "
                "then --config and flags override",
                WorldCommand);

}  // namespace
}  // namespace adpilot
