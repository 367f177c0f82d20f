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
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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
  if (limits && paths && argv && envp) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
      if (sig == SIGKILL || sig == SIGSTOP) continue;
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
  }
  free(limits);
  free_array(paths);
  free_array(argv);
  free_array(envp);
  return int_value(env, error);
}

extern char **environ;

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

/* setCloexec(fd, on) -> 0 or errno: whether fd is closed when this process execs. */
static napi_value do_set_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  int32_t fd;
  bool on;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 2 || napi_get_value_int32(env, args[0], &fd) != napi_ok || napi_get_value_bool(env, args[1], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "setCloexec(fd, on)");
    return NULL;
  }
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return int_value(env, errno);
  flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  return int_value(env, fcntl(fd, F_SETFD, flags) < 0 ? errno : 0);
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

/*
 * getpwnam(name) -> [uid, gid], null when there is no such account, or an errno number: the C
 * library's lookup (NSS included, as daemontools' setuidgid), without a getent process.
 */
static napi_value do_getpwnam(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  char *name = argc == 1 ? string_copy(env, args[0]) : NULL;
  if (!name) {
    napi_throw_type_error(env, NULL, "getpwnam(name)");
    return NULL;
  }
  struct passwd entry, *found = NULL;
  size_t size = 16384;
  char *buffer = NULL;
  int error;
  for (;;) {
    char *bigger = realloc(buffer, size);
    if (!bigger) {
      error = ENOMEM;
      break;
    }
    buffer = bigger;
    error = getpwnam_r(name, &entry, buffer, size, &found);
    if (error != ERANGE || size >= 1048576) break;
    size *= 4;
  }
  free(name);
  napi_value out;
  if (error == 0 && found) {
    napi_value uid, gid;
    if (napi_create_array_with_length(env, 2, &out) != napi_ok || napi_create_uint32(env, found->pw_uid, &uid) != napi_ok ||
        napi_create_uint32(env, found->pw_gid, &gid) != napi_ok || napi_set_element(env, out, 0, uid) != napi_ok || napi_set_element(env, out, 1, gid) != napi_ok) {
      free(buffer);
      return NULL;
    }
  } else if (error == 0 || error == ENOENT || error == ESRCH || error == EBADF || error == EPERM) {
    /* The "not found" errnos getpwnam_r(3) lists. */
    napi_get_null(env, &out);
  } else {
    out = int_value(env, error);
  }
  free(buffer);
  return out;
}

/*
 * The supervisor's spawn. fork(), then in the child only async-signal-safe calls: its own
 * session, stdio, working directory, every other descriptor closed, resource limits,
 * groups/gid/uid (in that order: limits while still root, so a raised hard limit works),
 * signal dispositions and mask reset. The child then waits on its end of a socketpair: one byte from
 * the parent (release) lets it execve; end of file (the parent died before it recorded the
 * child, or gave it up) makes it _exit without running anything, so no process exists that the
 * parent's successor could not recognise. A failure in the child is sent back as (stage,
 * errno) on the same socket before _exit; a successful execve closes the socket (close-on-exec).
 * The exit is seen through a pidfd polled on Node's event loop and reaped with waitid(P_PIDFD):
 * no SIGCHLD, no waitpid over other children (libuv only waits for the pids it spawned).
 */
enum {STAGE_EXEC, STAGE_SETSID, STAGE_STDIO, STAGE_CWD, STAGE_RLIMIT, STAGE_SETGROUPS, STAGE_SETGID, STAGE_SETUID, STAGE_FDS};

#define STDIO_INHERIT (-1)
#define STDIO_IGNORE (-2)

struct limit {
  int resource;
  struct rlimit value;
};

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
};

static void child_fail(int sock, int stage, int error) {
  int report[2] = {stage, error};
  ssize_t ignored = send(sock, report, sizeof report, MSG_NOSIGNAL);
  (void)ignored;
  _exit(111);
}

/* A descriptor at 3 or above (a duplicate, close-on-exec, when it is lower), or -1. */
static int above_stdio(int fd) {
  return fd >= 0 && fd < 3 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : fd;
}

