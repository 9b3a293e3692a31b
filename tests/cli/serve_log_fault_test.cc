// `adpilot serve` with a log directory, killed with SIGKILL in the middle of
// its traffic: every log file it leaves holds whole lines only (the lines not
// yet flushed are lost, never cut), and each training row has all its fields.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "common/test_util.h"

extern char** environ;

namespace adpilot {
namespace {

namespace fs = std::filesystem;

// One request on its own connection; returns the body ("" on any failure).
std::string Http(int port, const std::string& method, const std::string& target, const std::string& body = "") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == ssize_t(req.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, size_t(n));
    }
  }
  ::close(fd);
  size_t sep = out.find("\r\n\r\n");
  return sep == std::string::npos ? "" : out.substr(sep + 4);
}

TEST(ServeLogFault, KilledMidTrafficLeavesWholeLines) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json");
  const std::string banner = ReadFile(shared_path);
  testing::TempDir dir;
  {
    std::ofstream seed(dir.File("seed.tsv"));
    for (int i = 0; i < 200; ++i)
      seed << (i % 20 < 2) << "\t" << i % 24 << std::string(13, '\t') << (i % 2 ? "www.foobar.com" : "other.example")
           << "\t\t\t300x250" << std::string(22, '\t') << "\n";
  }
  std::string model = dir.File("model.apm");
  ASSERT_EQ(testing::RunCli("--quiet train --model ffm --bits 12 --k 4 --epochs 2 --data " + dir.File("seed.tsv") +
                            " --format criteo --out " + model)
                .exit_code,
            0);
  // Small rotation so the kill finds several files, the newest one being written.
  std::string logs = dir.File("logs"), log = dir.File("serve.log");
  std::vector<std::string> argv = {ADPILOT_CLI_PATH,
                                   "serve",
                                   "--config",
                                   std::string(ADPILOT_SOURCE_DIR) + "/examples/serve.toml",
                                   "--port",
                                   "0",
                                   "--model",
                                   model,
                                   "--log-dir",
                                   logs,
                                   "--log-rotate-bytes",
                                   "4096"};
  std::vector<char*> cargv;
  for (auto& s : argv) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, ADPILOT_CLI_PATH, &fa, nullptr, cargv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  int port = 0;
  std::regex line("serving on http://[0-9.]+:([0-9]+)");
  for (int i = 0; i < 600 && port == 0; ++i) {  // waits for start-up only; nothing is asserted on time
    std::smatch m;
    std::string text = ReadFile(log);
    if (std::regex_search(text, m, line)) port = std::stoi(m[1]);
    else std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GT(port, 0) << ReadFile(log);
  auto logged = [&] {
    std::error_code ec;
    for (auto& e : fs::recursive_directory_iterator(logs, ec))
      if (e.is_regular_file() && e.file_size() > 0) return true;
    return false;
  };
  // Traffic until the server has flushed some of it (it flushes every 200 ms),
  // then 100 requests more, and the kill lands among them.
  int bids = 0, extra = -1;
  for (int i = 0; i < 100000 && extra < 100; ++i) {
    if (extra >= 0) ++extra;
    else if (i % 50 == 0 && logged()) extra = 0;
    auto j = nlohmann::json::parse(Http(port, "POST", "/openrtb2/bid", banner), nullptr, false);
    if (j.is_discarded() || !j.contains("seatbid")) continue;
    ++bids;
    // The win notice as the exchange would call it: the bid's nurl with the price macro filled in.
    std::string nurl = j["seatbid"][0]["bid"][0].value("nurl", "");
    nurl = std::regex_replace(nurl, std::regex("\\$\\{AUCTION_PRICE\\}"), "0.01");
    size_t path = nurl.find("/v1/");
    if (path != std::string::npos) Http(port, "GET", nurl.substr(path));
  }
  ::kill(pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_GT(bids, 0) << ReadFile(log);
  size_t files = 0, lines = 0;
  for (auto& e : fs::recursive_directory_iterator(logs)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::string text = ReadFile(e.path().string());
    if (text.empty()) continue;
    EXPECT_EQ(text.back(), '\n') << e.path() << " ends mid-line";
    // The training log is Criteo-layout: a cut line would lose fields.
    bool criteo = e.path().filename().string().find(".criteo.tsv") != std::string::npos;
    size_t start = 0;
    for (size_t nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start)) {
      std::string l = text.substr(start, nl - start);
      ++lines;
      EXPECT_FALSE(l.empty()) << e.path();
      if (criteo) {
        EXPECT_EQ(std::count(l.begin(), l.end(), '\t'), 39) << e.path() << ": " << l;
      }
    }
  }
  EXPECT_GT(files, 0u);
  EXPECT_GT(lines, 0u);
}

}  // namespace
}  // namespace adpilot
