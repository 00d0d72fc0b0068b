// Streaming, hostile-input-safe tar extraction into a tree (DESIGN "Extraction is hostile-input
// safe"). tar-stream parses; this module decides what each member may become and hands the
// filesystem work to TreeWriter, which does it synchronously (see tree-writer.ts for why).
// Writing large bodies behind the parser through the thread pool was tried and lost: those
// writes queue ahead of the input's own reads on the same pool, and the other core is
// usually busy decompressing the layer anyway.
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

function checkLimits(limits: ExtractOptions['limits'], entryCount: number, bytes: number, header: Header): void {
  if (entryCount > limits.maxEntries) {
    throw new SkiffError('ARCHIVE_TOO_LARGE', `archive has more than ${limits.maxEntries} entries`);
  }
  // Checked against the declared size, before a byte of the body is read or written.
  if (bytes > limits.maxImageBytes) {
    throw new SkiffError(
      'ARCHIVE_TOO_LARGE',
      `archive contents exceed ${limits.maxImageBytes} bytes (at ${JSON.stringify(header.name)}, ${header.size} bytes)`,
    );
  }
}

function hardlinkTarget(header: Header, prefix: string | null): string {
  const target = stripTreePrefix(normalizeEntryName(header.linkname ?? ''), prefix);
  if (target === null || target === ROOT_PATH) {
    throw unsafeEntry(header.name, `its hard link target ${JSON.stringify(header.linkname)} lies outside the image root`);
  }
  return target;
}

/** One extraction: tar-stream's member callbacks, the limits, and the first failure. */
class Extraction {
  readonly writer: TreeWriter;
  readonly pending: PendingWhiteouts = { targets: [], opaqueDirs: [] };
  bytes = 0;
  entryCount = 0;
  failed = false;
  private readonly opts: ExtractOptions;
  private readonly prefix: string | null;
  private readonly onFailure: (err: unknown) => void;
  /** The file whose body is being written, closed here if extraction fails mid-body. */
  private openFd = -1;

  constructor(opts: ExtractOptions, onFailure: (err: unknown) => void) {
    this.opts = opts;
    this.onFailure = onFailure;
    this.prefix = normalizePrefix(opts.stripPrefix);
    this.writer = new TreeWriter({
      root: opts.dest,
      preserveOwnership: opts.preserveOwnership,
      host: opts.host,
      log: opts.log,
      lower: opts.whiteouts === 'apply' ? opts.lower : undefined,
    });
  }

  fail(err: unknown, name?: string): void {
    if (this.failed) return;
    this.failed = true;
    if (this.openFd !== -1) fs.closeSync(this.openFd);
    this.openFd = -1;
    this.onFailure(err instanceof SkiffError || name === undefined ? err : wrap(err, `extracting ${JSON.stringify(name)}`));
  }

  /**
   * Each member either finishes synchronously or calls `next` once its body is written. A
   * synchronous finish defers `next` by a microtask: calling it inline re-enters tar-stream's
   * parser from inside its own 'entry' event, which recurses per member and can stall it.
   */
  onEntry(header: PaxHeader, body: Readable, next: () => void): void {
    this.entryCount++;
    this.bytes += header.size ?? 0;
    checkLimits(this.opts.limits, this.entryCount, this.bytes, header);
    const hasBody = (header.size ?? 0) > 0 && header.type !== 'directory';
    const skip = (): void => (hasBody ? drain(body, next) : queueMicrotask(next));
    const name = normalizeEntryName(header.name);
    const rel = stripTreePrefix(name, this.prefix);
    if (rel === null) return this.onOther(name, header, body, hasBody, next);
    if (this.opts.whiteouts !== 'keep') {
      const wh = classifyWhiteout(rel, header.name);
      if (wh?.kind === 'whiteout') {
        this.writer.ensureDir(parentOf(wh.target), rel);
        this.pending.targets.push(wh.target);
      } else if (wh?.kind === 'opaque') {
        this.writer.ensureDir(wh.dir, rel);
        this.pending.opaqueDirs.push(wh.dir);
      }
      if (wh !== null) return skip();
    }
    const meta = metaOf(header);
    const type = header.type;
    if (rel === ROOT_PATH && type !== 'directory') throw unsafeEntry(header.name, 'it would replace the image root');
    if (type === 'file' || type === 'contiguous-file') return this.onFile(rel, meta, header, body, hasBody, next);
    if (type === 'directory') this.writer.dir(rel, meta);
    else if (type === 'symlink') {
      if (!header.linkname) throw new SkiffError('ARCHIVE_CORRUPT', `symlink ${JSON.stringify(header.name)} in the archive has no target`);
      this.writer.symlink(rel, header.linkname, meta);
    }
    else if (type === 'link') this.writer.hardlink(rel, hardlinkTarget(header, this.prefix));
    else if (type != null && SPECIAL[type] !== undefined) {
      this.writer.special(rel, SPECIAL[type], meta, header.devmajor ?? 0, header.devminor ?? 0);
    } else {
      throw new SkiffError('IMAGE_FORMAT', `archive entry ${JSON.stringify(header.name)} has an unsupported type (${String(type)})`);
    }
    skip();
  }

