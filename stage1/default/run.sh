#!/bin/bash
# skiff default stage1: the `run` entrypoint (docs/stage1-interface.md).
#
# A shell, not Node, for the same reason as fly's: Node marks the inherited pod lock (fd 3)
# close-on-exec and cannot pass it on through execve. This shell keeps fd 3 as stage0 handed
# it over, runs run.cjs as a child to set the pod up (sandbox, network, bundles; it prints
# the path of the monitor plan), then execs the monitor, which holds the lock for the pod's
# life. So Node starts once on this path and is gone before the apps run.
node=${SKIFF_NODE:-$(command -v node)}
if [ -z "$node" ]; then
  echo "skiff-stage1: no Node.js to run ${0%/*}/run.cjs (stage0 sets SKIFF_NODE)" >&2
  exit 125
fi
# run.cjs gets no stdin (it belongs to the apps), so it learns here whether stdin is a
# terminal: with --interactive, only then does the app get a pseudo-terminal.
tty=0
[ -t 0 ] && tty=1
# No NODE_COMPILE_CACHE here: Node keys its cache by the script's path, which is new for every
# pod (the stage1 rootfs is rendered per pod), so it never hit and left ~95 KB behind per run.
# The monitor will have this shell's pid (exec keeps it): run.cjs writes it to `pid`.
plan=$(SKIFF_MONITOR_PID=$$ SKIFF_STDIN_IS_TTY=$tty "$node" "${0%/*}/run.cjs" "$@" </dev/null) || exit
exec /bin/bash "${0%/*}/monitor.sh" "$plan"
