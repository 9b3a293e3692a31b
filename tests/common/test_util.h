// Helpers shared by the test binaries: paths to ../shared/data (skip when
// absent), temp dirs, and running the adpilot CLI.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

}  // namespace adpilot::testing
