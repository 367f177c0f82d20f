/*
 * The process calls Node 20 lacks and a chain-loader needs: execve (replace this process,
 * so the supervised pid IS the daemon), setsid, getrlimit/setrlimit and the close-on-exec
 * flag; and the supervisor's own spawn (fork, set up the child with async-signal-safe calls
 * only, hold it before execve until released, learn of its exit through a pidfd on Node's
 * event loop). Each returns a result or an errno number; nothing here prints or exits.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <linux/futex.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static napi_value int_value(napi_env env, int n) {
  napi_value out;
  CHECK(napi_create_int32(env, n, &out));
  return out;
}

/*
 * A NUL-terminated copy of a JS string (UTF-8) or of a Buffer's bytes, so environment values
 * read from files pass through byte for byte. NULL when it is neither, or out of memory.
 */
static char *string_copy(napi_env env, napi_value value) {
  size_t length;
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) == napi_ok && is_buffer) {
    void *data;
    if (napi_get_buffer_info(env, value, &data, &length) != napi_ok) return NULL;
    char *out = malloc(length + 1);
    if (!out) return NULL;
    memcpy(out, data, length);
    out[length] = 0;
    return out;
  }
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *out = malloc(length + 1);
  if (!out) return NULL;
  if (napi_get_value_string_utf8(env, value, out, length + 1, &length) != napi_ok) {
    free(out);
    return NULL;
  }
  return out;
}

/* A NULL-terminated C array from a JS array of strings; NULL on a bad element or no memory. */
static char **string_array(napi_env env, napi_value array) {
  uint32_t count;
  if (napi_get_array_length(env, array, &count) != napi_ok) return NULL;
  char **out = calloc((size_t)count + 1, sizeof(char *));
  if (!out) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    if (napi_get_element(env, array, i, &item) != napi_ok || !(out[i] = string_copy(env, item))) {
      for (uint32_t j = 0; j < i; j++) free(out[j]);
      free(out);
      return NULL;
    }
  }
  return out;
}

static void free_array(char **array) {
  if (!array) return;
  for (char **p = array; *p; p++) free(*p);
  free(array);
}

/*
 * Parking Node's other threads before the limits of an exec are set. Rlimits are per process,
 * and between setrlimit and execve V8's and libuv's threads go on running: one that maps
 * memory under a new RLIMIT_AS or RLIMIT_DATA gets ENOMEM, throws std::bad_alloc and aborts
 * the whole process before the program runs (seen on Node 24, about 1 exec in 25 under load).
 * daemontools' softlimit is single-threaded and has no such window; this closes it: every
 * other thread is sent PARK_SIGNAL, whose handler waits on a futex until released. execve
 * ends them all; after a failed exec they are released before Node runs again.
 * Once the first thread is parked it may hold a libc lock (malloc's, stdio's), so from then on
 * only raw system calls and memory allocated beforehand are used.
 * A thread that blocks PARK_SIGNAL (Node's SignalInspector blocks all signals; it only waits for
 * SIGUSR1 on a semaphore) is left running; one that has not reached the handler by the deadline
 * is too, as before.
 */
#define PARK_SIGNAL (SIGRTMIN + 3)
#define PARK_MAX 1024
static int park_released;
static int park_count;

static void park_handler(int sig) {
  (void)sig;
  int saved = errno;
  __atomic_add_fetch(&park_count, 1, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n(&park_released, __ATOMIC_SEQ_CST)) syscall(SYS_futex, &park_released, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  __atomic_sub_fetch(&park_count, 1, __ATOMIC_SEQ_CST);
  errno = saved;
}

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* Whether thread TID blocks SIG, from the SigBlk line of /proc/self/task/TID/status (raw calls only). */
static int thread_blocks(const char *tid, int sig) {
  char path[64] = "/proc/self/task/";
  size_t at = strlen(path);
  for (size_t i = 0; tid[i] && at < sizeof path - 8; i++) path[at++] = tid[i];
  memcpy(path + at, "/status", 8);
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 1;
  char text[4096];
  long length = syscall(SYS_read, fd, text, sizeof text - 1);
  syscall(SYS_close, fd);
  if (length <= 0) return 1;
  text[length] = 0;
  char *line = strstr(text, "\nSigBlk:");
  if (!line) return 1;
  char *hex = line + 8;
  while (*hex == ' ' || *hex == '\t') hex++;
  char *end = hex;
  while ((*end >= '0' && *end <= '9') || (*end >= 'a' && *end <= 'f')) end++;
  /* The mask is printed most significant digit first; bit sig-1 of it is SIG. */
  int bit = sig - 1;
  char *digit = end - 1 - bit / 4;
  if (digit < hex) return 0;
  int value = *digit <= '9' ? *digit - '0' : *digit - 'a' + 10;
  return (value >> (bit % 4)) & 1;
}

/* Sends PARK_SIGNAL to every other thread not yet sent it; the number of new ones, or -1 at PARK_MAX. */
static int park_new_threads(pid_t *sent, int *count, pid_t self) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buffer[4096];
  int added = 0;
  long length;
  while ((length = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
    for (long at = 0; at < length;) {
      struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + at);
      at += entry->d_reclen;
      pid_t tid = 0;
      for (const char *c = entry->d_name; *c >= '0' && *c <= '9'; c++) tid = tid * 10 + (*c - '0');
      if (tid <= 0 || tid == self) continue;
      int known = 0;
      for (int i = 0; i < *count && !known; i++) known = sent[i] == tid || sent[i] == -tid;
      if (known) continue;
      if (*count == PARK_MAX) {
        syscall(SYS_close, fd);
        return -1;
      }
      /* A blocked thread is remembered as -tid: it is not waited for. */
      if (thread_blocks(entry->d_name, PARK_SIGNAL)) {
        sent[(*count)++] = -tid;
        continue;
      }
      if (syscall(SYS_tgkill, getpid(), tid, PARK_SIGNAL) == 0) {
        sent[(*count)++] = tid;
        added++;
      }
    }
  }
  syscall(SYS_close, fd);
  return added;
}

static void park_wait(int target) {
  struct timespec pause = {0, 50000};
  for (int i = 0; i < 4000 && __atomic_load_n(&park_count, __ATOMIC_SEQ_CST) != target; i++) syscall(SYS_nanosleep, &pause, NULL);
}

/* Parks every other thread it can within about 200 ms; SENT (PARK_MAX entries) records them. */
static void park_threads(pid_t *sent, int *count) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = park_handler;
  sigfillset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(PARK_SIGNAL, &action, NULL);
  __atomic_store_n(&park_released, 0, __ATOMIC_SEQ_CST);
  pid_t self = (pid_t)syscall(SYS_gettid);
  int signalled = 0;
  /* A thread being created while the others are signalled shows up in the next listing. */
  for (int round = 0; round < 8; round++) {
    int added = park_new_threads(sent, count, self);
    if (added <= 0) break;
    signalled += added;
    park_wait(signalled);
  }
}

