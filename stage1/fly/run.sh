#!/bin/sh
# skiff fly stage1: the `run` entrypoint (docs/stage1-interface.md).
#
# Why a shell and not Node: a Node process marks inherited fds 3-15 close-on-exec as it
# starts (libuv's uv_disable_stdio_inheritance) and has no fcntl or dup2 to undo it, and its
# process.execve keeps only fds 0-2. So a Node stage1 can never pass the pod lock on fd 3 on
# to the app. This shell keeps fd 3 as stage0 handed it over, runs run.mjs as a child to
# prepare the pod and print the exec line, then execs it: the app replaces this process
# (same pid, same fds), holding the lock for the pod's whole life.
node=${SKIFF_NODE:-$(command -v node)}
if [ -z "$node" ]; then
  echo "skiff-stage1: no Node.js to run ${0%/*}/run.mjs (stage0 sets SKIFF_NODE)" >&2
  exit 125
fi
# No NODE_COMPILE_CACHE here: Node keys its cache by the script's path, which is new for every
# pod (the stage1 rootfs is rendered per pod), so it never hit and left ~95 KB behind per run.
out=$(SKIFF_FLY_APP_PID=$$ "$node" "${0%/*}/run.mjs" "$@") || exit
# run.mjs prints two lines of single-quoted words (exec-chain.ts shellQuote): the app's status
# file, then the exec chain.
eval "status_file=${out%%
*}"
plan=${out#*
}
# The exit watcher (exit-watcher.pl) records the app's status, which nobody in the exec chain
# can. It takes hold of this pid before returning and forks itself off, so it is not the app's
# child; it keeps fd 3, so the pod reads as running until the status is written.
if command -v perl >/dev/null 2>&1; then
  perl "${0%/*}/exit-watcher.pl" "$$" "$status_file" </dev/null >/dev/null 2>&1
fi
eval "exec $plan"
