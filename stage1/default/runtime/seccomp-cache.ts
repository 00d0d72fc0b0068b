// crun compiles the config's seccomp section with libseccomp on every start: ~7-9 ms of CPU,
// a third of `crun run` here. It also loads a filter compiled before, given in the annotation
// run.oci.seccomp_bpf_data (crun(1)), and it exports the filter it compiled to
// <state>/<id>/seccomp.bpf. So the first start of a profile gets a poststart hook that copies
// that export into SECCOMP_CACHE_DIR, and later starts of the same profile, by the same crun
// with the same libseccomp on the same kernel, hand the copy back. The section stays in the
// config: crun still takes its flags from it, and it says what the filter is.
//
// A filter decides what the apps may call, so the directory must be root's own and closed to
// everyone else, as the compile cache's is, or it is not used at all. Each filter sits beside
// the full key it was compiled for, which must match byte for byte: its file name is only a
// non-cryptographic hash of that key (this path does not load node:crypto).
import fs from 'node:fs';
import { SECCOMP_CACHE_DIR, seccompCacheFilterPath, seccompCacheKeyPath } from '../../../common/layout.ts';
import { nameHash } from '../../../common/name-hash.ts';
import { fileStamp, readOwnedFile } from '../../../common/owned-file.ts';
import { writeFileAtomic } from '../../../common/write-atomic.ts';
import type { OciHook, OciRuntimeSpec } from '../oci-spec/oci-runtime-types.ts';

export const SECCOMP_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';

/** Where libseccomp may be, to stamp the key with the one crun loads. */
const LIBSECCOMP_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

export interface SeccompCache {
  dir: string;
  /** What, besides the profile, the compiled filter depends on (filterIdentity). */
  identity: string;
}

function stamp(file: string): string | undefined {
  try {
    return `${file}:${fileStamp(fs.statSync(file, { bigint: true }))}`;
  } catch {
    return undefined;
  }
}

/**
 * The runtime binary, the libseccomp it loads and the kernel and architecture, as stamps;
 * undefined when libseccomp cannot be found (then nothing is cached).
 */
export function filterIdentity(runtimePath: string): string | undefined {
  const runtime = stamp(runtimePath);
  const lib = LIBSECCOMP_DIRS.map((d) => stamp(`${d}/libseccomp.so.2`)).find((s) => s !== undefined);
  let kernel: string;
  try {
    kernel = fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    return undefined;
  }
  return runtime && lib ? [runtime, lib, kernel, process.arch].join('\n') : undefined;
}

/** The cache, if the directory is (or can be made) root's own and closed to others. */
export function openSeccompCache(runtimePath: string, dir = SECCOMP_CACHE_DIR): SeccompCache | undefined {
  const identity = filterIdentity(runtimePath);
  if (identity === undefined) return undefined;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o077) !== 0) return undefined;
  } catch {
    return undefined;
  }
  return { dir, identity };
}

/** A poststart hook that copies crun's export of the filter into the cache (atomically). */
export function harvestHook(exportPath: string, filterPath: string): OciHook {
  return {
    path: '/bin/sh',
    args: ['sh', '-c', 'umask 077 && cp -- "$1" "$2.$$" && mv -f -- "$2.$$" "$2"', 'skiff-seccomp-cache', exportPath, filterPath],
    timeout: 10,
  };
}

/**
 * Gives the spec its compiled filter when the cache has one for exactly this profile, or else
 * the hook that will store the one crun compiles now (`exportPath`: runtimeSeccompExportPath).
 * Mutates `spec`; returns whether the filter came from the cache.
 */
export function applySeccompCache(cache: SeccompCache, spec: OciRuntimeSpec, exportPath: string): boolean {
  const seccomp = spec.linux.seccomp;
  if (!seccomp) return false;
  const key = `${cache.identity}\n${JSON.stringify(seccomp)}`;
  const name = nameHash(key);
  const keyFile = seccompCacheKeyPath(cache.dir, name);
  const filterFile = seccompCacheFilterPath(cache.dir, name);
  const storedKey = readOwnedFile(keyFile, 0o077);
  if (storedKey?.toString('utf8') === key) {
    const filter = readOwnedFile(filterFile, 0o077);
    // A classic BPF program is a whole number of 8-byte instructions.
    if (filter && filter.length > 0 && filter.length % 8 === 0) {
      spec.annotations = { ...spec.annotations, [SECCOMP_BPF_ANNOTATION]: filter.toString('base64') };
      return true;
    }
  } else {
    try {
      writeFileAtomic(keyFile, key, 0o600);
    } catch {
      return false;
    }
  }
  spec.hooks = { ...spec.hooks, poststart: [...(spec.hooks?.poststart ?? []), harvestHook(exportPath, filterFile)] };
  return false;
}