static void unpark_threads(void) {
  __atomic_store_n(&park_released, 1, __ATOMIC_SEQ_CST);
  syscall(SYS_futex, &park_released, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
  park_wait(0);
}

/*
 * exec(paths[], argv[], envp[], limits[]) -> errno; it returns only on failure.
 * Tries each path in turn as daemontools' pathexec_run does, going on past ENOENT, EACCES, EPERM
 * and EISDIR, stopping at any other error; the errno returned is the last one that was not
 * ENOENT. limits is a flat list of BigInt triples (resource, soft, hard) set after every
 * allocation, right before the first execve, so a tight memory limit cannot starve Node first;
 * a setrlimit failure is returned as minus its errno.
 * Node changes signal dispositions (SIGPIPE and SIGXFSZ ignored, handlers installed) and
 * ignored signals survive exec, so the new program gets every disposition back at its
 * default and an empty signal mask, as a program started by supervise would have. After a
 * failure the process is expected to report and exit.
 */
static napi_value do_exec(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  uint32_t limit_count = 0;
  if (argc != 4 || napi_get_array_length(env, args[3], &limit_count) != napi_ok || limit_count % 3 != 0) {
    napi_throw_type_error(env, NULL, "exec(paths, argv, envp, limits)");
    return NULL;
  }
  struct { int resource; struct rlimit limit; } *limits = calloc(limit_count / 3 + 1, sizeof *limits);
  for (uint32_t i = 0; limits && i < limit_count; i++) {
    napi_value item;
    uint64_t value;
    bool lossless;
    if (napi_get_element(env, args[3], i, &item) != napi_ok || napi_get_value_bigint_uint64(env, item, &value, &lossless) != napi_ok) {
      free(limits);
      napi_throw_type_error(env, NULL, "exec: limits must be BigInts");
      return NULL;
    }
    if (i % 3 == 0) limits[i / 3].resource = (int)value;
    else if (i % 3 == 1) limits[i / 3].limit.rlim_cur = (rlim_t)value;
    else limits[i / 3].limit.rlim_max = (rlim_t)value;
  }
  char **paths = limits ? string_array(env, args[0]) : NULL;
  char **argv = paths ? string_array(env, args[1]) : NULL;
  char **envp = argv ? string_array(env, args[2]) : NULL;
  int error = ENOMEM;
  pid_t *parked = limit_count > 0 ? calloc(PARK_MAX, sizeof *parked) : NULL;
  int parked_count = 0;
  if (limits && paths && argv && envp && (limit_count == 0 || parked)) {
    if (parked) park_threads(parked, &parked_count);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
      /* PARK_SIGNAL keeps its handler: a thread may not have taken it yet (execve resets it). */
      if (sig == SIGKILL || sig == SIGSTOP || (parked && sig == PARK_SIGNAL)) continue;
      sigaction(sig, &action, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    error = 0;
    for (uint32_t i = 0; i < limit_count / 3; i++) {
      if (setrlimit(limits[i].resource, &limits[i].limit) < 0) {
        error = -errno;
        break;
      }
    }
    if (error == 0) {
      error = ENOENT;
      for (char **path = paths; *path; path++) {
        execve(*path, argv, envp);
        if (errno != ENOENT) error = errno;
        if (errno != ENOENT && errno != EACCES && errno != EPERM && errno != EISDIR) break;
      }
    }
    if (parked) unpark_threads();
  }
  free(parked);
  free(limits);
  free_array(paths);
  free_array(argv);
  free_array(envp);
  return int_value(env, error);
}

extern char **environ;

/*
 * A copy of the process environment (the strings too), NULL-terminated; NULL without memory.
 * It is what process.env reads and writes (Node sets it through setenv), copied here in one
 * pass instead of being enumerated through process.env's interceptors at every spawn.
 */
static char **environ_copy(void) {
  size_t count = 0;
  while (environ && environ[count]) count++;
  char **out = calloc(count + 1, sizeof(char *));
  if (!out) return NULL;
  for (size_t i = 0; i < count; i++) {
    if (!(out[i] = strdup(environ[i]))) {
      free_array(out);
      return NULL;
    }
  }
  return out;
}

/* The process environment as Buffers of raw bytes (process.env decodes them as UTF-8). */
static napi_value do_environ(napi_env env, napi_callback_info info) {
  (void)info;
  uint32_t count = 0;
  while (environ && environ[count]) count++;
  napi_value out;
  CHECK(napi_create_array_with_length(env, count, &out));
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    CHECK(napi_create_buffer_copy(env, strlen(environ[i]), environ[i], NULL, &item));
    CHECK(napi_set_element(env, out, i, item));
  }
  return out;
}

/* pipe() -> [read fd, write fd], both close-on-exec, or an errno number. */
static napi_value do_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return int_value(env, errno);
  napi_value out;
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_set_element(env, out, 0, int_value(env, fds[0])));
  CHECK(napi_set_element(env, out, 1, int_value(env, fds[1])));
  return out;
}

/* setsid() -> the new session id, or -errno. */
static napi_value do_setsid(napi_env env, napi_callback_info info) {
  (void)info;
  pid_t sid = setsid();
  return int_value(env, sid < 0 ? -errno : (int)sid);
}

static int resource_arg(napi_env env, napi_value value, int *resource) {
  int32_t n;
  if (napi_get_value_int32(env, value, &n) != napi_ok) return 0;
  *resource = n;
  return 1;
}

/* getrlimit(resource) -> [soft, hard] as BigInts (RLIM_INFINITY is 2^64-1), or an errno number. */
static napi_value do_getrlimit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  int resource;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 1 || !resource_arg(env, args[0], &resource)) {
    napi_throw_type_error(env, NULL, "getrlimit(resource)");
    return NULL;
  }
  struct rlimit limit;
  if (getrlimit(resource, &limit) < 0) return int_value(env, errno);
  napi_value out, soft, hard;
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_create_bigint_uint64(env, (uint64_t)limit.rlim_cur, &soft));
  CHECK(napi_create_bigint_uint64(env, (uint64_t)limit.rlim_max, &hard));
  CHECK(napi_set_element(env, out, 0, soft));
  CHECK(napi_set_element(env, out, 1, hard));
  return out;
}

/* setrlimit(resource, soft, hard) with BigInt limits -> 0 or errno. */
static napi_value do_setrlimit(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  int resource;
  uint64_t soft, hard;
  bool lossless;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 3 || !resource_arg(env, args[0], &resource) ||
      napi_get_value_bigint_uint64(env, args[1], &soft, &lossless) != napi_ok || !lossless ||
      napi_get_value_bigint_uint64(env, args[2], &hard, &lossless) != napi_ok || !lossless) {
    napi_throw_type_error(env, NULL, "setrlimit(resource, soft: bigint, hard: bigint)");
    return NULL;
  }
  struct rlimit limit = {.rlim_cur = (rlim_t)soft, .rlim_max = (rlim_t)hard};
  return int_value(env, setrlimit(resource, &limit) < 0 ? errno : 0);
}

/*
 * (fd, on) -> 0 or errno: sets or clears `bit` in the flags fcntl's `get`/`set` pair reads and
 * writes, for setCloexec (FD_CLOEXEC, the descriptor's) and setNonblocking (O_NONBLOCK, the open
 * file description's, which the caller's process shares: Node sets it on stdio pipes and sockets).
 */
static napi_value toggle_flag(napi_env env, napi_callback_info info, const char *usage, int get, int set, int bit) {
  size_t argc = 2;
  napi_value args[2];
  int32_t fd;
  bool on;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 2 || napi_get_value_int32(env, args[0], &fd) != napi_ok || napi_get_value_bool(env, args[1], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  int flags = fcntl(fd, get);
  if (flags < 0) return int_value(env, errno);
  flags = on ? flags | bit : flags & ~bit;
  return int_value(env, fcntl(fd, set, flags) < 0 ? errno : 0);
}

/* setCloexec(fd, on): whether fd is closed when this process execs. */
static napi_value do_set_cloexec(napi_env env, napi_callback_info info) {
  return toggle_flag(env, info, "setCloexec(fd, on)", F_GETFD, F_SETFD, FD_CLOEXEC);
}

/* setNonblocking(fd, on): O_NONBLOCK on fd's open file description. */
static napi_value do_set_nonblocking(napi_env env, napi_callback_info info) {
  return toggle_flag(env, info, "setNonblocking(fd, on)", F_GETFL, F_SETFL, O_NONBLOCK);
}

/*
 * flockExclusiveNonblocking(fd) -> 0, or errno (EWOULDBLOCK when another open file description
 * holds the lock): BSD flock(2), the lock daemontools' supervise, multilog and setlock honour.
 * Only the non-blocking form: a blocking wait here would stall Node's event loop.
 */
static napi_value do_flock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 1 || napi_get_value_int32(env, args[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "flockExclusiveNonblocking(fd)");
    return NULL;
  }
  int result;
  do result = flock(fd, LOCK_EX | LOCK_NB); while (result < 0 && errno == EINTR);
  return int_value(env, result < 0 ? errno : 0);
}