static void child_run(const struct spawn_args *a, int sock) {
  if ((sock = above_stdio(sock)) < 0) _exit(111);
  if (setsid() < 0) child_fail(sock, STAGE_SETSID, errno);
  int cwdfd = a->cwdfd >= 0 ? above_stdio(a->cwdfd) : -1;
  if (a->cwdfd >= 0 && cwdfd < 0) child_fail(sock, STAGE_CWD, errno);
  int src[3];
  for (int i = 0; i < 3; i++) {
    src[i] = a->stdio[i];
    if (src[i] >= 0 && src[i] != i && (src[i] = above_stdio(src[i])) < 0) child_fail(sock, STAGE_STDIO, errno);
  }
  for (int i = 0; i < 3; i++) {
    if (src[i] == STDIO_INHERIT || src[i] == i) {
      fcntl(i, F_SETFD, 0);
    } else if (src[i] == STDIO_IGNORE) {
      int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (fd < 0) child_fail(sock, STAGE_STDIO, errno);
      if (fd == i) {
        fcntl(i, F_SETFD, 0);
      } else {
        if (dup2(fd, i) < 0) child_fail(sock, STAGE_STDIO, errno);
        close(fd);
      }
    } else if (dup2(src[i], i) < 0) {
      child_fail(sock, STAGE_STDIO, errno);
    }
  }
  if ((cwdfd >= 0 ? fchdir(cwdfd) : chdir(a->cwd)) < 0) child_fail(sock, STAGE_CWD, errno);
  /* Early: until now this child holds copies of every descriptor of the supervisor. */
  if (sock != 3) {
    if (dup3(sock, 3, O_CLOEXEC) < 0) child_fail(sock, STAGE_FDS, errno);
    sock = 3;
  }
  if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0) {
    struct rlimit files;
    rlim_t top = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY && files.rlim_cur < 1048576 ? files.rlim_cur : 1048576;
    for (rlim_t fd = 4; fd < top; fd++) close((int)fd);
  }
  for (uint32_t i = 0; i < a->nlimits; i++) {
    if (setrlimit(a->limits[i].resource, &a->limits[i].value) < 0) child_fail(sock, STAGE_RLIMIT, errno);
  }
  if (a->ngroups >= 0) {
    if (setgroups((size_t)a->ngroups, a->groups) < 0) child_fail(sock, STAGE_SETGROUPS, errno);
  } else if (a->uid >= 0 || a->gid >= 0) {
    int ignored = setgroups(0, NULL); /* as libuv: cleared when possible */
    (void)ignored;
  }
  if (a->gid >= 0 && setgid((gid_t)a->gid) < 0) child_fail(sock, STAGE_SETGID, errno);
  if (a->uid >= 0 && setuid((uid_t)a->uid) < 0) child_fail(sock, STAGE_SETUID, errno);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &action, NULL);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  char go;
  ssize_t n;
  do n = read(sock, &go, 1); while (n < 0 && errno == EINTR);
  if (n != 1) _exit(111);
  execve(a->file, a->argv, a->envp);
  child_fail(sock, STAGE_EXEC, errno);
}

struct watch {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int pidfd;
  int control; /* our end of the child's socket, or -1 */
  int refs;    /* the uv handle and the JS external */
  int active;
  int detached; /* reaped when it exits, without a callback */
};

static void watch_unref(struct watch *w) {
  if (--w->refs == 0) free(w);
}

static void watch_closed(uv_handle_t *handle) {
  struct watch *w = handle->data;
  close(w->pidfd);
  if (w->control >= 0) close(w->control);
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
  watch_unref(w);
}

static void watch_stop(struct watch *w) {
  if (!w->active) return;
  w->active = 0;
  uv_close((uv_handle_t *)&w->poll, watch_closed);
}

