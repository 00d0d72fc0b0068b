// The part of the OCI runtime configuration (config.json, runtime-spec v1.0.2) that the
// default stage1 writes, as TypeScript types. Field names and optionality follow
// config.md and config-linux.md; fields skiff never sets are left out rather than typed
// loosely. Three seccomp fields come from runtime-spec v1.1.0 (`defaultErrnoRet`, a rule's
// `errnoRet`, the `SCMP_ACT_KILL_PROCESS` action): runc ≥ 1.0 and crun accept them in a
// 1.0.2 document, and they are only written when an isolator asks for what they express.
// The seccomp rule shapes live with the default profile in common/, which cannot import stage1.
import type { OciSeccompRule, SeccompAction, SeccompArchitecture } from '../../../common/seccomp-default.ts';

export type {
  OciSeccompArg,
  OciSeccompRule,
  SeccompAction,
  SeccompArchitecture,
  SeccompOperator,
} from '../../../common/seccomp-default.ts';

export const OCI_VERSION = '1.0.2';

export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export type CapabilityName = string;

export interface OciCapabilities {
  bounding?: CapabilityName[];
  effective?: CapabilityName[];
  inheritable?: CapabilityName[];
  permitted?: CapabilityName[];
  ambient?: CapabilityName[];
}

export interface OciRlimit {
  /** `RLIMIT_NOFILE`, … */
  type: string;
  soft: number;
  hard: number;
}

export interface OciProcess {
  terminal?: boolean;
  user: OciUser;
  args: string[];
  /** `NAME=value` strings. */
  env?: string[];
  /** Absolute, inside the container. */
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface OciRoot {
  path: string;
  readonly?: boolean;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface OciNamespace {
  type: OciNamespaceType;
  /** A namespace file to join (/proc/PID/ns/net); absent means a new namespace. */
  path?: string;
}

export interface OciDeviceCgroupRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciResources {
  devices?: OciDeviceCgroupRule[];
  memory?: { limit?: number; reservation?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
}

export interface OciSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: SeccompArchitecture[];
  syscalls?: OciSeccompRule[];
}

export interface OciLinux {
  namespaces: OciNamespace[];
  cgroupsPath?: string;
  resources?: OciResources;
  seccomp?: OciSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface OciRuntimeSpec {
  ociVersion: string;
  process: OciProcess;
  root: OciRoot;
  hostname?: string;
  mounts: OciMount[];
  linux: OciLinux;
  hooks?: { poststart?: OciHook[] };
  annotations?: Record<string, string>;
}