/*
 * mkfifo(path, mode) -> 0 or errno. path is a string or a Buffer of raw bytes; it may go
 * through /proc/self/fd/N, which a mkfifo(1) process could not see.
 */
static napi_value do_mkfifo(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  uint32_t mode;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 2 || napi_get_value_uint32(env, args[1], &mode) != napi_ok) {
    napi_throw_type_error(env, NULL, "mkfifo(path, mode)");
    return NULL;
  }
  char *path = string_copy(env, args[0]);
  if (!path) {
    napi_throw_type_error(env, NULL, "mkfifo: path must be a string or a Buffer");
    return NULL;
  }
  int result = mkfifo(path, (mode_t)mode);
  int error = result < 0 ? errno : 0;
  free(path);
  return int_value(env, error);
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/*
 * exchangeWrite(dirFd, name, spare, data, mode) -> 0, an errno, or -1 (-2 for a short write).
 * Replaces the contents of file `name` in directory `dirFd` atomically for every reader, as a
 * write of `spare` renamed over `name` does, without what that costs on ext4 at every write:
 * renaming a new file with unwritten data over an existing one makes ext4 write the data out
 * first (auto_da_alloc), ~80 us per status update against ~4 us here. The data goes into the
 * regular file `spare` (created with `mode` when missing), which renameat2(RENAME_EXCHANGE)
 * then swaps with `name`: readers that open `name` find the whole new contents, and the old
 * file, now `spare`, is the one written next time. Without RENAME_EXCHANGE (a filesystem or
 * kernel without it) or without `name` yet, `spare` is renamed over `name` as daemontools does.
 * -1: `spare` is not a regular file with one link owned by this user, or `name` is there and
 * not a regular file (nothing was written; the caller's exclusive create-and-rename runs).
 */
static napi_value do_exchange_write(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  int32_t dirfd;
  uint32_t mode;
  bool is_buffer = false;
  void *data = NULL;
  size_t length = 0;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 5 || napi_get_value_int32(env, args[0], &dirfd) != napi_ok || napi_get_value_uint32(env, args[4], &mode) != napi_ok ||
      napi_is_buffer(env, args[3], &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, args[3], &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "exchangeWrite(dirFd, name, spare, data, mode)");
    return NULL;
  }
  char *name = string_copy(env, args[1]);
  char *spare = string_copy(env, args[2]);
  if (!name || !spare) {
    free(name);
    free(spare);
    napi_throw_type_error(env, NULL, "exchangeWrite: names must be strings or Buffers");
    return NULL;
  }
  int result = 0;
  struct stat before, target;
  // Only two regular files trade places: anything else at either name (a directory, a symlink)
  // gets the caller's create-and-rename, with daemontools' outcome and messages.
  if (fstatat(dirfd, spare, &before, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(before.st_mode)) result = -1;
  if (result == 0 && fstatat(dirfd, name, &target, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(target.st_mode)) result = -1;
  int fd = result == 0 ? openat(dirfd, spare, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, (mode_t)mode) : -1;
  if (result == 0 && fd < 0) result = errno == ELOOP ? -1 : errno;
  if (fd >= 0) {
    struct stat held;
    if (fstat(fd, &held) < 0) result = errno;
    else if (!S_ISREG(held.st_mode) || held.st_nlink != 1 || held.st_uid != geteuid()) result = -1;
    if (result == 0) {
      ssize_t written = pwrite(fd, data, length, 0);
      if (written < 0) result = errno;
      else if ((size_t)written != length) result = -2;
      /* Only a longer old file needs cutting (a status record is always 18 bytes). */
      else if (held.st_size > (off_t)length && ftruncate(fd, (off_t)length) < 0) result = errno;
    }
    close(fd);
  }
  if (result == 0 && syscall(SYS_renameat2, dirfd, spare, dirfd, name, RENAME_EXCHANGE) < 0) {
    if (errno == ENOENT || errno == EINVAL || errno == ENOSYS) result = renameat(dirfd, spare, dirfd, name) < 0 ? errno : 0;
    else result = errno;
  }
  free(name);
  free(spare);
  return int_value(env, result);
}

/*
 * readAt(dirFd, name, max) -> Buffer or an errno number.
 * The first `max` bytes of file `name` in directory `dirFd`: one openat (never through a
 * symlink, never blocking on a FIFO), one read, one close, and no JavaScript exception for a
 * file that is absent (ENOENT is a number like any other errno). A supervisor reads a few such
 * optional files at every start.
 */
static napi_value do_read_at(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  int32_t dirfd;
  uint32_t max;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 3 || napi_get_value_int32(env, args[0], &dirfd) != napi_ok || napi_get_value_uint32(env, args[2], &max) != napi_ok || max > (1u << 24)) {
    napi_throw_type_error(env, NULL, "readAt(dirFd, name, max)");
    return NULL;
  }
  char *name = string_copy(env, args[1]);
  if (!name) {
    napi_throw_type_error(env, NULL, "readAt: name must be a string or a Buffer");
    return NULL;
  }
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  int error = fd < 0 ? errno : 0;
  free(name);
  if (fd < 0) return int_value(env, error);
  char small[4096];
  char *buffer = max <= sizeof small ? small : malloc(max);
  if (!buffer) {
    close(fd);
    return int_value(env, ENOMEM);
  }
  ssize_t n;
  do n = read(fd, buffer, max); while (n < 0 && errno == EINTR);
  error = n < 0 ? errno : 0;
  close(fd);
  napi_value out = NULL;
  if (n >= 0 && napi_create_buffer_copy(env, (size_t)n, buffer, NULL, &out) != napi_ok) out = NULL;
  if (buffer != small) free(buffer);
  if (n < 0) return int_value(env, error);
  if (!out) napi_throw_error(env, NULL, "readAt: out of memory");
  return out;
}

/*
 * appendAt(dirFd, name, data, mode, maxBytes, rotated) -> 0 or an errno number.
 * Appends `data` to file `name` in directory `dirFd` (O_APPEND, created with `mode`, never
 * through a symlink) in one write; when that would take a non-empty file past `maxBytes`, the
 * file is first renamed to `rotated` (replacing it) and a new one is started. The event log's
 * append, in one call with no path to resolve.
 */
static napi_value do_append_at(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  int32_t dirfd;
  uint32_t mode;
  double max_bytes;
  bool is_buffer = false;
  void *data = NULL;
  size_t length = 0;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 6 || napi_get_value_int32(env, args[0], &dirfd) != napi_ok || napi_is_buffer(env, args[2], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, args[2], &data, &length) != napi_ok || napi_get_value_uint32(env, args[3], &mode) != napi_ok ||
      napi_get_value_double(env, args[4], &max_bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "appendAt(dirFd, name, data, mode, maxBytes, rotated)");
    return NULL;
  }
  char *name = string_copy(env, args[1]);
  char *rotated = string_copy(env, args[5]);
  if (!name || !rotated) {
    free(name);
    free(rotated);
    napi_throw_type_error(env, NULL, "appendAt: names must be strings or Buffers");
    return NULL;
  }
  const int flags = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  int result = 0;
  int fd = openat(dirfd, name, flags, (mode_t)mode);
  if (fd < 0) result = errno;
  struct stat held;
  if (fd >= 0 && fstat(fd, &held) < 0) result = errno;
  if (result == 0 && held.st_size > 0 && (double)held.st_size + (double)length > max_bytes) {
    close(fd);
    fd = -1;
    if (renameat(dirfd, name, dirfd, rotated) < 0) result = errno;
    else if ((fd = openat(dirfd, name, flags, (mode_t)mode)) < 0) result = errno;
  }
  if (result == 0) {
    ssize_t written;
    do written = write(fd, data, length); while (written < 0 && errno == EINTR);
    if (written < 0) result = errno;
    else if ((size_t)written != length) result = EIO;
  }
  if (fd >= 0) close(fd);
  free(name);
  free(rotated);
  return int_value(env, result);
}

