// One small world shared by the gen tests (generated once per test binary),
// plus helpers to read its CSV/TSV files.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/world.h"

namespace adpilot::testing {

// Per process: ctest runs each test case as its own process, several at once.
inline std::filesystem::path GenTmpRoot() {
  return std::filesystem::path(ADPILOT_BINARY_DIR) / "test-tmp" / ("gen-" + std::to_string(::getpid()));
}

inline std::string GenTmp(const std::string& name) {
  auto p = GenTmpRoot() / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

// The default (small-scale) world with seed 7, with fewer auctions to keep tests fast.
struct SmallWorld {
  std::string dir;
  nlohmann::json truth;
  WorldConfig cfg;
  static const SmallWorld& Get() {
    static SmallWorld w = [] {
      SmallWorld s;
      s.dir = GenTmp("small");
      s.cfg.auctions = 100000;
      Context ctx;
      ctx.seed = 7;
      ctx.threads = 2;
      s.truth = GenerateWorld(s.cfg, s.dir, ctx);
      return s;
    }();
    return w;
  }
  std::string File(const std::string& name) const { return dir + "/" + name; }
};

inline std::vector<std::string> SplitRow(const std::string& line, char d) {
  std::vector<std::string> out;
  std::string cur;
  std::stringstream ss(line);
  while (std::getline(ss, cur, d)) out.push_back(cur);
  if (!line.empty() && line.back() == d) out.push_back("");
  return out;
}

// Rows of a CSV with a header: column name -> values.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  int Col(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return int(i);
    return -1;
  }
};

inline Csv ReadCsv(const std::string& path) {
  Csv c;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  c.header = SplitRow(line, ',');
  while (std::getline(in, line)) c.rows.push_back(SplitRow(line, ','));
  return c;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace adpilot::testing
