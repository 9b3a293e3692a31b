// kill -9 during an atomic write: the target keeps its old bytes, and no temp
// file outlives the next write to it.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

namespace fs = std::filesystem;

std::set<std::string> Names(const fs::path& dir) {
  std::set<std::string> out;
  for (auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

// A pid that was just used and is now free (the child has been reaped).
pid_t DeadPid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

void Touch(const std::string& p) { std::ofstream(p) << "x"; }

TEST(AtomicLeftovers, WriterKilledMidWriteLeavesOldFileAndNoTempAfterNextWrite) {
  testing::TempDir d;
  std::string p = d.File("model.apm");
  WriteFileAtomic(p, "old");
  pid_t pid = fork();
  if (pid == 0) {
    AtomicFileWriter w(p);
    w.Write(std::string(1 << 20, 'n'));
    std::fflush(w.file());  // half a model is on disk when the kill lands
    raise(SIGKILL);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  EXPECT_EQ(ReadFile(p), "old");
  WriteFileAtomic(p, "new");
  EXPECT_EQ(ReadFile(p), "new");
  EXPECT_EQ(Names(d.path()), std::set<std::string>{"model.apm"});
}

TEST(AtomicLeftovers, NextWriteRemovesTempsOfDeadWritersOnly) {
  testing::TempDir d;
  std::string p = d.File("m.bin");
  pid_t dead = DeadPid();
  // Leftovers of dead writers: the pre-fix name, the current one, and one of an
  // earlier process that had this process's pid.
  for (auto s : {fmt::format(".tmp.{}", dead), fmt::format(".tmp.{}.3", dead), fmt::format(".tmp.{}.999999", getpid())})
    Touch(p + s);
  // Not ours to remove: a live pid we cannot judge, names that are not temps,
  // another target's temp.
  std::set<std::string> kept = {"m.bin",      "m.bin.tmp.1",  "m.bin.tmp.x",
                                "m.bin.tmp.", "m.binx.tmp.7", fmt::format("other.tmp.{}", dead)};
  for (const auto& k : kept)
    if (k != "m.bin") Touch(d.File(k));
  // A live writer of this process holds its lock: its temp stays.
  std::string live = p + fmt::format(".tmp.{}.888888", getpid());
  Touch(live);
  int fd = open(live.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  kept.insert(fs::path(live).filename().string());
  WriteFileAtomic(p, "new");
  close(fd);
  EXPECT_EQ(Names(d.path()), kept);
  EXPECT_EQ(RemoveStaleTempFiles(p), 1u);  // the lock is gone with its holder
}

// A writer killed with its group stays a zombie until it is reaped (by init,
// for an orphan, whenever init gets to it), and kill(pid, 0) still succeeds on
// a zombie: its temp is stale all the same (the flaky fault-injection rerun).
TEST(AtomicLeftovers, TempOfAKilledWriterNotYetReapedIsRemoved) {
  testing::TempDir d;
  std::string p = d.File("m.bin");
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t pid = fork();
  if (pid == 0) {
    std::string tmp = p + fmt::format(".tmp.{}.0", getpid());
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0666);
    flock(fd, LOCK_EX);
    char c = 1;
    (void)!write(ready[1], &c, 1);
    pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  kill(pid, SIGKILL);
  siginfo_t info{};
  // Wait for the death without reaping: the child stays a zombie.
  ASSERT_EQ(waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT), 0);
  ASSERT_EQ(kill(pid, 0), 0);
  EXPECT_EQ(RemoveStaleTempFiles(p), 1u);
  waitpid(pid, nullptr, 0);
  close(ready[0]);
  close(ready[1]);
  EXPECT_EQ(Names(d.path()), std::set<std::string>{});
}

TEST(AtomicLeftovers, UnwritableDirectoryIsAnIOErrorNamingTheTarget) {
  try {
    WriteFileAtomic("/nonexistent-dir/adpilot/m.bin", "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIOError);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/adpilot/m.bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace adpilot