/*
 * getpwnam(name) -> [uid, gid], null when there is no such account, or an errno number.
 * getpwnam_r through the C library, so every NSS source counts (files, LDAP, sssd, ...) as for
 * daemontools, in this process: no getent found through PATH, no child process. A name is only
 * a name: getpwnam never reads digits as a uid.
 */
static napi_value do_getpwnam(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  CHECK(napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  char *name = argc == 1 ? string_copy(env, arg) : NULL;
  if (!name) {
    napi_throw_type_error(env, NULL, "getpwnam(name): name must be a string or a Buffer");
    return NULL;
  }
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  size_t length = size > 0 ? (size_t)size : 1024;
  struct passwd entry, *found = NULL;
  char *buffer = NULL;
  int error;
  for (;;) {
    char *grown = realloc(buffer, length);
    if (!grown) {
      error = ENOMEM;
      break;
    }
    buffer = grown;
    error = getpwnam_r(name, &entry, buffer, length, &found);
    if (error != ERANGE || length >= (1 << 20)) break;
    length *= 2;
  }
  free(name);
  napi_value out;
  if (error == 0 && found) {
    napi_value uid, gid;
    uint32_t account_uid = (uint32_t)found->pw_uid, account_gid = (uint32_t)found->pw_gid;
    free(buffer);
    CHECK(napi_create_array_with_length(env, 2, &out));
    CHECK(napi_create_uint32(env, account_uid, &uid));
    CHECK(napi_create_uint32(env, account_gid, &gid));
    CHECK(napi_set_element(env, out, 0, uid));
    CHECK(napi_set_element(env, out, 1, gid));
    return out;
  }
  free(buffer);
  /* No entry: getpwnam_r returns 0 (or, with some NSS modules, ENOENT/ESRCH/EBADF/EPERM). */
  if (error == 0 || error == ENOENT || error == ESRCH || error == EBADF || error == EPERM) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  return int_value(env, error);
}

/*
 * Per-thread filesystem credentials, for an operation done as another account from this very
 * thread (an in-process `setuidgid USER multilog`): on Linux credentials belong to each thread,
 * and the raw setfsuid/setfsgid/setgroups system calls change the calling thread only (glibc's
 * setgroups() would change every thread of the process). The files created then belong to uid
 * and gid, and every permission check is the account's: the fs capabilities (DAC override,
 * chown, fowner, ...) leave the thread's effective set while its fsuid is not 0.
 *
 * setFsCredentials(uid, gid, groups) -> 0 or errno: saves the thread's fsuid, fsgid and groups,
 * then sets the groups, the fsgid and the fsuid (checked: setfsuid reports no error). EBUSY when
 * already set and not restored. restoreFsCredentials() -> 0 or errno (EINVAL when nothing is
 * set): the saved fsuid first (it brings the fs capabilities back), then fsgid and groups.
 */
static _Thread_local int fs_saved;
static _Thread_local uid_t fs_saved_uid;
static _Thread_local gid_t fs_saved_gid;
static _Thread_local gid_t *fs_saved_groups;
static _Thread_local int fs_saved_ngroups;

static long thread_fsuid(void) { return syscall(SYS_setfsuid, (uid_t)-1); }
static long thread_fsgid(void) { return syscall(SYS_setfsgid, (gid_t)-1); }

/* Back to the saved credentials: 0, or the errno of the first step that did not take. */
static int fs_restore(void) {
  int error = 0;
  syscall(SYS_setfsuid, fs_saved_uid);
  if ((uid_t)thread_fsuid() != fs_saved_uid) error = EPERM;
  syscall(SYS_setfsgid, fs_saved_gid);
  if (!error && (gid_t)thread_fsgid() != fs_saved_gid) error = EPERM;
  if (syscall(SYS_setgroups, (size_t)fs_saved_ngroups, fs_saved_groups) < 0 && !error) error = errno;
  return error;
}

static napi_value do_set_fs_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  uint32_t uid, gid, count;
  bool is_array = false;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 3 || napi_get_value_uint32(env, args[0], &uid) != napi_ok || napi_get_value_uint32(env, args[1], &gid) != napi_ok ||
      napi_is_array(env, args[2], &is_array) != napi_ok || !is_array || napi_get_array_length(env, args[2], &count) != napi_ok ||
      count > 65536 || uid == (uint32_t)-1 || gid == (uint32_t)-1) {
    napi_throw_type_error(env, NULL, "setFsCredentials(uid, gid, groups)");
    return NULL;
  }
  gid_t *groups = malloc(sizeof(gid_t) * (count > 0 ? count : 1));
  if (!groups) return int_value(env, ENOMEM);
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    uint32_t group;
    if (napi_get_element(env, args[2], i, &item) != napi_ok || napi_get_value_uint32(env, item, &group) != napi_ok || group == (uint32_t)-1) {
      free(groups);
      napi_throw_type_error(env, NULL, "setFsCredentials: groups must be gids");
      return NULL;
    }
    groups[i] = (gid_t)group;
  }
  if (fs_saved) {
    free(groups);
    return int_value(env, EBUSY);
  }
  long n = syscall(SYS_getgroups, 0, NULL);
  gid_t *saved = n >= 0 ? malloc(sizeof(gid_t) * (n > 0 ? (size_t)n : 1)) : NULL;
  if (!saved || (n = syscall(SYS_getgroups, (int)n, saved)) < 0) {
    int error = n < 0 ? errno : ENOMEM;
    free(saved);
    free(groups);
    return int_value(env, error);
  }
  fs_saved_groups = saved;
  fs_saved_ngroups = (int)n;
  fs_saved_uid = (uid_t)thread_fsuid();
  fs_saved_gid = (gid_t)thread_fsgid();
  int error = 0;
  if (syscall(SYS_setgroups, (size_t)count, groups) < 0) error = errno;
  if (!error) {
    syscall(SYS_setfsgid, (gid_t)gid);
    if ((gid_t)thread_fsgid() != (gid_t)gid) error = EPERM;
  }
  if (!error) {
    syscall(SYS_setfsuid, (uid_t)uid);
    if ((uid_t)thread_fsuid() != (uid_t)uid) error = EPERM;
  }
  free(groups);
  if (error) {
    fs_restore();
    free(fs_saved_groups);
    fs_saved_groups = NULL;
    return int_value(env, error);
  }
  fs_saved = 1;
  return int_value(env, 0);
}

static napi_value do_restore_fs_credentials(napi_env env, napi_callback_info info) {
  (void)info;
  if (!fs_saved) return int_value(env, EINVAL);
  int error = fs_restore();
  if (error) return int_value(env, error);
  fs_saved = 0;
  free(fs_saved_groups);
  fs_saved_groups = NULL;
  return int_value(env, 0);
}

/*
 * notify(socket, message) -> 0 or errno: one datagram, sd_notify(3)'s protocol, to the
 * AF_UNIX socket named by $NOTIFY_SOCKET; a leading '@' names an abstract socket (a NUL in
 * sun_path). Node has no datagram AF_UNIX socket; this is the whole of what readiness needs,
 * so no libsystemd. The socket is close-on-exec and non-blocking: a full receiver drops the
 * message rather than stopping the supervisor.
 */
