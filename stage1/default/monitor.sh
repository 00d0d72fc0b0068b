#!/bin/bash
# skiff default stage1: the pod monitor (docs/stage1-interface.md, "The default flavor").
#
# `run` execs this with the plan run.cjs wrote (monitor-plan.sh: bash variables, data only).
# It is the one process that stays for the pod's life, holding the pod lock on fd 3, at a
# few MB instead of a resident Node. It
#   - starts every app with the OCI runtime in the foreground (`RUNTIME run [--keep]`: the
#     runtime stays the container's parent, forwards signals, and returns its exit status);
#     each app's stdout and stderr go both to ours and to its log file, through `tee -a`;
#   - waits for the apps (`wait -n -p`, bash >= 5.1), writes each one's status as it exits
#     (and an `oom` marker when its cgroup saw an OOM kill), then deletes its container;
#   - applies rkt's rule: the first app that fails stops the others (SIGTERM, SIGKILL after
#     the grace period) and its status is the pod's; all succeed: 0;
#   - forwards SIGTERM, SIGINT and SIGHUP to the apps the same way;
#   - tears down at the end: CNI DEL, the sandbox, the persisted netns, the pod's cgroups.
# Whatever this leaves (after a kill -9), the gc entrypoint releases.
set -u

if ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 1))); then
  echo "skiff-stage1: the pod monitor needs bash 5.1 or later (wait -n -p); this is $BASH_VERSION" >&2
  exit 125
fi
# shellcheck source=/dev/null
. "$1" || { echo "skiff-stage1: cannot read the monitor plan $1" >&2; exit 125; }
PATH=${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}

debug() { [ "$SKIFF_DEBUG" = 1 ] && printf 'skiff-stage1: debug: %s\n' "$*" >&2; return 0; }
warn() { printf 'skiff-stage1: warning: %s\n' "$*" >&2; }

# One write(2) of a few bytes to a new file, no mv(1) (a fork and an exec per app): a reader
# that comes between the open and the write finds it empty, which pod-info.ts takes as
# "no status yet", as it takes a missing file.
write_file() {
  printf '%s' "$2" > "$1"
}

# Sleeps SECONDS without forking sleep(1) (a fork costs about as much as the naps here): a read
# with a timeout on a pipe nobody writes to. The pipe is made once the apps are starting
# (make_nap_pipe), off the path to the first app, or on the first nap.
nap_fd=
make_nap_pipe() {
  [ -n "$nap_fd" ] || exec {nap_fd}<> <(:)
}
nap() {
  make_nap_pipe
  read -r -t "$1" -u "$nap_fd" _ 2>/dev/null
  return 0
}

declare -A alive=()  # runtime pid -> app index
tees=()
first_failure=
timer=
stopping=

killed=  # set once the monitor has sent SIGKILL: a 137 after it is not the OOM killer's

# SIGNAL to every app still running. The lock (fd 3) and stdin stay with the monitor.
signal_apps() {
  local pid
  [ "$1" = KILL ] && killed=1
  for pid in "${!alive[@]}"; do
    "${SKIFF_RUNTIME[@]}" kill "${SKIFF_APP_ID[${alive[$pid]}]}" "$1" </dev/null >/dev/null 2>&1 3<&-
  done
}

# SIGTERM now, SIGKILL when the grace timer (one more child to wait for) fires.
stop_apps() {
  [ -n "$stopping" ] && return
  stopping=1
  debug "stopping the apps: SIGTERM, SIGKILL in ${SKIFF_GRACE}s"
  signal_apps TERM
  sleep "$SKIFF_GRACE" </dev/null >/dev/null 2>&1 3<&- &
  timer=$!
}

trap 'stop_apps' TERM INT HUP

# The `oom_kill` counter of a cgroup file (memory.oom_control on v1, memory.events on v2)
# into $oom_n; 0 when unreadable. (A variable, not $(…): no subshell per exiting app.)
oom_count() {
  local key value
  oom_n=0
  [ -n "$1" ] && [ -r "$1" ] || return 0
  while read -r key value; do
    if [ "$key" = oom_kill ]; then oom_n=${value:-0}; return 0; fi
  done < "$1"
}

pod_oom_seen=0  # the pod's counter when an app last exited (rule `pod`)

