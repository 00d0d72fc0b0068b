/*
 * skiff-runtime-exec CONTROLLERS RUNTIME [ARG...]: how the default stage1's monitor starts
 * crun on a hybrid cgroup host, in one exec. It does what its portable form,
 *   unshare --mount -- sh -c 'mount --bind /dev/null CONTROLLERS && exec RUNTIME …'
 * (stage1/default/runtime/runtime-record.ts maskingWrapper), does in three execs and a fork:
 * a private mount namespace (propagation private, as unshare(1) makes it) in which the
 * cgroup2 controllers file reads empty, so crun manages the v1 controllers instead of
 * refusing the host. It also bind-mounts the runtime binary read-only over itself there,
 * which crun takes as its own protected copy: otherwise it copies itself into a sealed memfd
 * and executes that (its guard against CVE-2019-5736), ~3 ms on every start. That part is
 * best effort; the rest must work or nothing runs (status 125, as a stage1 failure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int fail(const char *what, const char *arg)
{
  fprintf(stderr, "skiff-runtime-exec: %s %s: %s\n", what, arg, strerror(errno));
  return 125;
}

/* The per-mount flags a read-only remount must keep (a bind remount replaces them all). */
static unsigned long kept_flags(const char *file)
{
  struct statvfs st;
  unsigned long flags = 0;
  if (statvfs(file, &st) != 0) return 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  return flags;
}

int main(int argc, char **argv)
{
  if (argc < 3 || argv[1][0] != '/' || argv[2][0] != '/') {
    fprintf(stderr, "usage: skiff-runtime-exec /CONTROLLERS-FILE /RUNTIME [ARG...]\n");
    return 125;
  }
  if (unshare(CLONE_NEWNS) != 0) return fail("unshare", "CLONE_NEWNS");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail("making private", "/");
  if (mount("/dev/null", argv[1], NULL, MS_BIND, NULL) != 0) return fail("bind-mounting /dev/null on", argv[1]);
  if (mount(argv[2], argv[2], NULL, MS_BIND, NULL) == 0)
    mount(NULL, argv[2], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(argv[2]), NULL);
  execv(argv[2], argv + 2);
  return fail("executing", argv[2]);
}
