// The world's parts besides users and auctions; each writes its file(s) and
// returns its object of truth.json.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/context.h"
#include "adpilot/world.h"
#include "gen/users.h"

namespace adpilot::gen {

// channels.csv (weekly spend, controls, KPI).
nlohmann::json WriteChannels(const WorldConfig& cfg, const std::string& path, const Context& ctx);
// experiment.csv and uplift_truth.csv in `dir`.
nlohmann::json WriteExperiment(const WorldConfig& cfg, const std::string& dir, const Context& ctx);
// journeys.csv; journeys belong to users of `pop`.
nlohmann::json WriteJourneys(const WorldConfig& cfg, const Population& pop, const std::string& path,
                             const Context& ctx);

}  // namespace adpilot::gen
