// Checks shared by a pod manifest built from flags and one given with --pod-manifest:
// port forwards, volumes and the mount points no volume satisfies.
import type { Port, RuntimeApp, Volume } from '../../common/appc-types.ts';
import { SkiffError } from '../../common/errors.ts';
import { isAcName } from './ac-name.ts';

export interface PortForwardRequest {
  name: string;
  hostPort: number;
  hostIP?: string;
  podPort?: Port;
}

function invalid(message: string): SkiffError {
  return new SkiffError('POD_MANIFEST_INVALID', message);
}

/** Volume names unique and valid; host sources absolute; kind-specific fields where they belong (appc). */
export function checkVolumes(volumes: readonly Volume[]): void {
  const seen = new Set<string>();
  for (const v of volumes) {
    if (!isAcName(v.name)) throw invalid(`volume name ${JSON.stringify(v.name)} is invalid: use lowercase letters, digits and dashes`);
    if (seen.has(v.name)) throw invalid(`volume ${v.name} is defined twice: give each volume a different name`);
    seen.add(v.name);
    if (v.kind === 'host') {
      if (!v.source?.startsWith('/')) throw invalid(`host volume ${v.name} needs an absolute source path`);
    } else if (v.kind === 'empty') {
      if (v.source !== undefined) throw invalid(`empty volume ${v.name} cannot have a source: use kind=host for a host directory`);
    } else {
      throw invalid(`volume ${v.name} has kind ${JSON.stringify(v.kind)}: use host or empty`);
    }
  }
}

/** Every mount names a defined volume (or carries its own) at an absolute path, once per path. */
export function checkMounts(apps: readonly RuntimeApp[], volumes: readonly Volume[]): void {
  const names = new Set(volumes.map((v) => v.name));
  for (const app of apps) {
    const paths = new Set<string>();
    for (const m of app.mounts ?? []) {
      if (!m.appVolume && !names.has(m.volume)) {
        const known = names.size === 0 ? 'no volumes are defined' : `defined volumes: ${[...names].join(', ')}`;
        throw invalid(`app ${app.name} mounts volume ${m.volume}, which is not defined (${known}): define a volume named ${m.volume}`);
      }
      if (!m.path.startsWith('/')) throw invalid(`app ${app.name} mounts volume ${m.volume} at ${JSON.stringify(m.path)}: use an absolute path`);
      if (paths.has(m.path)) throw invalid(`app ${app.name} mounts two volumes at ${m.path}: mount one volume per path`);
      paths.add(m.path);
    }
  }
}

/**
 * Mount points of the image that neither a mount (same path) nor a pod volume (same name)
 * satisfies. stage1 backs each with an implicit empty volume (rkt GenerateMounts); the
 * caller tells the user, since data written there vanishes with the pod.
 */
export function unsatisfiedMountPoints(apps: readonly RuntimeApp[], volumes: readonly Volume[]): string[] {
  const names = new Set(volumes.map((v) => v.name));
  const warnings: string[] = [];
  for (const app of apps) {
    const mounted = new Set((app.mounts ?? []).map((m) => m.path));
    for (const mp of app.app?.mountPoints ?? []) {
      if (mounted.has(mp.path) || names.has(mp.name)) continue;
      warnings.push(
        `app ${app.name}: mount point ${mp.name} (${mp.path}) has no volume; stage1 will create an empty one that ` +
          `is deleted with the pod (give --volume=${mp.name},kind=host,source=/path to keep the data)`,
      );
    }
  }
  return warnings;
}

function findAppPort(apps: readonly RuntimeApp[], name: string): Port {
  const matches = apps.flatMap((a) => (a.app?.ports ?? []).filter((p) => p.name === name).map((p) => ({ app: a.name, port: p })));
  const first = matches[0];
  if (matches.length > 1) {
    throw invalid(`port ${name} is exposed by several apps (${matches.map((m) => m.app).join(', ')}): rename it in one image`);
  }
  if (!first) {
    const known = [...new Set(apps.flatMap((a) => (a.app?.ports ?? []).map((p) => p.name)))];
    const list = known.length === 0 ? 'no app exposes any port' : `known ports: ${known.join(', ')}`;
    throw invalid(`no app exposes a port named ${name} (${list})`);
  }
  return first.port;
}

function overlaps(a: string | undefined, b: string | undefined): boolean {
  const any = (ip: string | undefined): boolean => ip === undefined || ip === '0.0.0.0' || ip === '::';
  return any(a) || any(b) || a === b;
}

/**
 * Port forwards: valid host ports, unique names, a name some app exposes (exactly one
 * app), and no two forwards of one protocol on one host address and port (rkt
 * ForwardedPorts). Returns each forward's pod-side port.
 */
export function checkPortForwards(apps: readonly RuntimeApp[], forwards: readonly PortForwardRequest[]): Port[] {
  const resolved: { fwd: PortForwardRequest; port: Port }[] = [];
  for (const fwd of forwards) {
    if (!Number.isInteger(fwd.hostPort) || fwd.hostPort < 1 || fwd.hostPort > 65535) {
      throw invalid(`port ${fwd.name}: host port ${fwd.hostPort} is not from 1 to 65535`);
    }
    if (resolved.some((r) => r.fwd.name === fwd.name)) throw invalid(`port ${fwd.name} is forwarded twice: forward each port once`);
    const port = fwd.podPort ?? findAppPort(apps, fwd.name);
    const clash = resolved.find(
      (r) => r.fwd.hostPort === fwd.hostPort && r.port.protocol === port.protocol && overlaps(r.fwd.hostIP, fwd.hostIP),
    );
    if (clash) {
      throw invalid(`ports ${clash.fwd.name} and ${fwd.name} both forward host ${port.protocol} port ${fwd.hostPort}: pick another host port`);
    }
    resolved.push({ fwd, port });
  }
  return resolved.map((r) => r.port);
}