# Whether app I, which exited with STATUS, was OOM-killed; the rules are pod-cgroup-record.ts's OomRule.
oom_killed() {
  local i=$1 status=$2 n oom_n
  case "${SKIFF_APP_OOM_RULE[i]}" in
    pod)
      oom_count "${SKIFF_APP_OOM_COUNTER[i]}"
      n=$oom_n
      [ "$n" -gt "$pod_oom_seen" ] && [ "$status" = 137 ] && { pod_oom_seen=$n; return 0; }
      pod_oom_seen=$n
      return 1
      ;;
    limit)
      # Its cgroup (the counter is its directory) reached the limit, with or without swap
      # (memory.failcnt, memory.memsw.failcnt), and something SIGKILLed it: not us, and not a
      # `stop --force` (which kills the sandbox first).
      [ "$status" = 137 ] && [ -z "$killed" ] && [ -n "${SKIFF_APP_OOM_COUNTER[i]}" ] || return 1
      for n in memory.failcnt memory.memsw.failcnt; do
        read -r n 2>/dev/null < "${SKIFF_APP_OOM_COUNTER[i]}/$n" || continue
        [ "${n:-0}" -gt 0 ] && { sandbox_alive running; return; }
      done
      return 1
      ;;
    *)
      oom_count "${SKIFF_APP_OOM_COUNTER[i]}"
      [ "$oom_n" -gt 0 ]
      ;;
  esac
}

