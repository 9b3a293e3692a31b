// The server's logs degrade and never abort: a deleted log directory is made
// again, a full disk (here: RLIMIT_FSIZE, which fails write() like ENOSPC
// does) leaves only whole lines in the file and the unwritten lines are
// retried, and what cannot be kept is counted.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "serve/event_log.h"

namespace adpilot {
namespace {

using testing::TempDir;

std::vector<std::string> AllLines(const std::string& dir) {
  std::vector<std::string> files, lines;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(all.empty() || all.back() == '\n') << f << " ends mid-line";
    std::istringstream ss(all);
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
  }
  return lines;
}

std::string Line(int i) { return fmt::format("{}\tevent\t{}", i, std::string(100, 'x')); }

TEST(RotatingLog, ADeletedDirectoryIsMadeAgainAndNoLineIsLost) {
  TempDir dir;
  std::string d = dir.File("logs");
  serve::RotatingLog log(d, "events", "tsv", 1 << 20);
  for (int i = 0; i < 100; ++i) log.Append(Line(i));
  log.Flush(true);
  std::filesystem::remove_all(d);  // an operator "cleaning up" under the server
  for (int i = 100; i < 200; ++i) log.Append(Line(i));
  EXPECT_NO_THROW(log.Flush(true));
  log.Close();
  auto lines = AllLines(d);
  ASSERT_EQ(lines.size(), 100u);  // the first 100 went with the directory; none written after is lost
  EXPECT_EQ(lines.front(), Line(100));
  EXPECT_EQ(lines.back(), Line(199));
}

TEST(RotatingLog, AFullDiskKeepsWholeLinesRetriesAndCountsWhatIsDropped) {
  TempDir dir;
  std::string d = dir.File("logs");
  serve::RotatingLog log(d, "events", "tsv", 1 << 30);
  // Writes past 8 KiB of file fail (EFBIG) instead of killing the process.
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  struct sigaction old {};
  sigaction(SIGXFSZ, &ign, &old);
  rlimit saved{};
  getrlimit(RLIMIT_FSIZE, &saved);
  rlimit small = saved;
  small.rlim_cur = 8192;
  setrlimit(RLIMIT_FSIZE, &small);
  for (int i = 0; i < 200; ++i) {
    log.Append(Line(i));
    if (i % 10 == 9) {
      EXPECT_NO_THROW(log.Flush(false));
    }
  }
  EXPECT_GT(log.write_errors(), 0u);
  // Only whole lines reached the file, and fewer than were appended.
  auto partial = AllLines(d);
  EXPECT_LT(partial.size(), 200u);
  for (size_t i = 0; i < partial.size(); ++i) EXPECT_EQ(partial[i], Line(int(i)));
  // Space again: the lines kept in memory are written, none lost.
  setrlimit(RLIMIT_FSIZE, &saved);
  log.Flush(true);
  log.Close();
  sigaction(SIGXFSZ, &old, nullptr);
  auto lines = AllLines(d);
  ASSERT_EQ(lines.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(lines[size_t(i)], Line(i));
  EXPECT_EQ(log.dropped_lines(), 0u);
}

}  // namespace
}  // namespace adpilot
