// The appc isolator names (spec/ace.md "Isolators") skiff writes (stage0, from the command
// line) and reads (stage1, into cgroups, capabilities and seccomp).
export const ISOLATOR_NAMES = Object.freeze({
  memory: 'resource/memory',
  cpu: 'resource/cpu',
  cpuShares: 'os/linux/cpu-shares',
  oomScoreAdj: 'os/linux/oom-score-adj',
  capsRetain: 'os/linux/capabilities-retain-set',
  capsRemove: 'os/linux/capabilities-remove-set',
  seccompRetain: 'os/linux/seccomp-retain-set',
  seccompRemove: 'os/linux/seccomp-remove-set',
  noNewPrivileges: 'os/linux/no-new-privileges',
} as const);
