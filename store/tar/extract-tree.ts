// Streaming, hostile-input-safe tar extraction into a tree (DESIGN "Extraction is hostile-input
// safe"). tar-stream parses; this module decides what each member may become and hands the
// filesystem work to TreeWriter, which does it synchronously (see tree-writer.ts for why).
//
// On failure the destination is left half-written: the caller extracts into a temp directory
// of the tree store and removes it, and only a finished tree ever gets its `rendered` marker.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { extract as createExtract } from 'tar-stream';
import type { Header } from 'tar-stream';
import { SkiffError, wrap } from '../../common/errors.ts';
import type { Limits } from '../../common/context.ts';
import type { Host } from '../../common/host.ts';
import type { Logger } from '../../common/log.ts';
import { ROOT_PATH } from '../tree/tree-entry.ts';
import type { TreeEntry } from '../tree/tree-entry.ts';
import { classifyWhiteout, normalizeEntryName, parentOf, stripTreePrefix, unsafeEntry } from './entry-name.ts';
import { TreeWriter } from './tree-writer.ts';
import type { EntryMeta, SpecialKind } from './tree-writer.ts';
import { applyWhiteouts } from './whiteouts.ts';
import type { PendingWhiteouts, WhiteoutMode } from './whiteouts.ts';

export type { WhiteoutMode };
export type TarHeader = Header;

export interface ExtractOptions {
  /** An existing directory: empty, or holding the `lower` tree when whiteouts is `apply`. */
  dest: string;
  /** Only members under this prefix (an ACI's `rootfs/`) land in dest, with the prefix removed. */
  stripPrefix?: string;
  /**
   * Receives regular files outside stripPrefix (the ACI `manifest`) by normalized name; whatever
   * it leaves unread is skipped. `body` is tar-stream's (streamx) readable: iterate it or resume it.
   */
  onOther?: (name: string, header: TarHeader, body: Readable) => Promise<void>;
  whiteouts: WhiteoutMode;
  limits: Pick<Limits, 'maxImageBytes' | 'maxEntries'>;
  /** Apply owners, device nodes and setuid/setgid/sticky bits: true only when running as root. */
  preserveOwnership: boolean;
  host: Host;
  log?: Logger;
  /** What dest already holds, for `apply`: the returned listing is then the merged tree. */
  lower?: readonly TreeEntry[];
}

export interface ExtractResult {
  /** The tree's listing, sorted, for the tree record. */
  entries: TreeEntry[];
  /** Sum of member sizes, as declared in their headers. */
  bytes: number;
  entryCount: number;
}

type PaxHeader = Header & { pax?: Record<string, string> | null };

const MAX_ID = 0xffff_fffe; // (uid_t)-1 means "leave unchanged" to chown, so it is no owner

function idOf(pax: string | undefined, plain: number | undefined, name: string, what: string): number {
  const value = pax === undefined ? (plain ?? 0) : Number(pax);
  if (!Number.isInteger(value) || value < 0 || value > MAX_ID) {
    throw new SkiffError('ARCHIVE_CORRUPT', `archive entry ${JSON.stringify(name)} has an invalid ${what} ${String(pax ?? plain)}`);
  }
  return value;
}

function metaOf(header: PaxHeader): EntryMeta {
  const pax = header.pax ?? undefined;
  const paxTime = pax?.mtime === undefined ? Number.NaN : Number(pax.mtime);
  const plainTime = header.mtime === undefined ? Number.NaN : header.mtime.getTime() / 1000;
  const mtime = Number.isFinite(paxTime) ? paxTime : plainTime;
  return {
    mode: (header.mode ?? 0) & 0o7777,
    uid: idOf(pax?.uid, header.uid, header.name, 'uid'),
    gid: idOf(pax?.gid, header.gid, header.name, 'gid'),
    mtime: Number.isFinite(mtime) ? mtime : null,
  };
}

function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function normalizePrefix(prefix: string | undefined): string | null {
  if (prefix === undefined || prefix === '') return null;
  const rel = normalizeEntryName(prefix);
  return rel === ROOT_PATH ? null : rel;
}

const ignore = (): void => undefined;

const SPECIAL: Record<string, SpecialKind> = { 'character-device': 'char', 'block-device': 'block', fifo: 'fifo' };

/** Reads `body` to its end, discarding it, then moves on to the next member. */
function drain(body: Readable, next: () => void): void {
  body.on('end', next);
  body.resume();
}