app_exited() {
  local i=$1 status=$2
  debug "app ${SKIFF_APP_NAME[i]} exited with status $status"
  # Before the delete: with --keep the app's cgroup, and its OOM counter, are still there.
  if oom_killed "$i" "$status"; then
    : > "${SKIFF_APP_OOM[i]}"
    warn "app ${SKIFF_APP_NAME[i]} was killed by the OOM killer (its memory limit)"
  fi
  write_file "${SKIFF_APP_STATUS[i]}" "$status"$'\n'
  # Also kills what the app left running in its cgroup (the pod shares one PID namespace).
  # A runtime without --keep (crun) has done both and left no state behind.
  if [ -e "$SKIFF_RUNTIME_STATE/${SKIFF_APP_ID[i]}" ]; then
    "${SKIFF_RUNTIME[@]}" delete --force "${SKIFF_APP_ID[i]}" </dev/null >/dev/null 2>&1 3<&-
  fi
  if [ "$status" -ne 0 ] && [ -z "$first_failure" ]; then
    first_failure=$status
    [ ${#alive[@]} -gt 0 ] && stop_apps
  fi
}

start_apps() {
  local i out err
  for i in "${!SKIFF_APP_NAME[@]}"; do
    # Stopped while starting: the apps not started yet never run.
    [ -n "$stopping" ] && break
    # tee ignores the signals meant for the apps (a Ctrl-C reaches the whole process group)
    # and drops the lock; the stderr tee drops the stdout pipe, so each ends with its writers.
    exec {out}> >(trap '' INT TERM HUP; exec tee -a -- "${SKIFF_APP_LOG[i]}" 3<&-)
    tees+=("$!")
    exec {err}> >(trap '' INT TERM HUP; exec tee -a -- "${SKIFF_APP_LOG[i]}" >&2 3<&- {out}>&-)
    tees+=("$!")
    if [ "$SKIFF_INTERACTIVE" = 1 ]; then
      # The app's terminal: the runtime makes a pseudo-terminal and relays our stdin to it.
      # (`<&0`: without it bash gives a background command /dev/null.)
      "${SKIFF_RUNTIME_RUN[@]}" run "${SKIFF_RUN_FLAGS[@]}" --bundle "${SKIFF_APP_BUNDLE[i]}" "${SKIFF_APP_ID[i]}" \
        <&0 >&"$out" 2>&"$err" {out}>&- {err}>&- &
    else
      "${SKIFF_RUNTIME_RUN[@]}" run "${SKIFF_RUN_FLAGS[@]}" --bundle "${SKIFF_APP_BUNDLE[i]}" "${SKIFF_APP_ID[i]}" \
        </dev/null >&"$out" 2>&"$err" {out}>&- {err}>&- &
    fi
    alive[$!]=$i
    exec {out}>&- {err}>&-
    debug "started app ${SKIFF_APP_NAME[i]} (runtime pid $!)"
  done
}

# A child among PIDS that has already been reaped, with its status in $status. bash reaps
# every child that exits while it runs a foreground command (the runtime's kill or delete,
# mv, a command substitution) and then drops its job: `wait -n` no longer knows that pid
# ("no such job") and would wait for the others only. `wait PID` still has its status.
reaped_child() {
  local pid
  for pid in "$@"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      status=$?
      done=$pid
      return 0
    fi
  done
  return 1
}

wait_apps() {
  local done status i
  while [ ${#alive[@]} -gt 0 ]; do
    unset -v done
    if ! reaped_child "${!alive[@]}" ${timer:+"$timer"}; then
      wait -n -p done "${!alive[@]}" ${timer:+"$timer"} 2>/dev/null
      status=$?
      if [ -z "${done-}" ]; then
        # No pid: a trapped signal cut the wait short (its trap has run), or a child was
        # reaped between the look above and the wait (127); look again.
        [ $status -eq 127 ] && nap 0.05
        continue
      fi
    fi
    if [ "$done" = "$timer" ]; then
      timer=
      debug "grace period over: SIGKILL"
      signal_apps KILL
      continue
    fi
    i=${alive[$done]}
    unset -v "alive[$done]"
    app_exited "$i" "$status"
  done
  if [ -n "$timer" ]; then kill "$timer" 2>/dev/null; fi
}

# The sandbox, if it is still the process run.cjs started (same pid, same start time); with
# `running`, also not on its way out (PF_EXITING in the flags: a `stop --force` has killed it).
sandbox_alive() {
  local stat rest
  read -r stat 2>/dev/null < "/proc/$SKIFF_SANDBOX_PID/stat" || return 1
  rest=${stat##*) }
  read -r -a rest <<< "$rest"
  [ "${rest[19]-}" = "$SKIFF_SANDBOX_START" ] || return 1
  [ "${1-}" != running ] || (( (${rest[6]:-4} & 4) == 0 ))
}

teardown() {
  local k out failed=0 dirs=() d try
  for ((k = ${#SKIFF_CNI_PLUGIN[@]} - 1; k >= 0; k--)); do
    debug "CNI DEL ${SKIFF_CNI_PLUGIN[k]##*/} ${SKIFF_CNI_IFNAME[k]}"
    if ! out=$(CNI_COMMAND=DEL CNI_CONTAINERID=$SKIFF_CNI_CONTAINERID CNI_NETNS=$SKIFF_CNI_NETNS \
      CNI_IFNAME=${SKIFF_CNI_IFNAME[k]} CNI_PATH=$SKIFF_CNI_PATH "${SKIFF_CNI_PLUGIN[k]}" \
      <"${SKIFF_CNI_CONF[k]}" 2>&1 3<&-); then
      failed=1
      warn "CNI DEL with ${SKIFF_CNI_PLUGIN[k]} failed (skiff gc will retry): ${out//$'\n'/ }"
    fi
  done
  if [ ${#SKIFF_CNI_PLUGIN[@]} -gt 0 ] && [ $failed = 0 ]; then rm -f -- "$SKIFF_CNI_RECORD"; fi
  # The sandbox dies (with whatever is left in the pod's PID namespace) while the cgroups go:
  # the apps' cgroups never held it, and the runtime has emptied them.
  local sandbox_killed=
  if sandbox_alive; then
    debug "killing the sandbox $SKIFF_SANDBOX_PID"
    kill -KILL "$SKIFF_SANDBOX_PID" 2>/dev/null && sandbox_killed=1
  fi
  # bash's loadable rmdir (Debian bash-builtins), when it is there: no fork and exec of
  # rmdir(1) at the end of every pod.
  enable -f /usr/lib/bash/rmdir rmdir 2>/dev/null
  # rmdir fails with EBUSY for a moment while the last processes of a cgroup exit: look
  # again after 1 ms, doubling up to 50 ms, for about 3 s in all.
  local pause=1 secs
  for ((try = 0; try < 70; try++)); do
    dirs=()
    for d in "${SKIFF_CGROUP_DIRS[@]}"; do [ -d "$d" ] && dirs+=("$d"); done
    [ ${#dirs[@]} -eq 0 ] && break
    # No `--`: the loadable builtin takes it for a directory, and these paths are absolute.
    rmdir "${dirs[@]}" 2>/dev/null && break
    printf -v secs '0.%03d' "$pause"
    nap "$secs"
    ((pause = pause * 2 > 50 ? 50 : pause * 2))
  done
  if [ -n "$sandbox_killed" ]; then
    for ((try = 0; try < 2000; try++)); do sandbox_alive || break; nap 0.001; done
  fi
  # Kept while a CNI DEL failed: gc's retry needs the namespace (ptp removes its rules from it).
  if [ -n "$SKIFF_NETNS_MOUNT" ] && [ $failed = 0 ] && umount -- "$SKIFF_NETNS_MOUNT" 2>/dev/null; then
    rm -f -- "$SKIFF_NETNS_MOUNT"
  fi
  for d in "${SKIFF_CGROUP_DIRS[@]}"; do [ -d "$d" ] && warn "cgroup $d is still there (skiff gc will retry)"; done
  return 0
}

# `pid` (this process: run.sh's pid, which exec'd us) was written by run.cjs.
start_apps
# Empty: creating it is atomic, no temp file needed.
: > "$SKIFF_STARTED_FILE"
make_nap_pipe
wait_apps
teardown
# The tees end once every writer has gone (the sandbox took the apps' last processes with it).
wait "${tees[@]}" 2>/dev/null
debug "pod exits with ${first_failure:-0}"
exit "${first_failure:-0}"