static napi_value do_notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  void *data;
  size_t length;
  bool is_buffer;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 2 || napi_is_buffer(env, args[1], &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, args[1], &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "notify(socket, message Buffer)");
    return NULL;
  }
  char *name = string_copy(env, args[0]);
  if (!name) {
    napi_throw_type_error(env, NULL, "notify: socket must be a string or a Buffer");
    return NULL;
  }
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  size_t name_length = strlen(name);
  if ((name[0] != '/' && name[0] != '@') || name_length >= sizeof address.sun_path) {
    free(name);
    return int_value(env, EINVAL);
  }
  memcpy(address.sun_path, name, name_length);
  if (name[0] == '@') address.sun_path[0] = '\0';
  free(name);
  socklen_t address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name_length + (address.sun_path[0] ? 1 : 0));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return int_value(env, errno);
  ssize_t sent = sendto(fd, data, length, MSG_NOSIGNAL, (struct sockaddr *)&address, address_length);
  int error = sent < 0 ? errno : 0;
  close(fd);
  return int_value(env, error);
}

/*
 * The supervisor's spawn. The child is made with clone(CLONE_VM) on a stack of its own: it
 * shares this process's memory instead of copying its page tables (a fork of a ~50 MB Node
 * process costs 0.5-0.9 ms, this 0.1 ms), and unlike vfork it does not stop the parent, which
 * must go on to record the child before letting it exec. Sharing memory with a running Node
 * means the child may touch nothing but its own stack and the spawn's arguments, which stay
 * allocated until it has exec'd or exited: it makes raw system calls only (no C library
 * function: errno and the thread list belong to the parent's threads, and a glibc setuid would
 * signal them), with every signal blocked until every disposition is reset. Where raw calls are
 * not written for the architecture, the child is forked instead (same code, its own memory).
 *
 * In the child: its own session, stdio, extra descriptors, working directory, every other
 * descriptor closed, resource limits, groups/gid/uid (in that order: limits while still root,
 * so a raised hard limit works), signal dispositions and mask reset. The child then waits on
 * its end of a socketpair: one byte from the parent (release) lets it execve; end of file (the
 * parent died before it recorded the child, or gave it up) makes it exit without running
 * anything, so no process exists that the parent's successor could not recognise. A failure in
 * the child is sent back as (stage, errno) on the same socket before it exits; a successful
 * execve closes the socket (close-on-exec), which is also how the parent learns that the
 * arguments may be freed. The exit is seen through a pidfd polled on Node's event loop and
 * reaped with waitid(P_PIDFD): no SIGCHLD, no waitpid over other children.
 */
enum {STAGE_EXEC, STAGE_SETSID, STAGE_STDIO, STAGE_CWD, STAGE_RLIMIT, STAGE_SETGROUPS, STAGE_SETGID, STAGE_SETUID, STAGE_FDS};

#define STDIO_INHERIT (-1)
#define STDIO_IGNORE (-2)

#if defined(__x86_64__) || defined(__aarch64__)
#define SHARED_MEMORY_CHILD 1
/* A system call without the C library: the result, or minus the errno. */
static long ksys(long n, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
  return ret;
#else
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
  return x0;
#endif
}
#else
#define SHARED_MEMORY_CHILD 0
/* In a forked child the C library's syscall() is safe; its errno is the child's own. */
static long ksys(long n, long a, long b, long c, long d, long e, long f) {
  long ret = syscall(n, a, b, c, d, e, f);
  return ret < 0 ? -errno : ret;
}
#endif

#define SYS0(n) ksys((n), 0, 0, 0, 0, 0, 0)
#define SYS1(n, a) ksys((n), (long)(a), 0, 0, 0, 0, 0)
#define SYS2(n, a, b) ksys((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(n, a, b, c) ksys((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(n, a, b, c, d) ksys((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* The kernel's struct sigaction (x86_64 and the generic layout alike): handler, flags, restorer, mask. */
struct kernel_sigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};

struct limit {
  int resource;
  struct rlimit value;
};

/* Everything the child reads; allocated by the parent and freed only once the child exec'd or exited. */
struct spawn_args {
  char *file;
  char **argv;
  char **envp;
  char *cwd;
  int cwdfd;
  int stdio[3];
  struct limit *limits;
  uint32_t nlimits;
  int64_t uid;
  int64_t gid;
  gid_t *groups;
  int ngroups; /* -1: none given */
  int (*fds)[2]; /* extra descriptors: [child fd, parent fd], child fds ascending, all >= 3 */
  int *fd_sources; /* the child's scratch: where each extra descriptor's source sits */
  uint32_t nfds;
  int sock;        /* the child's end of the release socket */
  void *stack;     /* the child's stack (SHARED_MEMORY_CHILD), stack_size bytes with a guard page */
  size_t stack_size;
};

#define CHILD_STACK_SIZE (256 * 1024)

static void spawn_args_free(struct spawn_args *a) {
  if (!a) return;
  if (a->stack) munmap(a->stack, a->stack_size);
  free(a->fds);
  free(a->fd_sources);
  free(a->limits);
  free(a->groups);
  free(a->cwd);
  free(a->file);
  free_array(a->argv);
  free_array(a->envp);
  free(a);
}

__attribute__((noreturn)) static void child_exit(int code) {
  for (;;) SYS1(SYS_exit_group, code);
}

__attribute__((noreturn)) static void child_fail(int sock, int stage, long result) {
  int report[2] = {stage, (int)-result};
  SYS4(SYS_sendto, sock, report, sizeof report, MSG_NOSIGNAL);
  child_exit(111);
}

/* A descriptor at `floor` or above (a duplicate, close-on-exec, when it is lower), or minus the errno. */
static long at_least(int fd, int floor) {
  return fd >= 0 && fd < floor ? SYS3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor) : fd;
}

/* dup2 that keeps the descriptor when it is already in place (clearing close-on-exec, as dup2 would). */
static long place(int from, int to) {
  return from == to ? SYS3(SYS_fcntl, to, F_SETFD, 0) : SYS3(SYS_dup3, from, to, 0);
}

/* Closes the descriptors from `low` to `high` included (close_range, or one by one where it is missing). */
static void close_between(unsigned int low, unsigned int high) {
  if (low > high || SYS3(SYS_close_range, low, high, 0) == 0) return;
  struct rlimit files;
  unsigned long top = SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &files) == 0 && files.rlim_cur != RLIM_INFINITY && files.rlim_cur < 1048576 ? files.rlim_cur : 1048576;
  if ((unsigned long)high >= top) high = (unsigned int)(top - 1);
  for (unsigned int fd = low; fd <= high; fd++) SYS1(SYS_close, fd);
}

