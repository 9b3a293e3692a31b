// Starts a private redis-server on a free loopback port for one test and stops
// it at the end; tests skip with a message where redis-server is not installed.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "serve_test_util.h"

namespace adpilot::testing {

inline std::string FindRedisServer() {
  for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class RedisProcess {
 public:
  // `dir` holds the append-only file, so a restart keeps the budgets (as a
  // production Redis with persistence would).
  RedisProcess(std::string binary, std::string dir)
      : bin_(std::move(binary)), dir_(std::move(dir)), port_(FreePort()) {}
  ~RedisProcess() { Kill(SIGTERM); }

  bool Start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      std::string port = std::to_string(port_);
      ::execl(bin_.c_str(), bin_.c_str(), "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly",
              "yes", "--appendfsync", "always", "--dir", dir_.c_str(), "--loglevel", "warning", "--daemonize", "no",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready when it accepts connections (bounded wait).
    for (int i = 0; i < 200; ++i) {
      HttpClient probe(port_);
      if (probe.Connect()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }
  void Kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    if (sig == SIGTERM || sig == SIGKILL) {
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string bin_, dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace adpilot::testing
