// adpilot <command> [options]. main() is the only place that turns errors into
// exit codes: 0 ok, 2 bad usage or bad input, 1 any other failure.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <regex>

#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "cli/cli.h"
#include "cli/suggest.h"

namespace {

// Where an error message names "FILE:LINE" of a file that exists, those two,
// for --json's error object (messages name them that way: docs/architecture.md).
std::pair<nlohmann::json, nlohmann::json> FileAndLine(const std::string& message) {
  static const std::regex at(R"(([^\s'"(),:]+):(\d+))");
  for (auto it = std::sregex_iterator(message.begin(), message.end(), at); it != std::sregex_iterator(); ++it) {
    std::error_code ec;
    if (std::filesystem::is_regular_file((*it)[1].str(), ec)) return {(*it)[1].str(), std::stoull((*it)[2].str())};
  }
  return {nullptr, nullptr};
}

// The code of --json's error object: ErrorCodeName as an identifier.
std::string JsonCode(adpilot::ErrorCode code) {
  std::string s = adpilot::ErrorCodeName(code);
  if (code == adpilot::ErrorCode::kIOError) return "io_error";
  if (code == adpilot::ErrorCode::kInternal) return "internal";
  for (auto& c : s) c = c == ' ' ? '_' : c;
  return s;
}

std::shared_ptr<const adpilot::Collective>& Comm() {
  static std::shared_ptr<const adpilot::Collective> comm;
  return comm;
}

// One error, as text on stderr and, under --json, also as one JSON object on
// stdout (a script reading stdout gets JSON either way); returns the exit status.
int ReportError(bool json, const std::string& code, std::string message, int status) {
  // Under MPI the message names the rank that failed (the others are ended by
  // main's Abort, which OpenMPI reports on its own).
  if (const auto& comm = Comm(); comm && comm->distributed()) message = comm->who() + ": " + message;
  if (json && !adpilot::cli::JsonPrinted()) {
    auto [file, line] = FileAndLine(message);
    adpilot::cli::PrintJson({{"error", {{"code", code}, {"message", message}, {"file", file}, {"line", line}}}});
  }
  std::fprintf(stderr, "adpilot: error: %s\n", message.c_str());
  return status;
}

int Main(int argc, char** argv) {
  using namespace adpilot;
  CLI::App app{"adpilot: decide where advertising money goes, and prove the decision was good"};
  app.set_version_flag("--version", std::string("adpilot ") + ADPILOT_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  cli::Globals g;
  g.comm = Comm();
  app.add_option("--threads", g.threads, "worker threads")->check(CLI::Range(1, 1024));
  app.add_option("--seed", g.seed, "random seed (results are reproducible from it)");
  app.add_flag("--quiet,-q", g.quiet, "no progress or log output on stderr");
  app.add_flag("--verbose,-v", g.verbose, "debug logging on stderr");
  for (const auto& [order, install] : cli::Commands()) install(app, g);
  cli::InstallLibraryCommands(app, g);
  const std::vector<std::string> args(argv + 1, argv + argc);
  const bool json = std::find(args.begin(), args.end(), "--json") != args.end();
  try {
    cli::CheckArgv(app, args);
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (!json) {
      app.exit(e);
      return 2;
    }
    return ReportError(json, "invalid_argument", e.what(), 2);
  } catch (const Error& e) {
    return ReportError(json, JsonCode(e.code()), e.what(), ExitCodeFor(e.code()));
  } catch (const std::bad_alloc&) {
    return ReportError(json, "out_of_memory", "out of memory", 1);
  } catch (const std::exception& e) {
    return ReportError(json, "internal", e.what(), 1);
  }
  return 0;
}

// A file-size limit (ulimit -f) then fails the write with EFBIG, which the
// atomic writers report and clean up, instead of killing the process with a
// half-written temporary file left behind.
void IgnoreFileSizeSignal() { std::signal(SIGXFSZ, SIG_IGN); }

int Run(int argc, char** argv) {
  IgnoreFileSizeSignal();
  try {
    Comm() = adpilot::JoinJob(&argc, &argv);
  } catch (const adpilot::Error& e) {
    std::fprintf(stderr, "adpilot: error: %s\n", e.what());
    return adpilot::ExitCodeFor(e.code());
  }
  // Under MPI only rank 0 prints results: every rank computes the same ones.
  if (Comm()->rank() > 0 && !std::freopen("/dev/null", "w", stdout)) return 1;
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

}  // namespace

int main(int argc, char** argv) {
  int status = Run(argc, argv);
  // A rank that fails ends the job: the others may be waiting for it in a
  // collective and would wait forever.
  if (status != 0 && Comm() && Comm()->distributed()) {
    std::fflush(nullptr);
    Comm()->Abort(status);
  }
  Comm().reset();  // MPI_Finalize before static destructors
  return status;
}