__attribute__((noreturn)) static void child_run(const struct spawn_args *a) {
  long r;
  /*
   * Every descriptor the child is given lands at its place below `floor`: the stdio and the
   * extra fds. So first every source (the socket, the cwd, the stdio and extra sources) moves to
   * `floor` or above, where no dup onto a place can overwrite it; the socket ends at `floor`.
   */
  int floor = a->nfds > 0 ? a->fds[a->nfds - 1][0] + 1 : 3;
  int sock = a->sock;
  if ((r = at_least(sock, floor)) < 0) child_exit(111);
  sock = (int)r;
  if ((r = SYS0(SYS_setsid)) < 0) child_fail(sock, STAGE_SETSID, r);
  int cwdfd = -1;
  if (a->cwdfd >= 0 && (cwdfd = (int)(r = at_least(a->cwdfd, floor))) < 0) child_fail(sock, STAGE_CWD, r);
  int src[3];
  for (int i = 0; i < 3; i++) {
    src[i] = a->stdio[i];
    if (src[i] >= 0 && src[i] != i && (src[i] = (int)(r = at_least(src[i], floor))) < 0) child_fail(sock, STAGE_STDIO, r);
  }
  for (uint32_t i = 0; i < a->nfds; i++) {
    if ((a->fd_sources[i] = (int)(r = at_least(a->fds[i][1], floor))) < 0) child_fail(sock, STAGE_FDS, r);
  }
  for (int i = 0; i < 3; i++) {
    if (src[i] == STDIO_INHERIT || src[i] == i) {
      SYS3(SYS_fcntl, i, F_SETFD, 0);
    } else if (src[i] == STDIO_IGNORE) {
      long fd = SYS4(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC, 0);
      if (fd < 0) child_fail(sock, STAGE_STDIO, fd);
      if ((r = place((int)fd, i)) < 0) child_fail(sock, STAGE_STDIO, r);
      if (fd != i) SYS1(SYS_close, fd);
    } else if ((r = place(src[i], i)) < 0) {
      child_fail(sock, STAGE_STDIO, r);
    }
  }
  /* dup3 without O_CLOEXEC: these survive execve. */
  for (uint32_t i = 0; i < a->nfds; i++) {
    if ((r = place(a->fd_sources[i], a->fds[i][0])) < 0) child_fail(sock, STAGE_FDS, r);
  }
  if ((r = cwdfd >= 0 ? SYS1(SYS_fchdir, cwdfd) : SYS1(SYS_chdir, a->cwd)) < 0) child_fail(sock, STAGE_CWD, r);
  /* Early: until now this child holds copies of every descriptor of the supervisor. */
  if (sock != floor) {
    if ((r = SYS3(SYS_dup3, sock, floor, O_CLOEXEC)) < 0) child_fail(sock, STAGE_FDS, r);
    sock = floor;
  }
  unsigned int low = 3;
  for (uint32_t i = 0; i < a->nfds; i++) {
    if ((unsigned int)a->fds[i][0] > low) close_between(low, (unsigned int)a->fds[i][0] - 1);
    low = (unsigned int)a->fds[i][0] + 1;
  }
  close_between(low, (unsigned int)floor - 1);
  close_between((unsigned int)floor + 1, ~0U);
  for (uint32_t i = 0; i < a->nlimits; i++) {
    if ((r = SYS4(SYS_prlimit64, 0, a->limits[i].resource, &a->limits[i].value, NULL)) < 0) child_fail(sock, STAGE_RLIMIT, r);
  }
  if (a->ngroups >= 0) {
    if ((r = SYS2(SYS_setgroups, a->ngroups, a->groups)) < 0) child_fail(sock, STAGE_SETGROUPS, r);
  } else if (a->uid >= 0 || a->gid >= 0) {
    SYS2(SYS_setgroups, 0, NULL); /* as libuv: cleared when possible */
  }
  /* The raw calls change this process only: it is a thread group of its own. */
  if (a->gid >= 0 && (r = SYS1(SYS_setgid, a->gid)) < 0) child_fail(sock, STAGE_SETGID, r);
  if (a->uid >= 0 && (r = SYS1(SYS_setuid, a->uid)) < 0) child_fail(sock, STAGE_SETUID, r);
  struct kernel_sigaction action = {.handler = (void *)SIG_DFL, .flags = 0, .restorer = NULL, .mask = 0};
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) SYS4(SYS_rt_sigaction, sig, &action, NULL, sizeof action.mask);
  }
  uint64_t none = 0;
  SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
  char go;
  do r = SYS3(SYS_read, sock, &go, 1); while (r == -EINTR);
  if (r != 1) child_exit(111);
  r = SYS3(SYS_execve, a->file, a->argv, a->envp);
  child_fail(sock, STAGE_EXEC, r);
}

static int child_entry(void *arg) {
  child_run(arg);
}

/* Starts the child: its pid, or minus the errno. Every signal is blocked meanwhile (see above). */
static pid_t start_child(struct spawn_args *a) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid;
#if SHARED_MEMORY_CHILD
  pid = clone(child_entry, (char *)a->stack + a->stack_size, CLONE_VM | SIGCHLD, a);
#else
  pid = fork();
  if (pid == 0) child_run(a);
#endif
  int error = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return pid < 0 ? -error : pid;
}

struct watch {
  uv_poll_t poll;    /* the pidfd: the exit */
  uv_poll_t release; /* the control socket: a failure report, or end of file once the child exec'd */
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int pidfd;
  int control; /* our end of the child's socket, or -1 */
  int refs;    /* the two uv handles and the JS external */
  int active;
  int detached; /* reaped when it exits, without a callback */
  int releasing; /* the control socket's poll runs */
  int report[2]; /* what the child reported: stage, errno; stage -1 when nothing */
  struct spawn_args *args; /* until the child exec'd or exited */
};

static void watch_unref(struct watch *w) {
  if (--w->refs == 0) {
    spawn_args_free(w->args);
    free(w);
  }
}

/*
 * Set by exiting() from the process's 'exit' event: Node then closes what is left on the event
 * loop while it frees the environment, and a Node-API call from a close callback at that point
 * crashes the process (SIGSEGV in napi_async_destroy), so none is made any more.
 */
static int env_exiting;

static void watch_closed(uv_handle_t *handle) {
  struct watch *w = handle->data;
  close(w->pidfd);
  if (w->control >= 0) close(w->control);
  if (!env_exiting) {
    napi_delete_reference(w->env, w->callback);
    napi_async_destroy(w->env, w->context);
  }
  watch_unref(w);
}

static void release_closed(uv_handle_t *handle) {
  watch_unref(handle->data);
}

/* The child no longer reads the arguments (it exec'd or is gone): free them, stop looking. */
static void release_stop(struct watch *w) {
  if (!w->releasing) return;
  w->releasing = 0;
  uv_close((uv_handle_t *)&w->release, release_closed);
  spawn_args_free(w->args);
  w->args = NULL;
}

static void watch_stop(struct watch *w) {
  if (!w->active) return;
  w->active = 0;
  release_stop(w);
  uv_close((uv_handle_t *)&w->poll, watch_closed);
}

static void watch_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  watch_unref(data);
}

/* Reads a failure report if one is there; true at end of file. */
static int read_report(struct watch *w) {
  int report[2];
  ssize_t n;
  do n = recv(w->control, report, sizeof report, MSG_DONTWAIT); while (n < 0 && errno == EINTR);
  if (n == (ssize_t)sizeof report) {
    w->report[0] = report[0];
    w->report[1] = report[1];
    return 0;
  }
  return n == 0;
}

static void release_ready(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  struct watch *w = handle->data;
  /* End of file comes after exec has replaced the memory, or after exit has dropped it. */
  if (read_report(w)) release_stop(w);
}