  private onFile(rel: string, meta: EntryMeta, header: Header, body: Readable, hasBody: boolean, next: () => void): void {
    const size = header.size ?? 0;
    const fd = this.writer.openFile(rel, meta, size);
    if (!hasBody) {
      this.writer.closeFile(fd, meta);
      return queueMicrotask(next);
    }
    this.openFd = fd;
    body.on('data', (chunk: Buffer) => {
      try {
        writeAll(fd, chunk);
      } catch (err) {
        this.fail(err, header.name);
      }
    });
    body.on('end', () => {
      if (this.failed) return;
      this.openFd = -1;
      try {
        this.writer.closeFile(fd, meta);
      } catch (err) {
        return this.fail(err, header.name);
      }
      next();
    });
  }

  private onOther(name: string, header: Header, body: Readable, hasBody: boolean, next: () => void): void {
    // Only files go out: tar-stream never delivers a directory's body, so a reader waiting on
    // one would wait forever.
    const isFile = header.type === 'file' || header.type === 'contiguous-file';
    if (this.opts.onOther === undefined || !isFile) return hasBody ? drain(body, next) : queueMicrotask(next);
    let ended = !hasBody;
    body.once('end', () => (ended = true));
    this.opts.onOther(name, header, body).then(
      () => (ended ? queueMicrotask(next) : drain(body, next)),
      (err: unknown) => this.fail(err, header.name),
    );
  }
}

export async function extractTar(input: Readable, opts: ExtractOptions): Promise<ExtractResult> {
  const extract = createExtract();
  const done = Promise.withResolvers<void>();
  const run = new Extraction(opts, (err) => {
    input.unpipe(extract);
    input.destroy();
    extract.destroy();
    done.reject(err);
  });
  extract.on('entry', (header, body, next) => {
    if (run.failed) return;
    // The archive's own error reaches us through `extract`; a body destroyed along with it
    // would otherwise re-throw it as an uncaught exception.
    body.on('error', ignore);
    try {
      // Node's Readable type for streamx's: the subset used here (on, once, resume, async
      // iteration) behaves the same.
      run.onEntry(header as PaxHeader, body as unknown as Readable, next);
    } catch (err) {
      run.fail(err, header.name);
    }
  });
  // Both wait a turn of the event loop: an onOther reader that destroys its body and then
  // rejects tears the parser down first, and its own error is the one worth reporting.
  extract.on('error', (err: Error) => {
    setImmediate(() => run.fail(new SkiffError('ARCHIVE_CORRUPT', `archive is corrupt or truncated: ${err.message}`, { cause: err })));
  });
  let finished = false;
  extract.on('finish', () => {
    finished = true;
    if (!run.failed) done.resolve();
  });
  extract.on('close', () => {
    if (!finished) setImmediate(() => run.fail(new SkiffError('INTERNAL', 'archive reading stopped early: a member body was destroyed')));
  });
  input.on('error', (err: Error) => run.fail(err instanceof SkiffError ? err : wrap(err, 'reading the archive')));
  input.pipe(extract);
  await done.promise;
  try {
    applyWhiteouts(run.writer, opts.whiteouts, run.pending);
    run.writer.finishDirs();
  } catch (err) {
    throw err instanceof SkiffError ? err : wrap(err, `finishing the tree in ${opts.dest}`);
  }
  return { entries: run.writer.listing(), bytes: run.bytes, entryCount: run.entryCount };
}