static void watch_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  watch_unref(data);
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
  int report[2] = {-1, 0};
  if (w->control >= 0 && recv(w->control, report, sizeof report, MSG_DONTWAIT) != (ssize_t)sizeof report) {
    report[0] = -1;
    report[1] = 0;
  }
  napi_env env = w->env;
  if (w->detached) {
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
            napi_create_int32(env, report[0], &argv[2]) == napi_ok && napi_create_int32(env, report[1], &argv[3]) == napi_ok;
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
 * spawn(file, argv, envp, cwd, stdio, limits, uid, gid, groups, onExit) -> [pid, handle] or errno.
 * cwd is a path or a directory fd; stdio three fds, -1 inherit, -2 /dev/null; limits flat
 * BigInt triples (resource, soft, hard); uid and gid -1 to keep; groups an array or null.
 * onExit(code, signal, stage, errno) once: code -1 when killed by `signal`; stage -1 when the
 * child ran, else the step that failed in the child (0 is execve) with its errno.
 * The child waits until release(handle).
 */
static napi_value do_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  struct spawn_args a;
  memset(&a, 0, sizeof a);
  a.cwdfd = -1;
  a.ngroups = -1;
  uint32_t limit_count = 0, group_count = 0, stdio_count = 0;
  napi_valuetype cwd_type, groups_type, callback_type;
  bool usage = argc != 10 || napi_typeof(env, args[3], &cwd_type) != napi_ok ||
               napi_get_array_length(env, args[4], &stdio_count) != napi_ok || stdio_count != 3 ||
               napi_get_array_length(env, args[5], &limit_count) != napi_ok || limit_count % 3 != 0 ||
               !int64_arg(env, args[6], &a.uid) || !int64_arg(env, args[7], &a.gid) ||
               napi_typeof(env, args[8], &groups_type) != napi_ok || napi_typeof(env, args[9], &callback_type) != napi_ok ||
               callback_type != napi_function;
  if (!usage && groups_type != napi_null && groups_type != napi_undefined && napi_get_array_length(env, args[8], &group_count) != napi_ok) usage = true;
  for (uint32_t i = 0; !usage && i < 3; i++) {
    napi_value item;
    int32_t fd;
    if (napi_get_element(env, args[4], i, &item) != napi_ok || napi_get_value_int32(env, item, &fd) != napi_ok) usage = true;
    else a.stdio[i] = fd;
  }
  if (usage) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, stdio, limits, uid, gid, groups, onExit)");
    return NULL;
  }
  int error = ENOMEM;
  a.nlimits = limit_count / 3;
  a.limits = calloc(a.nlimits + 1, sizeof *a.limits);
  for (uint32_t i = 0; a.limits && i < limit_count; i++) {
    napi_value item;
    uint64_t value;
    bool lossless;
    if (napi_get_element(env, args[5], i, &item) != napi_ok || napi_get_value_bigint_uint64(env, item, &value, &lossless) != napi_ok) {
      free(a.limits);
      napi_throw_type_error(env, NULL, "spawn: limits must be BigInts");
      return NULL;
    }
    if (i % 3 == 0) a.limits[i / 3].resource = (int)value;
    else if (i % 3 == 1) a.limits[i / 3].value.rlim_cur = (rlim_t)value;
    else a.limits[i / 3].value.rlim_max = (rlim_t)value;
  }
  if (groups_type != napi_null && groups_type != napi_undefined) {
    a.ngroups = (int)group_count;
    a.groups = calloc(group_count + 1, sizeof *a.groups);
    for (uint32_t i = 0; a.groups && i < group_count; i++) {
      napi_value item;
      int64_t gid;
      if (napi_get_element(env, args[8], i, &item) != napi_ok || !int64_arg(env, item, &gid)) {
        free(a.limits);
        free(a.groups);
        napi_throw_type_error(env, NULL, "spawn: groups must be numbers");
        return NULL;
      }
      a.groups[i] = (gid_t)gid;
    }
  }
  if (cwd_type == napi_number) {
    int32_t fd;
    if (napi_get_value_int32(env, args[3], &fd) == napi_ok) a.cwdfd = fd;
  } else {
    a.cwd = string_copy(env, args[3]);
  }
  a.file = string_copy(env, args[0]);
  a.argv = string_array(env, args[1]);
  a.envp = string_array(env, args[2]);
  struct watch *w = calloc(1, sizeof *w);
  napi_value out = NULL;
  if (a.limits && (a.ngroups < 0 || a.groups) && (a.cwdfd >= 0 || a.cwd) && a.file && a.argv && a.envp && w) {
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
      sigset_t all, old;
      sigfillset(&all);
      pthread_sigmask(SIG_SETMASK, &all, &old);
      pid_t pid = fork();
      if (pid == 0) {
        close(sv[0]);
        child_run(&a, sv[1]);
      }
      error = errno;
      pthread_sigmask(SIG_SETMASK, &old, NULL);
      close(sv[1]);
      int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
      if (pid > 0 && pidfd < 0) {
        error = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
      }
      if (pidfd < 0) {
        close(sv[0]);
        napi_async_destroy(env, w->context);
      } else {
        w->env = env;
        w->pidfd = pidfd;
        w->control = sv[0];
        w->refs = 2;
        w->active = 1;
        w->poll.data = w;
        napi_value handle, pid_value;
        if (uv_poll_init(loop, &w->poll, pidfd) != 0 || uv_poll_start(&w->poll, UV_READABLE, watch_ready) != 0 ||
            napi_create_reference(env, args[9], 1, &w->callback) != napi_ok ||
            napi_create_external(env, w, watch_finalize, NULL, &handle) != napi_ok ||
            napi_create_int32(env, pid, &pid_value) != napi_ok || napi_create_array_with_length(env, 2, &out) != napi_ok ||
            napi_set_element(env, out, 0, pid_value) != napi_ok || napi_set_element(env, out, 1, handle) != napi_ok) {
          /* Cannot happen short of memory exhaustion; the child is not released and dies. */
          abort();
        }
        w = NULL;
      }
    }
  }
  free(w);
  free(a.limits);
  free(a.groups);
  free(a.cwd);
  free(a.file);
  free_array(a.argv);
  free_array(a.envp);
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
    {"flockExclusiveNonblocking", NULL, do_flock, NULL, NULL, NULL, napi_default, NULL},
    {"mkfifo", NULL, do_mkfifo, NULL, NULL, NULL, napi_default, NULL},
    {"spawn", NULL, do_spawn, NULL, NULL, NULL, napi_default, NULL},
    {"release", NULL, do_release, NULL, NULL, NULL, napi_default, NULL},
    {"detach", NULL, do_detach, NULL, NULL, NULL, napi_default, NULL},
    {"getpwnam", NULL, do_getpwnam, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++) {
    CHECK(napi_set_named_property(env, exports, resources[i].name, int_value(env, resources[i].value)));
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