export async function extractTar(input: Readable, opts: ExtractOptions): Promise<ExtractResult> {
  const writer = new TreeWriter({
    root: opts.dest,
    preserveOwnership: opts.preserveOwnership,
    host: opts.host,
    log: opts.log,
    lower: opts.whiteouts === 'apply' ? opts.lower : undefined,
  });
  const prefix = normalizePrefix(opts.stripPrefix);
  const pending: PendingWhiteouts = { targets: [], opaqueDirs: [] };
  let bytes = 0;
  let entryCount = 0;
  let openFd = -1;

  const extract = createExtract();
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown, name?: string): void => {
      if (failed) return;
      failed = true;
      if (openFd !== -1) fs.closeSync(openFd);
      openFd = -1;
      input.unpipe(extract);
      input.destroy();
      extract.destroy();
      reject(err instanceof SkiffError || name === undefined ? err : wrap(err, `extracting ${JSON.stringify(name)}`));
    };

    // Each member either finishes synchronously (then `next` is deferred a microtask, so a run
    // of empty members cannot grow the stack) or calls `next` when its body has been written.
    const onEntry = (header: PaxHeader, body: Readable, next: () => void): void => {
      const size = header.size ?? 0;
      entryCount++;
      bytes += size;
      if (entryCount > opts.limits.maxEntries) {
        throw new SkiffError('ARCHIVE_TOO_LARGE', `archive has more than ${opts.limits.maxEntries} entries`);
      }
      if (bytes > opts.limits.maxImageBytes) {
        throw new SkiffError(
          'ARCHIVE_TOO_LARGE',
          `archive contents exceed ${opts.limits.maxImageBytes} bytes (at ${JSON.stringify(header.name)}, ${size} bytes)`,
        );
      }
      const hasBody = size > 0 && header.type !== 'directory';
      const skip = (): void => (hasBody ? drain(body, next) : next());
      const name = normalizeEntryName(header.name);
      const rel = stripTreePrefix(name, prefix);
      if (rel === null) {
        // Only files go out: a directory's body is never delivered by tar-stream, so a reader
        // waiting on one would wait forever.
        const isFile = header.type === 'file' || header.type === 'contiguous-file';
        if (opts.onOther === undefined || !isFile) return skip();
        let ended = !hasBody;
        body.once('end', () => (ended = true));
        opts.onOther(name, header, body).then(
          () => (ended ? queueMicrotask(next) : drain(body, next)),
          (err: unknown) => fail(err, header.name),
        );
        return;
      }
      if (opts.whiteouts !== 'keep') {
        const wh = classifyWhiteout(rel, header.name);
        if (wh !== null) {
          if (wh.kind === 'whiteout') {
            writer.ensureDir(parentOf(wh.target), rel);
            pending.targets.push(wh.target);
          } else if (wh.kind === 'opaque') {
            writer.ensureDir(wh.dir, rel);
            pending.opaqueDirs.push(wh.dir);
          }
          return skip();
        }
      }
      const meta = metaOf(header);
      const type = header.type;
      if (rel === ROOT_PATH && type !== 'directory') throw unsafeEntry(header.name, 'it would replace the image root');
      if (type === 'file' || type === 'contiguous-file') {
        const fd = writer.openFile(rel);
        if (!hasBody) {
          writer.closeFile(fd, rel, meta, 0);
          return void next();
        }
        openFd = fd;
        let written = 0;
        body.on('data', (chunk: Buffer) => {
          try {
            writeAll(fd, chunk);
            written += chunk.length;
          } catch (err) {
            fail(err, header.name);
          }
        });
        body.on('end', () => {
          if (failed) return;
          try {
            openFd = -1;
            writer.closeFile(fd, rel, meta, written);
          } catch (err) {
            return fail(err, header.name);
          }
          next();
        });
        return;
      }
      if (type === 'directory') writer.dir(rel, meta);
      else if (type === 'symlink') writer.symlink(rel, header.linkname ?? '', meta);
      else if (type === 'link') writer.hardlink(rel, hardlinkTarget(header, prefix));
      else if (type != null && SPECIAL[type] !== undefined) {
        writer.special(rel, SPECIAL[type], meta, header.devmajor ?? 0, header.devminor ?? 0);
      } else {
        throw new SkiffError('IMAGE_FORMAT', `archive entry ${JSON.stringify(header.name)} has an unsupported type (${String(type)})`);
      }
      skip();
    };

    extract.on('entry', (header, body, next) => {
      if (failed) return;
      try {
        // The archive's own error reaches us through `extract`; a body destroyed along with it
        // would otherwise re-throw it as an uncaught exception.
        body.on('error', ignore);
        // Node's Readable type for streamx's: the subset used here (on, once, resume, async
        // iteration) behaves the same.
        onEntry(header as PaxHeader, body as unknown as Readable, next);
      } catch (err) {
        fail(err, header.name);
      }
    });
    extract.on('error', (err: Error) => {
      fail(new SkiffError('ARCHIVE_CORRUPT', `archive is corrupt or truncated: ${err.message}`, { cause: err }));
    });
    extract.on('finish', () => {
      if (!failed) resolve();
    });
    input.on('error', (err: Error) => fail(err instanceof SkiffError ? err : wrap(err, 'reading the archive')));
    input.pipe(extract);
  });

  try {
    applyWhiteouts(writer, opts.whiteouts, pending);
    writer.finishDirs();
  } catch (err) {
    throw err instanceof SkiffError ? err : wrap(err, `finishing the tree in ${opts.dest}`);
  }
  return { entries: writer.listing(), bytes, entryCount };
}

function hardlinkTarget(header: Header, prefix: string | null): string {
  const target = stripTreePrefix(normalizeEntryName(header.linkname ?? ''), prefix);
  if (target === null || target === ROOT_PATH) {
    throw unsafeEntry(header.name, `its hard link target ${JSON.stringify(header.linkname)} lies outside the image root`);
  }
  return target;
}
