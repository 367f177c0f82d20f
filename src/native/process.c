/*
 * The process calls Node 20 lacks and a chain-loader needs: execve (replace this process,
 * so the supervised pid IS the daemon), setsid, getrlimit/setrlimit and the close-on-exec
 * flag. Each returns a result or an errno number; nothing here prints or exits.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

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
  };
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++) {
    CHECK(napi_set_named_property(env, exports, resources[i].name, int_value(env, resources[i].value)));
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
