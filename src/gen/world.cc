// GenerateWorld: runs every part in a fixed order and writes truth.json last,
// so a directory with a truth.json holds a complete world.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/collective.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/world.h"
#include "gen/auction_model.h"
#include "gen/auction_stream.h"
#include "gen/parts.h"
#include "gen/users.h"
#include "gen/vocab.h"

namespace adpilot {

nlohmann::json GenerateWorld(const WorldConfig& config, const std::string& dir, const Context& ctx) {
  WorldConfig cfg = config;
  OptionSet opts;
  cfg.Describe(opts);
  opts.Validate();
  cfg.Check();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    Throw(ErrorCode::kIOError, "cannot create output directory '{}': {}", dir, ec.message());
  auto t0 = std::chrono::steady_clock::now();
  auto since = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

  using nlohmann::json;
  json truth;
  truth["version"] = 1;
  truth["generator"] = "adpilot gen world";
  truth["seed"] = ctx.seed;
  truth["scale"] = cfg.scale;
  truth["config"] = opts.ToJson();
  truth["topics"] = std::vector<std::string>(TopicNames().begin(), TopicNames().begin() + cfg.topics);
  // Each topic's own words, the ground truth of keyword selection (`profile keywords --relevant`).
  truth["topic_words"] = nlohmann::json::object();
  for (int t = 0; t < cfg.topics; ++t) truth["topic_words"][TopicNames()[size_t(t)]] = gen::TopicWords()[size_t(t)];
  truth["channels"] = std::vector<std::string>(ChannelNames().begin(), ChannelNames().begin() + cfg.channels);

  // Under mpirun every rank builds the population and the auction model (the
  // same, from the seed) and generates its share of the auctions; rank 0 alone
  // writes the other files and truth.json, then hands truth to the others.
  const Collective& comm = ctx.comm();
  const bool lead = comm.rank() == 0;
  ctx.log().info("gen: {} users", cfg.users);
  gen::Population pop = gen::MakePopulation(cfg, ctx);
  if (lead) truth["users"] = gen::WriteUsers(cfg, pop, dir + "/users.jsonl", ctx);

  ctx.log().info("gen: {} auctions over {} days{}", cfg.auctions, cfg.days,
                 comm.distributed() ? fmt::format(", split across {} ranks", comm.size()) : "");
  gen::AuctionModel model(cfg, pop, ctx);
  nlohmann::json auctions = gen::WriteAuctions(cfg, model, dir, ctx);
  if (!lead) {
    std::string bytes;
    comm.Broadcast(bytes);
    return nlohmann::json::parse(bytes);
  }
  truth["auctions"] = std::move(auctions);

  ctx.log().info("gen: {} weeks x {} channels", cfg.weeks, cfg.channels);
  json channels = gen::WriteChannels(cfg, dir + "/channels.csv", ctx);
  ctx.log().info("gen: experiment with {} units, {} journeys", cfg.experiment_units, cfg.journeys);
  json experiment = gen::WriteExperiment(cfg, dir, ctx);
  json journeys = gen::WriteJourneys(cfg, pop, dir + "/journeys.csv", ctx);
  // "channels" at the top level lists the names; the marketing-mix truth sits under "mmm".
  truth["mmm"] = std::move(channels);
  truth["experiment"] = std::move(experiment);
  truth["journeys"] = std::move(journeys);

  WriteFileAtomic(dir + "/truth.json", truth.dump(1) + "\n");
  if (comm.distributed()) {
    std::string bytes = truth.dump();
    comm.Broadcast(bytes);
  }
  ctx.log().info("gen: world written to {} in {:.1f} s", dir, since());
  return truth;
}

}  // namespace adpilot
