/*
 * skiff-sys: the system calls stage0 makes on every `skiff run` that Node has no API for,
 * flock(2), mount(2) and umount2(2), so they need no flock(1) or mount(8) process (a fork of
 * the ~60 MB Node process and an exec each, ~3 ms), the fd moves (dup2, FD_CLOEXEC) that
 * put the pod lock on fd 3 before the exec into stage1 without a shell to do it, and a
 * detached start (the pod's sandbox) with no shell to put it in the background. Each returns
 * 0 (or an fd) or the errno (negated where an fd is the result); the caller
 * (common/host-linux.ts) makes the error and falls back to the tools when this file is not
 * built. Node-API only, so one build serves every Node version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <node_api.h>

#define MAX_STRING 8192

/* A string argument, or NULL for null/undefined; *ok = 0 on a bad argument. */
static char *string_arg(napi_env env, napi_value v, int *ok)
{
  napi_valuetype t;
  size_t len = 0;
  char *buf;
  if (napi_typeof(env, v, &t) != napi_ok) { *ok = 0; return NULL; }
  if (t == napi_null || t == napi_undefined) return NULL;
  if (t != napi_string || napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len >= MAX_STRING) { *ok = 0; return NULL; }
  buf = malloc(len + 1);
  if (buf == NULL || napi_get_value_string_utf8(env, v, buf, len + 1, &len) != napi_ok) { free(buf); *ok = 0; return NULL; }
  return buf;
}

static napi_value result(napi_env env, int err)
{
  napi_value out;
  napi_create_int32(env, err, &out);
  return out;
}

static napi_value bad_args(napi_env env)
{
  napi_throw_type_error(env, NULL, "skiff-sys: bad arguments");
  return NULL;
}

/* flock(fd, operation) */
static napi_value js_flock(napi_env env, napi_callback_info info)
{
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, op;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2
      || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &op) != napi_ok)
    return bad_args(env);
  return result(env, flock(fd, op) == 0 ? 0 : errno);
}

/* mount(source, target, fstype, flags, data); flags as a double (they exceed 2^31). */
static napi_value js_mount(napi_env env, napi_callback_info info)
{
  size_t argc = 5;
  napi_value argv[5];
  double flags;
  int ok = 1, err;
  char *source, *target, *fstype, *data;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5
      || napi_get_value_double(env, argv[3], &flags) != napi_ok || flags < 0)
    return bad_args(env);
  source = string_arg(env, argv[0], &ok);
  target = string_arg(env, argv[1], &ok);
  fstype = string_arg(env, argv[2], &ok);
  data = string_arg(env, argv[4], &ok);
  if (!ok || target == NULL) err = -1;
  else err = mount(source, target, fstype, (unsigned long) flags, data) == 0 ? 0 : errno;
  free(source);
  free(target);
  free(fstype);
  free(data);
  return err == -1 ? bad_args(env) : result(env, err);
}

/* umount2(target, flags) */
static napi_value js_umount2(napi_env env, napi_callback_info info)
{
  size_t argc = 2;
  napi_value argv[2];
  int32_t flags;
  int ok = 1, err;
  char *target;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2
      || napi_get_value_int32(env, argv[1], &flags) != napi_ok)
    return bad_args(env);
  target = string_arg(env, argv[0], &ok);
  if (!ok || target == NULL) { free(target); return bad_args(env); }
  err = umount2(target, flags) == 0 ? 0 : errno;
  free(target);
  return result(env, err);
}

/* Two int32 arguments, or 0. */
static int two_ints(napi_env env, napi_callback_info info, int32_t *a, int32_t *b)
{
  size_t argc = 2;
  napi_value argv[2];
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 2
         && napi_get_value_int32(env, argv[0], a) == napi_ok && napi_get_value_int32(env, argv[1], b) == napi_ok;
}

/* dup2(oldfd, newfd): the new fd is inheritable. */
static napi_value js_dup2(napi_env env, napi_callback_info info)
{
  int32_t oldfd, newfd;
  if (!two_ints(env, info, &oldfd, &newfd)) return bad_args(env);
  return result(env, dup2(oldfd, newfd) >= 0 ? 0 : errno);
}

/* A close-on-exec copy of fd at or above min: the fd, or -errno. */
static napi_value js_dup_cloexec(napi_env env, napi_callback_info info)
{
  int32_t fd, min;
  int out;
  if (!two_ints(env, info, &fd, &min)) return bad_args(env);
  out = fcntl(fd, F_DUPFD_CLOEXEC, min);
  return result(env, out >= 0 ? out : -errno);
}

/* Sets (on != 0) or clears FD_CLOEXEC; returns the old state (0/1) or -errno. */
static napi_value js_set_cloexec(napi_env env, napi_callback_info info)
{
  int32_t fd, on;
  int flags;
  if (!two_ints(env, info, &fd, &on)) return bad_args(env);
  flags = fcntl(fd, F_GETFD);
  if (flags < 0) return result(env, -errno);
  if (fcntl(fd, F_SETFD, on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC)) < 0) return result(env, -errno);
  return result(env, (flags & FD_CLOEXEC) ? 1 : 0);
}

