// adpilot <command> [options]. main() is the only place that turns errors into
// exit codes: 0 ok, 2 bad usage or bad input, 1 any other failure.
#include <cstdio>
#include <exception>
#include <iostream>

#include "adpilot/error.h"
#include "cli/cli.h"

namespace {

int Main(int argc, char** argv) {
  using namespace adpilot;
  CLI::App app{"adpilot: decide where advertising money goes, and prove the decision was good"};
  app.set_version_flag("--version", std::string("adpilot ") + ADPILOT_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  cli::Globals g;
  app.add_option("--threads", g.threads, "worker threads")->check(CLI::Range(1, 1024));
  app.add_option("--seed", g.seed, "random seed (results are reproducible from it)");
  app.add_flag("--quiet,-q", g.quiet, "no progress or log output on stderr");
  app.add_flag("--verbose,-v", g.verbose, "debug logging on stderr");
  for (const auto& [order, install] : cli::Commands()) install(app, g);
  cli::InstallLibraryCommands(app, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "adpilot: error: %s\n", e.what());
    return ExitCodeFor(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "adpilot: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "adpilot: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Only setting up the commands can get here (a duplicate flag, no memory):
  // a bug or a dying machine, never the user's input.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "adpilot: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "adpilot: internal error\n");
  }
  return 1;
}
