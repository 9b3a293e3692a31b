// The documented interface end to end, as a user runs it: `adpilot train` a
// model, `adpilot serve --config examples/serve.toml` (the example config
// itself) as its own process, bid requests, win and click notices, SIGTERM;
// then the server's logs read back by `adpilot data stats`, `adpilot train`
// and `adpilot bid simulate`, and the retrained model hot-swapped into a
// running server by POST /admin/reload.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "common/test_util.h"
#include "serve_test_util.h"

extern char** environ;

namespace adpilot {
namespace {

using testing::HttpClient;
using testing::RunCli;
using testing::TempDir;

// `adpilot serve ARGS` as a child process; its port is read from the
// "serving on http://host:port" log line (it is started with --port 0).
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> argv = {ADPILOT_CLI_PATH, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, ADPILOT_CLI_PATH, &fa, nullptr, cargv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    std::regex line("serving on http://[0-9.]+:([0-9]+)");
    for (int i = 0; i < 600 && pid_ > 0 && port_ == 0; ++i) {  // up to 60 s on a loaded machine
      std::smatch m;
      std::string text = ReadFile(log);
      if (std::regex_search(text, m, line)) port_ = std::stoi(m[1]);
      else std::this_thread::sleep_for(std::chrono::milliseconds(100));
      int st;
      if (port_ == 0 && waitpid(pid_, &st, WNOHANG) == pid_) pid_ = -1;  // exited early
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  // SIGTERM, as a service manager stops it; returns the exit status.
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int st = 0;
    waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string Only(const std::string& dir, const std::string& prefix) {
  std::string found;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) found = e.path().string();
  return found;
}

TEST(ServeCli, ExampleConfigServesLogsAndRetrainsThroughTheCommands) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json");
  std::string banner = ReadFile(shared_path);
  TempDir dir;
  // A seed model on the example's mapping (C1 = inventory.domain, C4 =
  // imp.size) where neither domain is better: what the server learns later
  // comes from its own log.
  {
    std::ofstream seed(dir.File("seed.tsv"));
    for (int i = 0; i < 200; ++i)
      seed << (i % 20 < 2) << "\t" << i % 24 << std::string(13, '\t') << (i % 2 ? "www.foobar.com" : "other.example")
           << "\t\t\t300x250" << std::string(22, '\t') << "\n";
  }
  std::string model = dir.File("model.apm");
  auto train = [&](const std::string& data, const std::string& out) {
    return RunCli("--quiet train --model ffm --bits 12 --k 4 --epochs 8 --data " + data + " --format criteo --out " +
                  out + " --json");
  };
  ASSERT_EQ(train(dir.File("seed.tsv"), model).exit_code, 0);

  std::string example = std::string(ADPILOT_SOURCE_DIR) + "/examples/serve.toml";
  std::string logs = dir.File("logs");
  std::vector<std::string> args = {"--config", example, "--port", "0", "--model", model, "--log-dir", logs};
  std::mt19937_64 rng(11);
  int wins = 0, clicks = 0;
  {
    ServeProcess server(args, dir.File("serve1.log"));
    ASSERT_GT(server.port(), 0) << ReadFile(dir.File("serve1.log"));
    HttpClient c(server.port());
    for (int i = 0; i < 400; ++i) {
      bool good = i % 2 == 0;
      std::string body = banner;
      if (!good) body = std::regex_replace(body, std::regex("www\\.foobar\\.com"), "other.example");
      auto r = c.Request("POST", "/openrtb2/bid", body);
      ASSERT_EQ(r.status, 200) << r.body;
      auto bid = nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0];
      EXPECT_EQ(bid["crid"], "demo-300x250");
      // Cheap wins keep the example's even pacing far from its limit.
      ASSERT_EQ(c.Request("GET", testing::NoticePath(bid, "nurl", "0.01")).status, 200);
      ++wins;
      if (std::uniform_real_distribution<double>(0, 1)(rng) < (good ? 0.5 : 0.05)) {
        ASSERT_EQ(c.Request("GET", testing::ClickPath(bid)).status, 204);
        ++clicks;
      }
    }
    auto metrics = c.Request("GET", "/metrics").body;
    EXPECT_NE(metrics.find("adpilot_bids_total 400\n"), std::string::npos);
    EXPECT_NE(metrics.find("adpilot_wins_total 400\n"), std::string::npos);
    EXPECT_EQ(server.Stop(), 0);
  }

  // data stats: one training row per win, the clicks as positives.
  std::string train_log = Only(logs, "train-"), replay_log = Only(logs, "auctions-");
  ASSERT_FALSE(train_log.empty());
  ASSERT_FALSE(replay_log.empty());
  auto stats = RunCli("--quiet data stats " + train_log + " --format criteo --json");
  ASSERT_EQ(stats.exit_code, 0);
  auto sj = nlohmann::json::parse(stats.out);
  EXPECT_EQ(sj["rows"], wins);
  EXPECT_EQ(sj["bad_rows"], 0);
  EXPECT_NEAR(sj["label_rate"].get<double>(), double(clicks) / wins, 1e-9);

  // bid simulate replays the won auctions (clearing price, click, pCTR).
  auto sim = RunCli("--quiet bid simulate --log " + replay_log + " --format rlb --strategy lin --train " + replay_log +
                    " --protocol ortb --budget-ratio 0.5 --json");
  ASSERT_EQ(sim.exit_code, 0);
  auto simj = nlohmann::json::parse(sim.out);
  EXPECT_EQ(simj["auctions"], wins);
  EXPECT_GT(simj["impressions"].get<int>(), 0);

  // train on the server's own log, then hot-swap the file into a running server.
  std::string retrained = dir.File("retrained.apm");
  ASSERT_EQ(train(train_log, retrained).exit_code, 0);
  ServeProcess server(args, dir.File("serve2.log"));
  ASSERT_GT(server.port(), 0) << ReadFile(dir.File("serve2.log"));
  HttpClient c(server.port());
  std::string v1 = nlohmann::json::parse(c.Request("GET", "/healthz").body)["model_version"];
  // Replaced the way a deploy should: a complete file renamed over the old one.
  std::filesystem::copy_file(retrained, model + ".new");
  std::filesystem::rename(model + ".new", model);
  EXPECT_EQ(c.Request("POST", "/admin/reload", "", "Authorization: Bearer wrong\r\n").status, 401);
  auto reload = c.Request("POST", "/admin/reload", "", "Authorization: Bearer change-me\r\n");
  ASSERT_EQ(reload.status, 200) << reload.body;
  std::string v2 = nlohmann::json::parse(c.Request("GET", "/healthz").body)["model_version"];
  EXPECT_NE(v1, v2);
  auto price = [&](const std::string& body) {
    auto r = c.Request("POST", "/openrtb2/bid", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0]["price"].get<double>() : 0.0;
  };
  double good = price(banner);
  double bad = price(std::regex_replace(banner, std::regex("www\\.foobar\\.com"), "other.example"));
  EXPECT_GT(good, 1.5 * bad) << "good " << good << " bad " << bad;
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace adpilot