/*
 * spawnDetached: a process that is nobody's child (its parent exits at once, so it is
 * reparented to init), in a session of its own, with fds 0-2 from `stdio` and no other fd.
 * Both levels are clone(CLONE_VM | CLONE_VFORK), as posix_spawn does: no copy of the Node
 * process's page tables, where fork(2) of it costs ~1 ms and a shell to do `setsid … &` ~4 ms.
 * The children share this process's memory while its other threads run on, so they only make
 * system calls (no malloc, no locks), on stacks allocated here, with every signal blocked
 * until the exec (the handlers they would run are Node's).
 */
#define SPAWN_STACK (64 * 1024)

struct spawn_req {
  const char *file;
  char **argv;
  int stdio[3];
  sigset_t mask; /* the caller's, for the exec'd program */
  char *stack;   /* the grandchild's */
  pid_t pid;     /* the grandchild, or 0 */
  int err;       /* why not */
};

extern char **environ;

static int spawn_grandchild(void *arg)
{
  struct spawn_req *r = arg;
  struct sigaction dfl = { .sa_handler = SIG_DFL };
  int sig, fd;
  /* Every disposition back to the default, ignored ones too (Node ignores SIGPIPE), as libuv does for its children. */
  for (sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
  if (setsid() < 0) goto fail;
  /* Each source first to above 2, so one dup2 cannot clobber the next one's source. */
  for (fd = 0; fd < 3; fd++) {
    int copy = fcntl(r->stdio[fd], F_DUPFD, 3);
    if (copy < 0) goto fail;
    r->stdio[fd] = copy;
  }
  for (fd = 0; fd < 3; fd++)
    if (dup2(r->stdio[fd], fd) < 0) goto fail;
  if (close_range(3, ~0U, 0) < 0) goto fail;
  sigprocmask(SIG_SETMASK, &r->mask, NULL);
  execve(r->file, r->argv, environ);
fail:
  r->err = errno;
  _exit(127);
}

static int spawn_middle(void *arg)
{
  struct spawn_req *r = arg;
  /* Returns once the grandchild has exec'd or failed (CLONE_VFORK). */
  pid_t pid = clone(spawn_grandchild, r->stack + SPAWN_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, r);
  if (pid < 0) r->err = errno;
  else if (r->err == 0) r->pid = pid;
  _exit(0);
}

/* The grandchild's pid, or -errno. */
static int spawn_detached(struct spawn_req *r)
{
  sigset_t all;
  char *stack = malloc(2 * SPAWN_STACK);
  pid_t middle;
  int status;
  if (stack == NULL) return -ENOMEM;
  r->stack = stack + SPAWN_STACK;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &r->mask);
  middle = clone(spawn_middle, stack + SPAWN_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, r);
  if (middle < 0) r->err = errno;
  else while (waitpid(middle, &status, __WALL) < 0 && errno == EINTR) {}
  pthread_sigmask(SIG_SETMASK, &r->mask, NULL);
  free(stack);
  return r->pid > 0 ? r->pid : -(r->err ? r->err : ECHILD);
}

/* spawnDetached(file, argv[], [fd0, fd1, fd2]): the pid, or -errno. */
static napi_value js_spawn_detached(napi_env env, napi_callback_info info)
{
  size_t argc = 3;
  napi_value argv[3], item;
  uint32_t n = 0, i;
  int ok = 1, out = -EINVAL;
  char *file;
  char **args = NULL;
  struct spawn_req req = { 0 };
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3
      || napi_get_array_length(env, argv[1], &n) != napi_ok || n == 0 || n > 4096)
    return bad_args(env);
  for (i = 0; i < 3; i++)
    if (napi_get_element(env, argv[2], i, &item) != napi_ok || napi_get_value_int32(env, item, &req.stdio[i]) != napi_ok) return bad_args(env);
  file = string_arg(env, argv[0], &ok);
  args = calloc(n + 1, sizeof *args);
  for (i = 0; ok && args != NULL && i < n; i++)
    if (napi_get_element(env, argv[1], i, &item) != napi_ok || (args[i] = string_arg(env, item, &ok)) == NULL) ok = 0;
  if (ok && file != NULL && args != NULL) {
    req.file = file;
    req.argv = args;
    out = spawn_detached(&req);
  }
  for (i = 0; args != NULL && i < n; i++) free(args[i]);
  free(args);
  free(file);
  return ok && file != NULL ? result(env, out) : bad_args(env);
}

static napi_value init(napi_env env, napi_value exports)
{
  napi_property_descriptor props[] = {
    { "flock", NULL, js_flock, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mount", NULL, js_mount, NULL, NULL, NULL, napi_enumerable, NULL },
    { "umount2", NULL, js_umount2, NULL, NULL, NULL, napi_enumerable, NULL },
    { "dup2", NULL, js_dup2, NULL, NULL, NULL, napi_enumerable, NULL },
    { "dupCloexec", NULL, js_dup_cloexec, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setCloexec", NULL, js_set_cloexec, NULL, NULL, NULL, napi_enumerable, NULL },
    { "spawnDetached", NULL, js_spawn_detached, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
