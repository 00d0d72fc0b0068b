// Which OCI runtime runs a pod's apps (pure). crun is preferred: it starts in ~20 ms with a 3 MB
// monitor against runc's ~50 ms and 10 MB (measured on this machine). But crun refuses every
// container on a hybrid cgroup host whose cgroup2 tree has any controller at all (its
// libcrun_cgroup_enter: "cgroups in hybrid mode not supported, drop all controllers from
// cgroupv2"), as on this machine, where hugetlb sits on the cgroup2 side. It only reads that
// from <unified>/cgroup.controllers, so there it runs in a mount namespace of its own in which
// that file reads empty (runtime-record.ts maskingWrapper): it then manages the v1 controllers,
// as on any hybrid host, and leaves hugetlb, which skiff never limits, alone.
// Any other runtime (gVisor's runsc, Kata) is used when asked for, by name or absolute path.
import path from 'node:path';
import { SkiffError } from '../../../common/errors.ts';
import type { CgroupLayout } from '../cgroups/detect-layout.ts';

export interface RuntimeInfo {
  /** What the binary says it is (`crun version 1.8.1` → crun), else its file name. */
  name: string;
  path: string;
  /** From `<runtime> --version` (`1.8.1`); '' when it would not say. */
  version: string;
}

export interface RuntimeFacts {
  /** --stage1-runtime, or the pod annotation: a name (`crun`, `runc`) or an absolute path. */
  requested?: string;
  /** Where the request came from, for messages: `--stage1-runtime`, `annotation …`. */
  requestedBy?: string;
  available: readonly RuntimeInfo[];
  cgroupLayout: CgroupLayout;
  /** The cgroup2 root's cgroup.controllers (on a hybrid host: <root>/unified). */
  unifiedControllers: readonly string[];
  /** Where that cgroup2 tree is mounted, if any (on a hybrid host: <root>/unified). */
  unifiedMount?: string;
}

export interface RuntimeChoice {
  name: string;
  path: string;
  version: string;
  /** Why this one, for --debug: `crun is preferred …`. */
  reason: string;
  /** A cgroup.controllers file the runtime must find empty: it runs in a mount namespace where it is. */
  maskControllers?: string;
}

/** The runtimes skiff looks for by itself, best first, with the Debian package of each. */
export const KNOWN_RUNTIMES: readonly { name: string; debianPackage: string }[] = [
  { name: 'crun', debianPackage: 'crun' },
  { name: 'runc', debianPackage: 'runc' },
];

/** Why crun would refuse this host, or undefined when it runs here. */
export function crunRefusal(facts: Pick<RuntimeFacts, 'cgroupLayout' | 'unifiedControllers'>): string | undefined {
  if (facts.cgroupLayout !== 'hybrid' || facts.unifiedControllers.length === 0) return undefined;
  return `crun refuses hybrid cgroups with ${facts.unifiedControllers.join(', ')} enabled on the cgroup2 side`;
}

/** crun on a host it would refuse: with the cgroup2 side's controllers file masked, or not at all. */
function crunWithMask(facts: RuntimeFacts, crun: RuntimeInfo, refusal: string, reason: string): RuntimeChoice | undefined {
  if (facts.unifiedMount === undefined) return undefined;
  const file = path.join(facts.unifiedMount, 'cgroup.controllers');
  return {
    name: crun.name,
    path: crun.path,
    version: crun.version,
    reason: `${reason}; ${refusal}, so it runs with ${file} masked in a mount namespace of its own`,
    maskControllers: file,
  };
}

function refuseCrun(refusal: string, asked: string, by: string): SkiffError {
  return new SkiffError('USAGE', `${by} asks for ${asked}, but ${refusal}: it would fail with "cgroups in hybrid mode not supported"`, {
    hint: 'use runc (--stage1-runtime=runc), or move the host to cgroup v2 or drop every controller from /sys/fs/cgroup/unified',
  });
}

function missingRuntime(name: string, by: string): SkiffError {
  const known = KNOWN_RUNTIMES.find((r) => r.name === name);
  return new SkiffError('TOOL_MISSING', `the OCI runtime ${name} (asked for by ${by}) was not found on the host`, {
    hint: known ? `install the Debian package ${known.debianPackage}` : `install ${name}, or give its absolute path`,
  });
}

function chooseRequested(facts: RuntimeFacts, requested: string): RuntimeChoice {
  const by = facts.requestedBy ?? '--stage1-runtime';
  const isPath = requested.includes('/');
  if (isPath && !requested.startsWith('/')) {
    throw new SkiffError('USAGE', `${by}=${requested}: give a runtime name (crun, runc) or an absolute path`);
  }
  const found = facts.available.find((r) => (isPath ? r.path === requested : r.name === requested));
  if (!found) throw missingRuntime(requested, by);
  const reason = `requested by ${by}`;
  const refusal = crunRefusal(facts);
  if (refusal && found.name === 'crun') {
    const masked = crunWithMask(facts, found, refusal, reason);
    if (!masked) throw refuseCrun(refusal, requested, by);
    return masked;
  }
  return { name: found.name, path: found.path, version: found.version, reason };
}

export function chooseRuntime(facts: RuntimeFacts): RuntimeChoice {
  if (facts.requested !== undefined && facts.requested !== '') return chooseRequested(facts, facts.requested);
  const crun = facts.available.find((r) => r.name === 'crun');
  const runc = facts.available.find((r) => r.name === 'runc');
  const refusal = crunRefusal(facts);
  if (crun && !refusal) {
    const reason = `crun is preferred (faster start, smaller monitor) and runs on ${facts.cgroupLayout} cgroups`;
    return { name: crun.name, path: crun.path, version: crun.version, reason };
  }
  const masked = crun && refusal ? crunWithMask(facts, crun, refusal, 'crun is preferred (faster start, smaller monitor)') : undefined;
  if (masked) return masked;
  if (runc) {
    const reason = crun && refusal ? refusal : 'crun is not installed';
    return { name: runc.name, path: runc.path, version: runc.version, reason };
  }
  if (crun && refusal) {
    throw new SkiffError('TOOL_MISSING', `no OCI runtime that works on this host: ${refusal}, and runc is not installed`, {
      hint: 'install the Debian package runc',
    });
  }
  throw new SkiffError('TOOL_MISSING', 'no OCI runtime found on the host (looked for crun and runc on PATH)', {
    hint: refusal ? 'install the Debian package runc' : 'install the Debian package crun (or runc)',
  });
}

/** The --debug line: `runtime: crun 1.8.1 /usr/bin/crun (crun is preferred …)`. */
export function describeRuntimeChoice(choice: RuntimeChoice): string {
  const version = choice.version ? ` ${choice.version}` : '';
  return `runtime: ${choice.name}${version} ${choice.path} (${choice.reason})`;
}
