// What a local image argument is: the transport forms (`oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`,
// `docker-archive:FILE[:NAME:TAG]`), what a bare path holds (from a probe the caller fills in,
// so this stays free of fs), and how a file is compressed. Pure.
import { SkiffError } from '../../common/errors.ts';

export type LocalImageRef =
  | { transport: 'oci'; path: string; tag?: string }
  | { transport: 'oci-archive'; path: string; tag?: string }
  /** `reference` is `NAME[:TAG]` or `@N` (the N-th image in manifest.json, as skopeo has it). */
  | { transport: 'docker-archive'; path: string; reference?: string };

export type LocalImageFormat = 'aci' | 'oci-layout' | 'oci-archive' | 'docker-archive';
export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'none' | 'unknown';

const TRANSPORTS = ['oci', 'oci-archive', 'docker-archive'] as const;

/**
 * Parses a transport-prefixed local reference, or returns undefined when `value` has none of
 * those prefixes (it may be a path, a URL or an image name). As in skopeo, the path ends at the
 * first `:` after the prefix, so `docker-archive:a.tar:busybox:1.36` names busybox:1.36.
 */
export function parseLocalImageRef(value: string): LocalImageRef | undefined {
  const prefix = value.indexOf(':');
  const transport = TRANSPORTS.find((t) => t === value.slice(0, prefix));
  if (prefix === -1 || transport === undefined) return undefined;
  const rest = value.slice(prefix + 1);
  const colon = rest.indexOf(':');
  const file = colon === -1 ? rest : rest.slice(0, colon);
  const extra = colon === -1 ? undefined : rest.slice(colon + 1);
  const usage = transport === 'oci' ? 'oci:DIR[:TAG]' : transport === 'oci-archive' ? 'oci-archive:FILE[:TAG]' : 'docker-archive:FILE[:NAME:TAG]';
  if (file === '') throw new SkiffError('USAGE', `${JSON.stringify(value)} names no path: write ${usage}`);
  if (extra === '') throw new SkiffError('USAGE', `${JSON.stringify(value)} ends with an empty tag: write ${usage}, or leave out the last ":"`);
  if (transport === 'docker-archive') {
    if (extra !== undefined && extra.startsWith('@') && !/^@\d+$/.test(extra)) {
      throw new SkiffError('USAGE', `${JSON.stringify(value)}: "${extra}" is not an image index: write @0, @1…`);
    }
    return extra === undefined ? { transport, path: file } : { transport, path: file, reference: extra };
  }
  return extra === undefined ? { transport, path: file } : { transport, path: file, tag: extra };
}

export type ImageRefKind =
  | { kind: 'local' }
  /** `reference` is what follows `docker://`. */
  | { kind: 'docker'; reference: string }
  | { kind: 'url'; url: string }
  /** A bare appc name, for the store and then for discovery: `example.com/app:1.0`. */
  | { kind: 'name'; name: string; version: string | undefined };

/**
 * What an image argument names. A path that exists wins over a name that looks the same
 * (rkt's rule), so `skiff fetch example.com/app.aci` in a directory holding it reads the file.
 */
