// Inputs and runners shared by the cli tests: a small Criteo-layout file, and
// `adpilot ARGS` run under the LD_PRELOAD fault injector (fault_shim.c).
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>

#include "common/test_util.h"

namespace adpilot::testing {

// `rows` lines of label, 13 integers and 26 hex categoricals; `salt` changes the content.
inline void WriteCriteoRows(const std::string& path, int rows, int salt = 0) {
  std::ofstream f(path);
  for (int i = 0; i < rows; ++i) {
    f << ((i + salt) % 7 == 0) << "\t" << (i + salt) % 13;
    for (int c = 1; c < 13; ++c) f << "\t" << (i * c + salt) % 5;
    for (int c = 0; c < 26; ++c) f << "\t" << std::hex << (i * 31 + c + salt) % 97 << std::dec;
    f << "\n";
  }
}

struct Fault {
  std::string mode;     // kill | enospc | rename | vanish (see fault_shim.c)
  std::string path;     // substring of the watched files' paths
  long long after = 0;  // bytes let through first
  std::string exe;      // only processes whose command line contains this ("" = all)
  std::string vanish;   // the tree `vanish` removes
  bool group = false;   // kill the command's whole process group, not one process
};

// Runs `adpilot ARGS` with `fault` injected; stderr to `err`.
inline CliResult RunWithFault(const std::string& args, const Fault& f, const std::string& err) {
  std::string env = "env LD_PRELOAD=" ADPILOT_FAULT_SHIM
                    " ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
                    " ADP_FAULT=" +
                    f.mode + " ADP_FAULT_PATH='" + f.path + "' ADP_FAULT_AFTER=" + std::to_string(f.after) +
                    " ADP_FAULT_EXE='" + f.exe + "' ADP_FAULT_VANISH='" + f.vanish +
                    "' ADP_FAULT_GROUP=" + (f.group ? "1" : "0") +
                    " setsid ";  // its own process group: a group kill spares the test
  return testing::RunShell(env + ADPILOT_CLI_PATH + " " + args + " 2>" + err);
}

// Every path under `dir` whose name holds ".tmp." (an atomic write's temp file).
inline std::vector<std::string> TempLeftovers(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->path().filename().string().find(".tmp.") != std::string::npos) out.push_back(it->path().string());
  return out;
}

// Waits (up to 10 s) until no writer holds a leftover temp file under `dir`:
// a process killed with its group may still be tearing down (and holding its
// temp file's lock) when the command that started it has returned, and the
// next write cleans only the temps of writers that are gone.
inline void WaitForKilledWriters(const std::string& dir) {
  for (const auto& f : TempLeftovers(dir)) {
    for (int i = 0; i < 200; ++i) {
      int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
      ::close(fd);
      if (free) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace adpilot::testing
