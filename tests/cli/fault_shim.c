/* LD_PRELOAD fault injector for the fault-injection tests (fault_injection_test.cc).
 *
 * It watches writes to regular files whose path contains $ADP_FAULT_PATH and,
 * once $ADP_FAULT_AFTER bytes have gone to them, does what $ADP_FAULT says:
 *   kill    write the bytes up to the limit, then SIGKILL this process
 *           (a kill -9 that lands mid-write, at a chosen byte, every time);
 *   enospc  write the bytes up to the limit, then fail with ENOSPC (a full disk);
 *   rename  SIGKILL just before the first rename onto a watched path (the
 *           temp file is complete and named, the target not yet replaced);
 *   vanish  at the first watched write, remove the tree $ADP_FAULT_VANISH
 *           (an output directory deleted while the command runs).
 * stdio's internal flushes call no interposable symbol, so fwrite is counted
 * at its entry; libstdc++ streams and raw fds go through write and writev.
 * Children inherit LD_PRELOAD; $ADP_FAULT_EXE limits the faults to processes
 * whose command line contains it (e.g. one step of `adpilot run`). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static long long g_written;

static int Active(void) {
  static int state = -1;
  if (state < 0) {
    const char* exe = getenv("ADP_FAULT_EXE");
    state = getenv("ADP_FAULT") != NULL && getenv("ADP_FAULT_PATH") != NULL;
    if (state && exe && *exe) {
      char cmd[8192];
      int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
      ssize_t n = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : -1;
      if (fd >= 0) close(fd);
      if (n < 0) n = 0;
      for (ssize_t i = 0; i < n; ++i)
        if (cmd[i] == '\0') cmd[i] = ' ';
      cmd[n] = '\0';
      state = strstr(cmd, exe) != NULL;
    }
  }
  return state;
}

static int Mode(const char* m) { return Active() && strcmp(getenv("ADP_FAULT"), m) == 0; }

static int Watched(int fd) {
  struct stat st;
  char link[64], path[4096];
  if (!Active() || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n < 0) return 0;
  path[n] = '\0';
  return strstr(path, getenv("ADP_FAULT_PATH")) != NULL;
}

/* How many of the n bytes may go out; past the limit, kill or set ENOSPC. */
static size_t Allow(int fd, size_t n, int* fail) {
  *fail = 0;
  if (!Watched(fd) || !(Mode("kill") || Mode("enospc"))) return n;
  long long limit = atoll(getenv("ADP_FAULT_AFTER") ? getenv("ADP_FAULT_AFTER") : "0");
  long long left = limit - g_written;
  if (left >= (long long)n) {
    g_written += (long long)n;
    return n;
  }
  *fail = 1;
  size_t ok = left > 0 ? (size_t)left : 0;
  g_written += (long long)ok;
  return ok;
}

/* $ADP_FAULT_GROUP=1 kills the whole process group (the command is started
 * with setsid): `adpilot run` and the step it is running die together. */
static void Die(void) {
  const char* group = getenv("ADP_FAULT_GROUP");
  if (group && strcmp(group, "1") == 0) kill(0, SIGKILL);
  raise(SIGKILL);
}

static void Vanish(int fd) {
  static int done;
  if (done || !Mode("vanish") || !Watched(fd) || !getenv("ADP_FAULT_VANISH")) return;
  done = 1;
  pid_t pid = fork();
  if (pid == 0) {
    execlp("rm", "rm", "-rf", getenv("ADP_FAULT_VANISH"), (char*)NULL);
    _exit(127);
  }
  int st;
  if (pid > 0) waitpid(pid, &st, 0);
}

ssize_t write(int fd, const void* buf, size_t n) {
  static ssize_t (*real)(int, const void*, size_t);
  if (!real) real = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  Vanish(fd);
  int fail;
  size_t ok = Allow(fd, n, &fail);
  if (!fail) return real(fd, buf, n);
  if (ok) real(fd, buf, ok);
  if (Mode("kill")) Die();
  if (ok) return (ssize_t)ok;
  errno = ENOSPC;
  return -1;
}

ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  static ssize_t (*real)(int, const struct iovec*, int);
  if (!real) real = (ssize_t(*)(int, const struct iovec*, int))dlsym(RTLD_NEXT, "writev");
  size_t total = 0;
  for (int i = 0; i < cnt; ++i) total += iov[i].iov_len;
  Vanish(fd);
  int fail;
  size_t ok = Allow(fd, total, &fail);
  if (!fail) return real(fd, iov, cnt);
  /* Write the allowed prefix piece by piece through the real write. */
  static ssize_t (*rw)(int, const void*, size_t);
  if (!rw) rw = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  size_t left = ok;
  for (int i = 0; i < cnt && left; ++i) {
    size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;
    rw(fd, iov[i].iov_base, k);
    left -= k;
  }
  if (Mode("kill")) Die();
  if (ok) return (ssize_t)ok;
  errno = ENOSPC;
  return -1;
}

size_t fwrite(const void* buf, size_t size, size_t count, FILE* f) {
  static size_t (*real)(const void*, size_t, size_t, FILE*);
  if (!real) real = (size_t(*)(const void*, size_t, size_t, FILE*))dlsym(RTLD_NEXT, "fwrite");
  Vanish(fileno(f));
  int fail;
  size_t n = size * count;
  size_t ok = size ? Allow(fileno(f), n, &fail) : (fail = 0, 0);
  if (!fail) return real(buf, size, count, f);
  if (ok) real(buf, 1, ok, f);
  if (Mode("kill")) {
    fflush(f); /* the bytes before the kill reach the file */
    Die();
  }
  fflush(f);
  errno = ENOSPC;
  return ok / size;
}

static int SyncFails(int fd) { return Mode("enospc") && Watched(fd) && g_written >= atoll(getenv("ADP_FAULT_AFTER")); }

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  if (SyncFails(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  if (SyncFails(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd);
}

int rename(const char* from, const char* to) {
  static int (*real)(const char*, const char*);
  if (!real) real = (int (*)(const char*, const char*))dlsym(RTLD_NEXT, "rename");
  if (Mode("rename") && strstr(to, getenv("ADP_FAULT_PATH")) != NULL) Die();
  return real(from, to);
}
