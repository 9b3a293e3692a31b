// adpilot serve --config serve.toml [--port P]
#include <filesystem>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/server.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

void InstallServe(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("serve", "OpenRTB bidder and scoring API (docs/serving.md)");
  auto opts = std::make_shared<ServerOptions>();
  auto set = std::make_shared<OptionSet>("server");
  opts->Describe(*set);
  auto bound = std::make_shared<BoundOptions>(cmd, *set);
  cmd->callback([opts, set, bound, cmd, &g] {
    if (bound->config_path().empty())
      Throw(ErrorCode::kInvalidArgument, "serve needs --config FILE (campaigns and the feature mapping live there)");
    bound->Resolve();
    Context ctx = MakeContext(g);
    ServeConfig cfg;
    cfg.server = *opts;
    // Paths written in the config are relative to it; paths given as flags to the cwd.
    auto dir = std::filesystem::path(bound->config_path()).parent_path();
    auto rel = [&](std::string& p, const char* flag) {
      if (!p.empty() && cmd->count(flag) == 0 && std::filesystem::path(p).is_relative())
        p = (dir / p).lexically_normal().string();
    };
    rel(cfg.server.model, "--model");
    rel(cfg.server.log_dir, "--log-dir");
    LoadServeTables(bound->config_path(), cfg);
    Server server(std::move(cfg), ctx);
    server.Start();
    server.Wait(true);
  });
}

ADPILOT_CLI_COMMAND(80, InstallServe);

}  // namespace
}  // namespace adpilot::cli