static void watch_ready(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  struct watch *w = handle->data;
  if (!w->active) return;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int result;
  do result = waitid(P_PIDFD, (id_t)w->pidfd, &info, WEXITED | WNOHANG); while (result < 0 && errno == EINTR);
  if (result == 0 && info.si_pid == 0) return; /* not exited yet */
  int code = -1, sig = 0;
  if (result == 0) {
    if (info.si_code == CLD_EXITED) code = info.si_status;
    else sig = info.si_status;
  }
  if (w->report[0] < 0 && w->control >= 0) read_report(w);
  napi_env env = w->env;
  if (w->detached || env_exiting) {
    watch_stop(w);
    return;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    watch_stop(w);
    return;
  }
  napi_value callback, receiver, argv[4], ignored;
  bool ok = napi_get_reference_value(env, w->callback, &callback) == napi_ok && napi_get_global(env, &receiver) == napi_ok &&
            napi_create_int32(env, code, &argv[0]) == napi_ok && napi_create_int32(env, sig, &argv[1]) == napi_ok &&
            napi_create_int32(env, w->report[0], &argv[2]) == napi_ok && napi_create_int32(env, w->report[1], &argv[3]) == napi_ok;
  napi_async_context context = w->context;
  w->context = NULL;
  watch_stop(w);
  if (ok && napi_make_callback(env, context, receiver, callback, 4, argv, &ignored) == napi_pending_exception) {
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
  napi_async_destroy(env, context);
  napi_close_handle_scope(env, scope);
}

static int int64_arg(napi_env env, napi_value value, int64_t *out) {
  return napi_get_value_int64(env, value, out) == napi_ok;
}

/*
 * Writes `supervise/child`'s line, `PID STARTTIME BOOTID\n` (STARTTIME field 22 of
 * /proc/PID/stat), into `fd` from offset 0 and cuts the file there: 0 or the errno (ESRCH when
 * the child's stat cannot be read or parsed).
 */
static int record_child(pid_t pid, int fd, const char *boot_id) {
  char path[32], stat[1024], line[160];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int sfd = open(path, O_RDONLY | O_CLOEXEC);
  if (sfd < 0) return errno;
  ssize_t n;
  do n = read(sfd, stat, sizeof stat - 1); while (n < 0 && errno == EINTR);
  close(sfd);
  if (n <= 0) return ESRCH;
  stat[n] = 0;
  char *p = strrchr(stat, ')');
  if (!p || p[1] != ' ') return ESRCH;
  p += 2; /* field 3 */
  for (int field = 3; field < 22 && p; field++) {
    p = strchr(p, ' ');
    if (p) p++;
  }
  if (!p) return ESRCH;
  size_t digits = strspn(p, "0123456789");
  if (digits == 0 || digits > 20) return ESRCH;
  int length = snprintf(line, sizeof line, "%d %.*s %s\n", (int)pid, (int)digits, p, boot_id);
  if (length <= 0 || (size_t)length >= sizeof line) return EINVAL;
  ssize_t written;
  do written = pwrite(fd, line, (size_t)length, 0); while (written < 0 && errno == EINTR);
  if (written < 0) return errno;
  if (written != length) return EIO;
  return ftruncate(fd, length) < 0 ? errno : 0;
}

/*
 * spawn(file, argv, envp, cwd, stdio, limits, uid, gid, groups, onExit[, fds[, record]]) -> [pid, handle, recorded] or errno.
 * cwd is a path or a directory fd; stdio three fds, -1 inherit, -2 /dev/null; limits flat
 * BigInt triples (resource, soft, hard); uid and gid -1 to keep; groups an array or null.
 * onExit(code, signal, stage, errno) once: code -1 when killed by `signal`; stage -1 when the
 * child ran, else the step that failed in the child (0 is execve) with its errno.
 * fds (optional): [child fd, parent fd] pairs, child fds from 3 and ascending: the parent's
 * descriptor is placed at the child fd (an s6 notification-fd pipe's write end); the child's
 * end of the release socket then sits above the highest of them.
 * The child waits until release(handle). With `record` ([fd, boot id]), the child's line is
 * first written into fd (supervise/child), then the child is released at once, with no return
 * to JavaScript in between: `recorded` is 0, or the errno of that write (the child runs anyway,
 * as daemontools' would; the caller warns). Without it `recorded` is -1.
 */
static napi_value do_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value args[12];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  int32_t record_fd = -1;
  char *boot_id = NULL;
  if (argc == 12) {
    napi_valuetype record_type;
    uint32_t record_length = 0;
    napi_value item;
    if (napi_typeof(env, args[11], &record_type) != napi_ok) return NULL;
    if (record_type != napi_null && record_type != napi_undefined &&
        (napi_get_array_length(env, args[11], &record_length) != napi_ok || record_length != 2 || napi_get_element(env, args[11], 0, &item) != napi_ok ||
         napi_get_value_int32(env, item, &record_fd) != napi_ok || record_fd < 0 || napi_get_element(env, args[11], 1, &item) != napi_ok ||
         !(boot_id = string_copy(env, item)) || strlen(boot_id) > 64)) {
      free(boot_id);
      napi_throw_type_error(env, NULL, "spawn: record must be [fd, boot id]");
      return NULL;
    }
  }
  struct spawn_args *a = calloc(1, sizeof *a);
  if (!a) {
    free(boot_id);
    napi_throw_error(env, NULL, "spawn: out of memory");
    return NULL;
  }
  a->cwdfd = -1;
  a->ngroups = -1;
  a->sock = -1;
  uint32_t limit_count = 0, group_count = 0, stdio_count = 0, fd_count = 0;
  napi_valuetype cwd_type, groups_type, callback_type;
  bool usage = (argc < 10 || argc > 12) || napi_typeof(env, args[3], &cwd_type) != napi_ok ||
               napi_get_array_length(env, args[4], &stdio_count) != napi_ok || stdio_count != 3 ||
               napi_get_array_length(env, args[5], &limit_count) != napi_ok || limit_count % 3 != 0 ||
               !int64_arg(env, args[6], &a->uid) || !int64_arg(env, args[7], &a->gid) ||
               napi_typeof(env, args[8], &groups_type) != napi_ok || napi_typeof(env, args[9], &callback_type) != napi_ok ||
               callback_type != napi_function;
  if (!usage && groups_type != napi_null && groups_type != napi_undefined && napi_get_array_length(env, args[8], &group_count) != napi_ok) usage = true;
  for (uint32_t i = 0; !usage && i < 3; i++) {
    napi_value item;
    int32_t fd;
    if (napi_get_element(env, args[4], i, &item) != napi_ok || napi_get_value_int32(env, item, &fd) != napi_ok) usage = true;
    else a->stdio[i] = fd;
  }
  napi_valuetype fds_type = napi_undefined;
  if (!usage && argc >= 11 && napi_typeof(env, args[10], &fds_type) != napi_ok) usage = true;
  if (!usage && fds_type != napi_undefined && fds_type != napi_null && napi_get_array_length(env, args[10], &fd_count) != napi_ok) usage = true;
  if (!usage && fd_count > 0 && (!(a->fds = calloc(fd_count, sizeof *a->fds)) || !(a->fd_sources = calloc(fd_count, sizeof *a->fd_sources)))) {
    spawn_args_free(a);
    free(boot_id);
    napi_throw_error(env, NULL, "spawn: out of memory");
    return NULL;
  }
  a->nfds = fd_count;
  for (uint32_t i = 0; !usage && i < fd_count; i++) {
    napi_value pair, item;
    uint32_t length;
    int32_t child_fd, parent_fd;
    if (napi_get_element(env, args[10], i, &pair) != napi_ok || napi_get_array_length(env, pair, &length) != napi_ok || length != 2 ||
        napi_get_element(env, pair, 0, &item) != napi_ok || napi_get_value_int32(env, item, &child_fd) != napi_ok ||
        napi_get_element(env, pair, 1, &item) != napi_ok || napi_get_value_int32(env, item, &parent_fd) != napi_ok ||
        child_fd < 3 || child_fd > 65535 || parent_fd < 0 || (i > 0 && child_fd <= a->fds[i - 1][0])) {
      usage = true;
    } else {
      a->fds[i][0] = child_fd;
      a->fds[i][1] = parent_fd;
    }
  }
  if (usage) {
    spawn_args_free(a);
    free(boot_id);
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, stdio, limits, uid, gid, groups, onExit[, fds: [child fd >= 3 ascending, parent fd][]])");
    return NULL;
  }
  a->nlimits = limit_count / 3;
  a->limits = calloc(a->nlimits + 1, sizeof *a->limits);
  for (uint32_t i = 0; a->limits && i < limit_count; i++) {
    napi_value item;
    uint64_t value;
    bool lossless;
    if (napi_get_element(env, args[5], i, &item) != napi_ok || napi_get_value_bigint_uint64(env, item, &value, &lossless) != napi_ok) {
      spawn_args_free(a);
      free(boot_id);
      napi_throw_type_error(env, NULL, "spawn: limits must be BigInts");
      return NULL;
    }
    if (i % 3 == 0) a->limits[i / 3].resource = (int)value;
    else if (i % 3 == 1) a->limits[i / 3].value.rlim_cur = (rlim_t)value;
    else a->limits[i / 3].value.rlim_max = (rlim_t)value;
  }
  if (groups_type != napi_null && groups_type != napi_undefined) {
    a->ngroups = (int)group_count;
    a->groups = calloc(group_count + 1, sizeof *a->groups);
    for (uint32_t i = 0; a->groups && i < group_count; i++) {
      napi_value item;
      int64_t gid;
      if (napi_get_element(env, args[8], i, &item) != napi_ok || !int64_arg(env, item, &gid)) {
        spawn_args_free(a);
        free(boot_id);
        napi_throw_type_error(env, NULL, "spawn: groups must be numbers");
        return NULL;
      }
      a->groups[i] = (gid_t)gid;
    }
  }
  if (cwd_type == napi_number) {
    int32_t fd;
    if (napi_get_value_int32(env, args[3], &fd) == napi_ok) a->cwdfd = fd;
  } else {
    a->cwd = string_copy(env, args[3]);
  }
  a->file = string_copy(env, args[0]);
  a->argv = string_array(env, args[1]);
  napi_valuetype envp_type;
  a->envp = napi_typeof(env, args[2], &envp_type) == napi_ok && envp_type == napi_null ? environ_copy() : string_array(env, args[2]);
  int error = ENOMEM;