export function classifyImageRef(ref: string, existsLocally: boolean): ImageRefKind {
  if (ref.startsWith('docker://')) return { kind: 'docker', reference: ref.slice('docker://'.length) };
  if (/^https?:\/\//.test(ref)) return { kind: 'url', url: ref };
  if (existsLocally || parseLocalImageRef(ref) !== undefined || ref.startsWith('/') || ref.startsWith('.')) return { kind: 'local' };
  const colon = ref.lastIndexOf(':');
  const name = colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
  const version = colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : undefined;
  return { kind: 'name', name, version };
}

/**
 * Docker's full form of a reference, so `busybox` matches `docker.io/library/busybox:latest`:
 * a first component with `.` or `:` (or `localhost`) is a registry, else the image is on
 * Docker Hub, whose official images live under `library/`; no tag or digest means `:latest`.
 */
export function normalizeDockerReference(reference: string): string {
  const at = reference.indexOf('@');
  const digest = at === -1 ? '' : reference.slice(at);
  let name = at === -1 ? reference : reference.slice(0, at);
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  let domain = 'docker.io';
  if (first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first === 'index.docker.io' || first === 'registry-1.docker.io' ? 'docker.io' : first;
    name = name.slice(slash + 1);
  }
  if (domain === 'docker.io' && !name.includes('/')) name = `library/${name}`;
  const tagged = name.lastIndexOf(':') > name.lastIndexOf('/');
  return `${domain}/${name}${tagged || digest ? '' : ':latest'}${digest}`;
}

/** What the caller found at a local path (first bytes; for a tar, its first member names). */
export interface LocalImageProbe {
  isDir: boolean;
  hasOciLayoutFile: boolean;
  hasIndexJson: boolean;
  /** Names of the first members of the (decompressed) tar, when the caller listed them. */
  tarMembers?: readonly string[];
  /** The first 512 bytes of the file (fewer if it is shorter). */
  magic: Uint8Array;
}

export function detectLocalImageFormat(probe: LocalImageProbe, what: string): LocalImageFormat {
  if (probe.isDir) {
    if (probe.hasOciLayoutFile && probe.hasIndexJson) return 'oci-layout';
    if (probe.hasOciLayoutFile) {
      throw new SkiffError('IMAGE_FORMAT', `${what} has an oci-layout file but no index.json, so the OCI layout is incomplete`, {
        hint: 'copy the image again (skopeo copy … oci:DIR:TAG)',
      });
    }
    throw new SkiffError('IMAGE_FORMAT', `${what} is a directory but not an OCI image layout: it has no oci-layout file`, {
      hint: 'pack a root filesystem as an ACI or OCI image first',
    });
  }
  const compression = sniffCompression(probe.magic);
  if (compression === 'unknown') {
    throw new SkiffError('IMAGE_FORMAT', `${what} is not an image: it is neither a tar nor a gzip, bzip2, xz or zstd compressed tar`);
  }
  // A caller that lists no members gets rkt's rule: an image file is an ACI.
  if (probe.tarMembers === undefined) return 'aci';
  const names = probe.tarMembers.map((n) => n.replace(/^(\.\/)+/, '').replace(/\/+$/, ''));
  // docker ≥ 25 writes an OCI layout and a manifest.json into one tar. Reading it as OCI gives
  // the real manifest digest: the same image ID as pulling the image from a registry.
  if (names.some((n) => n === 'oci-layout' || n === 'index.json' || n.startsWith('blobs/'))) return 'oci-archive';
  if (names.some((n) => n === 'manifest.json' || n === 'repositories' || /^[0-9a-f]{64}(\/layer\.tar|\.json)$/.test(n))) {
    return 'docker-archive';
  }
  if (names.some((n) => n === 'manifest' || n === 'rootfs' || n.startsWith('rootfs/'))) return 'aci';
  throw new SkiffError(
    'IMAGE_FORMAT',
    `${what} is a tar, but not an image: an ACI has manifest and rootfs/, an OCI archive oci-layout, a docker archive manifest.json`,
  );
}

/** Compression by magic bytes; `none` is a plain tar, `unknown` anything else. */
export function sniffCompression(magic: Uint8Array): Compression {
  const starts = (...bytes: number[]) => bytes.every((b, i) => magic[i] === b);
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2'; // "BZh"
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (isTarHeader(magic)) return 'none';
  return 'unknown';
}

const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72]; // "ustar" at offset 257 (POSIX and GNU)

function isTarHeader(block: Uint8Array): boolean {
  if (block.length < 512) return false;
  if (USTAR.every((b, i) => block[257 + i] === b)) return true;
  // Pre-POSIX (v7) tars carry no magic: trust the header checksum instead.
  const stored = parseInt(new TextDecoder().decode(block.subarray(148, 156)).replace(/[\0 ]+$/, '').trim(), 8);
  if (!Number.isInteger(stored) || stored === 0) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored;
}
