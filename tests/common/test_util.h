// Helpers shared by the test binaries: paths to ../shared/data (skip when
// absent), temp dirs, and running the adpilot CLI.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace adpilot::testing {

// ../shared/data beside the checkout, or "" when a user's clone has none.
inline std::string SharedData() {
  if (const char* env = std::getenv("ADPILOT_SHARED_DATA")) return env;
  std::filesystem::path p = std::filesystem::path(ADPILOT_SOURCE_DIR) / ".." / "shared" / "data";
  return std::filesystem::exists(p) ? std::filesystem::canonical(p).string() : "";
}

#define ADPILOT_REQUIRE_SHARED_DATA(rel)                                                \
  std::string shared_path = ::adpilot::testing::SharedData();                           \
  if (shared_path.empty() || !std::filesystem::exists(shared_path + "/" + (rel)))       \
    GTEST_SKIP() << "../shared/data/" << (rel) << " not found: real-data test skipped"; \
  shared_path += "/" + std::string(rel)

// A fresh directory under the build tree, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(ADPILOT_BINARY_DIR) / "test-tmp" /
            (std::string(info->test_suite_name()) + "." + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CliResult {
  int exit_code;
  std::string out;  // stdout
};

// Runs a shell command line and captures its stdout; a command killed by a
// signal shows through the shell as 128 + signal.
inline CliResult RunShell(const std::string& cmd) {
  CliResult r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

// What `--json` leaves on stdout when a command fails: one {"error": {...}}
// object and nothing else (no half-printed result).
inline bool IsJsonErrorOnly(const std::string& out) {
  auto j = nlohmann::json::parse(out, nullptr, false);
  return j.is_object() && j.size() == 1 && j.contains("error") && j["error"].contains("code") &&
         j["error"].contains("message");
}

// Runs `adpilot ARGS` (stderr to stderr_file or discarded) and captures stdout.
inline CliResult RunCli(const std::string& args, const std::string& stderr_file = "/dev/null") {
  return RunShell(std::string(ADPILOT_CLI_PATH) + " " + args + " 2>" + stderr_file);
}

// A file's bytes, "" when it cannot be read (for comparisons and messages).
inline std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The start of a command line that runs what follows on `np` OpenMPI ranks:
// OpenMPI's consent to run as root (containers, CI), more ranks than cores
// allowed, and a time limit so a hung job fails the test instead of the run.
inline std::string MpirunPrefix(int np, int seconds = 120) {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout " + std::to_string(seconds) +
         " mpirun --oversubscribe -np " + std::to_string(np) + " ";
}

// Why adpilot cannot run under mpirun here ("" when it can): no mpirun, or
// a build without MPI (which refuses to start as one of several ranks).
inline std::string MpiSkipReason() {
  if (RunShell("command -v mpirun >/dev/null 2>&1").exit_code != 0)
    return "mpirun not found (apt-get install openmpi-bin): distributed test skipped";
  auto r = RunShell(MpirunPrefix(2) + ADPILOT_CLI_PATH + " --quiet gen world --help 2>&1 >/dev/null");
  if (r.out.find("without MPI") != std::string::npos)
    return "adpilot built without MPI (ADPILOT_WITH_MPI=OFF): distributed test skipped";
  return "";
}

}  // namespace adpilot::testing
