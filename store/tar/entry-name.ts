// Pure rules for archive member names: what a name means inside the tree, and which names are
// whiteouts. Nothing here touches the filesystem; the writer relies on these results being
// relative, normalized and free of `..`.
import { SkiffError } from '../../common/errors.ts';
import { ROOT_PATH } from '../tree/tree-entry.ts';

export function unsafeEntry(name: string, why: string): SkiffError {
  return new SkiffError('ARCHIVE_UNSAFE', `refusing archive entry ${JSON.stringify(name)}: ${why}`, {
    hint: 'the image is malformed or hostile; it was not extracted',
  });
}

/**
 * Makes a member name relative and normalized (`.` for the root). A leading `/` is dropped, as
 * GNU tar does; `..` is resolved lexically and refused when it would climb above the root.
 * Lexical resolution is safe here because the writer never lets the kernel follow a symlink
 * while placing an entry.
 */
export function normalizeEntryName(raw: string): string {
  if (raw.includes('\0')) throw unsafeEntry(raw, 'its name contains a NUL byte');
  // Fast path for the common, already-clean case.
  if (!raw.startsWith('/') && !raw.includes('//') && !/(^|\/)\.\.?(\/|$)/.test(raw)) {
    const trimmed = raw.endsWith('/') ? raw.slice(0, -1) : raw;
    return trimmed === '' ? ROOT_PATH : trimmed;
  }
  const out: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw unsafeEntry(raw, 'its path leaves the image root through ".."');
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.length === 0 ? ROOT_PATH : out.join('/');
}

export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? ROOT_PATH : rel.slice(0, i);
}

export function joinRel(dir: string, name: string): string {
  return dir === ROOT_PATH ? name : `${dir}/${name}`;
}

/** True when `rel` is `dir` or lies below it. */
export function isWithin(rel: string, dir: string): boolean {
  return dir === ROOT_PATH || rel === dir || rel.startsWith(`${dir}/`);
}

/**
 * Maps a normalized archive path through `stripPrefix` (an ACI's `rootfs`): the path inside
 * the tree, or null for a member outside the prefix (such as the ACI `manifest`).
 */
export function stripTreePrefix(rel: string, prefix: string | null): string | null {
  if (prefix === null) return rel;
  if (rel === prefix) return ROOT_PATH;
  return rel.startsWith(`${prefix}/`) ? rel.slice(prefix.length + 1) : null;
}

export type WhiteoutName =
  | { kind: 'whiteout'; target: string }
  | { kind: 'opaque'; dir: string }
  /** aufs bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`), meaningless outside aufs. */
  | { kind: 'ignore' };

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** OCI layer whiteouts: `.wh.NAME` hides NAME in lower layers, `.wh..wh..opq` hides a directory's lower contents. */
export function classifyWhiteout(rel: string, raw: string): WhiteoutName | null {
  const slash = rel.lastIndexOf('/');
  const base = slash === -1 ? rel : rel.slice(slash + 1);
  if (!base.startsWith(WH)) return null;
  const dir = parentOf(rel);
  if (base === OPAQUE) return { kind: 'opaque', dir };
  if (base.startsWith(`${WH}${WH}`)) return { kind: 'ignore' };
  const name = base.slice(WH.length);
  if (name === '' || name === '.' || name === '..') throw unsafeEntry(raw, 'it is a whiteout of no valid name');
  return { kind: 'whiteout', target: joinRel(dir, name) };
}