#if SHARED_MEMORY_CHILD
  a->stack_size = CHILD_STACK_SIZE;
  a->stack = mmap(NULL, a->stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (a->stack == MAP_FAILED) a->stack = NULL;
  /* A guard page at the bottom: an overflow faults instead of writing into the parent's memory. */
  if (a->stack && mprotect(a->stack, 4096, PROT_NONE) < 0) {
    munmap(a->stack, a->stack_size);
    a->stack = NULL;
  }
  bool stack_ok = a->stack != NULL;
#else
  bool stack_ok = true;
#endif
  struct watch *w = calloc(1, sizeof *w);
  napi_value out = NULL;
  if (stack_ok && a->limits && (a->ngroups < 0 || a->groups) && (a->cwdfd >= 0 || a->cwd) && a->file && a->argv && a->envp && w) {
    int sv[2];
    uv_loop_t *loop;
    napi_value name;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || napi_create_string_utf8(env, "keepup:child", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_async_init(env, NULL, name, &w->context) != napi_ok) {
      error = EINVAL;
    } else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
      error = errno;
      napi_async_destroy(env, w->context);
    } else {
      a->sock = sv[1];
      pid_t pid = start_child(a);
      error = pid < 0 ? -pid : 0;
      close(sv[1]);
      int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
      if (pid > 0 && pidfd < 0) {
        error = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
      }
      int recorded = -1;
      if (pidfd >= 0 && boot_id) {
        /* Recorded, then released: from here on a successor can recognise it. */
        recorded = record_child(pid, record_fd, boot_id);
        ssize_t sent;
        do sent = send(sv[0], "g", 1, MSG_NOSIGNAL | MSG_DONTWAIT); while (sent < 0 && errno == EINTR);
      }
      if (pidfd < 0) {
        close(sv[0]);
        napi_async_destroy(env, w->context);
      } else {
        w->env = env;
        w->pidfd = pidfd;
        w->control = sv[0];
        w->refs = 3;
        w->active = 1;
        w->releasing = 1;
        w->report[0] = -1;
        w->args = a;
        a = NULL;
        w->poll.data = w;
        w->release.data = w;
        napi_value handle, pid_value, recorded_value;
        if (uv_poll_init(loop, &w->poll, pidfd) != 0 || uv_poll_start(&w->poll, UV_READABLE, watch_ready) != 0 ||
            uv_poll_init(loop, &w->release, w->control) != 0 || uv_poll_start(&w->release, UV_READABLE | UV_DISCONNECT, release_ready) != 0 ||
            napi_create_reference(env, args[9], 1, &w->callback) != napi_ok ||
            napi_create_external(env, w, watch_finalize, NULL, &handle) != napi_ok ||
            napi_create_int32(env, pid, &pid_value) != napi_ok || napi_create_int32(env, recorded, &recorded_value) != napi_ok ||
            napi_create_array_with_length(env, 3, &out) != napi_ok || napi_set_element(env, out, 0, pid_value) != napi_ok ||
            napi_set_element(env, out, 1, handle) != napi_ok || napi_set_element(env, out, 2, recorded_value) != napi_ok) {
          /* Cannot happen short of memory exhaustion; the child is not released and dies. */
          abort();
        }
        /* Only the exit keeps the event loop alive, as before. */
        uv_unref((uv_handle_t *)&w->release);
        w = NULL;
      }
    }
  }
  free(w);
  spawn_args_free(a);
  free(boot_id);
  return out ? out : int_value(env, error);
}

static struct watch *watch_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_external(env, args[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a child handle");
    return NULL;
  }
  return data;
}

/* release(handle) -> 0 or errno: lets the child execve (it has already been recorded). */
static napi_value do_release(napi_env env, napi_callback_info info) {
  struct watch *w = watch_arg(env, info);
  if (!w) return NULL;
  if (!w->active || w->control < 0) return int_value(env, EBADF);
  ssize_t n;
  do n = send(w->control, "g", 1, MSG_NOSIGNAL | MSG_DONTWAIT); while (n < 0 && errno == EINTR);
  return int_value(env, n == 1 ? 0 : errno);
}

/*
 * detach(handle): never call back, and do not keep the event loop alive for this child; it is
 * still reaped if it exits while this process runs (no zombie is left behind).
 */
static napi_value do_detach(napi_env env, napi_callback_info info) {
  struct watch *w = watch_arg(env, info);
  if (!w) return NULL;
  if (w->active && !w->detached) {
    w->detached = 1;
    uv_unref((uv_handle_t *)&w->poll);
  }
  return NULL;
}

/* exiting(): the process is exiting; no more Node-API calls from the event loop's callbacks. */
static napi_value do_exiting(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  env_exiting = 1;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct { const char *name; int value; } resources[] = {
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_STACK", RLIMIT_STACK},
  };
  napi_property_descriptor methods[] = {
    {"exec", NULL, do_exec, NULL, NULL, NULL, napi_default, NULL},
    {"environ", NULL, do_environ, NULL, NULL, NULL, napi_default, NULL},
    {"pipe", NULL, do_pipe, NULL, NULL, NULL, napi_default, NULL},
    {"setsid", NULL, do_setsid, NULL, NULL, NULL, napi_default, NULL},
    {"getrlimit", NULL, do_getrlimit, NULL, NULL, NULL, napi_default, NULL},
    {"setrlimit", NULL, do_setrlimit, NULL, NULL, NULL, napi_default, NULL},
    {"setCloexec", NULL, do_set_cloexec, NULL, NULL, NULL, napi_default, NULL},
    {"setNonblocking", NULL, do_set_nonblocking, NULL, NULL, NULL, napi_default, NULL},
    {"flockExclusiveNonblocking", NULL, do_flock, NULL, NULL, NULL, napi_default, NULL},
    {"mkfifo", NULL, do_mkfifo, NULL, NULL, NULL, napi_default, NULL},
    {"exchangeWrite", NULL, do_exchange_write, NULL, NULL, NULL, napi_default, NULL},
    {"readAt", NULL, do_read_at, NULL, NULL, NULL, napi_default, NULL},
    {"appendAt", NULL, do_append_at, NULL, NULL, NULL, napi_default, NULL},
    {"getpwnam", NULL, do_getpwnam, NULL, NULL, NULL, napi_default, NULL},
    {"notify", NULL, do_notify, NULL, NULL, NULL, napi_default, NULL},
    {"setFsCredentials", NULL, do_set_fs_credentials, NULL, NULL, NULL, napi_default, NULL},
    {"restoreFsCredentials", NULL, do_restore_fs_credentials, NULL, NULL, NULL, napi_default, NULL},
    {"spawn", NULL, do_spawn, NULL, NULL, NULL, napi_default, NULL},
    {"release", NULL, do_release, NULL, NULL, NULL, napi_default, NULL},
    {"detach", NULL, do_detach, NULL, NULL, NULL, napi_default, NULL},
    {"exiting", NULL, do_exiting, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++) {
    CHECK(napi_set_named_property(env, exports, resources[i].name, int_value(env, resources[i].value)));
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
