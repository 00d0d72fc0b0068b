// The monitor's plan: everything the pod's resident bash monitor (monitor.sh, fixed and
// shipped in the stage1 image) needs, rendered as bash variable assignments that it sources
// (pure, unit-tested). Data only: every value is single-quoted, so nothing in a pod manifest
// or a path can become code.
import { shellQuote } from '../../common/exec-chain.ts';
import type { OomRule } from '../cgroups/pod-cgroup-record.ts';

export interface MonitorApp {
  name: string;
  /** The container ID (in the pod's private runtime state dir). */
  id: string;
  bundle: string;
  log: string;
  status: string;
  /** Marker written when the app's cgroup saw an OOM kill. */
  oomMarker: string;
  /** The cgroup file that tells an OOM kill; '' when unknown. */
  oomCounter: string;
  /** How to read it (pod-cgroup-record.ts OomRule). */
  oomRule: OomRule;
}

export interface MonitorCniStep {
  plugin: string;
  ifName: string;
  /** The DEL stdin file. */
  config: string;
}

export interface MonitorPlan {
  debug: boolean;
  /** `[WRAPPER…] RUNTIME --root DIR`. */
  runtime: string[];
  /** The same for `run`, where a launcher of the stage1's own may stand for the wrapper. */
  runtimeRun: string[];
  /** That DIR: a container with no directory there has nothing left to delete. */
  runtimeState: string;
  /** Flags of `run` before `--bundle` (`--keep`). */
  runFlags: string[];
  apps: MonitorApp[];
  /** The single app gets the terminal (stdin), and its runtime a pseudo-terminal. */
  interactive: boolean;
  /** Seconds between SIGTERM and SIGKILL when the pod is stopped. */
  graceSeconds: number;
  startedFile: string;
  sandbox: { pid: number; startTime: number };
  /** CNI DEL at the end, in ADD order (run in reverse); absent without CNI networks. */
  cni?: { containerId: string; netns: string; cniPath: string; record: string; steps: MonitorCniStep[] };
  /** The persisted network namespace to unmount at the end; '' when none. */
  netnsMount: string;
  /** Cgroup directories to remove at the end, deepest first. */
  cgroupDirs: string[];
}

const scalar = (name: string, value: string | number | boolean): string => {
  const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  return `${name}=${shellQuote(text)}`;
};

const array = (name: string, values: readonly (string | number)[]): string =>
  `${name}=(${values.map((v) => shellQuote(String(v))).join(' ')})`;

/** The plan as a bash file: `NAME='value'` and `NAME=('a' 'b')` lines, nothing else. */
export function renderMonitorPlan(plan: MonitorPlan): string {
  const apps = plan.apps;
  const steps = plan.cni?.steps ?? [];
  const lines = [
    '# The pod monitor plan, written by the default stage1 run entrypoint (stage1/default/monitor/monitor-plan.ts).',
    scalar('SKIFF_DEBUG', plan.debug),
    array('SKIFF_RUNTIME', plan.runtime),
    array('SKIFF_RUNTIME_RUN', plan.runtimeRun),
    scalar('SKIFF_RUNTIME_STATE', plan.runtimeState),
    array('SKIFF_RUN_FLAGS', plan.runFlags),
    array('SKIFF_APP_NAME', apps.map((a) => a.name)),
    array('SKIFF_APP_ID', apps.map((a) => a.id)),
    array('SKIFF_APP_BUNDLE', apps.map((a) => a.bundle)),
    array('SKIFF_APP_LOG', apps.map((a) => a.log)),
    array('SKIFF_APP_STATUS', apps.map((a) => a.status)),
    array('SKIFF_APP_OOM', apps.map((a) => a.oomMarker)),
    array('SKIFF_APP_OOM_COUNTER', apps.map((a) => a.oomCounter)),
    array('SKIFF_APP_OOM_RULE', apps.map((a) => a.oomRule)),
    scalar('SKIFF_INTERACTIVE', plan.interactive),
    scalar('SKIFF_GRACE', plan.graceSeconds),
    scalar('SKIFF_STARTED_FILE', plan.startedFile),
    scalar('SKIFF_SANDBOX_PID', plan.sandbox.pid),
    scalar('SKIFF_SANDBOX_START', plan.sandbox.startTime),
    scalar('SKIFF_CNI_CONTAINERID', plan.cni?.containerId ?? ''),
    scalar('SKIFF_CNI_NETNS', plan.cni?.netns ?? ''),
    scalar('SKIFF_CNI_PATH', plan.cni?.cniPath ?? ''),
    scalar('SKIFF_CNI_RECORD', plan.cni?.record ?? ''),
    array('SKIFF_CNI_PLUGIN', steps.map((s) => s.plugin)),
    array('SKIFF_CNI_IFNAME', steps.map((s) => s.ifName)),
    array('SKIFF_CNI_CONF', steps.map((s) => s.config)),
    scalar('SKIFF_NETNS_MOUNT', plan.netnsMount),
    array('SKIFF_CGROUP_DIRS', plan.cgroupDirs),
  ];
  return `${lines.join('\n')}\n`;
}
