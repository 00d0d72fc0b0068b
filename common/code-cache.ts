// A V8 code cache taken after the code has run, for the CommonJS bundles of the hot paths
// (stage0's run and fetch, the default stage1's run module).
//
// Node's own compile cache (module.enableCompileCache) is made as a module is compiled, before
// it runs, so it holds only what V8 compiles eagerly: the top level and parenthesised
// functions. Every other function is parsed and compiled again on its first call in every
// process, which was about a fifth of the CPU of a `skiff run` (V8's Runtime_CompileLazy in a
// perf profile). vm.Script's createCachedData(), called once the code has done its work, also
// serialises every function compiled so far, so the next process deserialises them instead.
//
// An entry holds bytecode this process will run, so it is used only if it is a file of this
// user's that nobody else can write (owned-file.ts), and only for the source it was made from:
// the header names the path, its stat stamp and the Node that wrote it (V8 checks only the
// source's length and its own version and flags). A source changed in the last two seconds
// gets no entry, as in store/stamp-cache.ts: a second write within one ctime tick could keep
// its stamp.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { nameHash } from './name-hash.ts';
import { fileStamp, readOwnedFile } from './owned-file.ts';

export interface CodeCache {
  /**
   * Runs a CommonJS file as Node's require would (module, exports, require from its
   * directory, __filename, __dirname; and __skiffImport, an import() relative to the file)
   * and returns its exports, compiled from its cache entry when there is one for this file.
   */
  load(file: string): unknown;
  /**
   * import() of an ES module, for the code this cache loaded: vm.Script code has no import()
   * of its own (Node's only default for it is experimental and warns on use), so it asks the
   * ES module that made this cache, the launcher.
   */
  import(url: string): Promise<unknown>;
  /**
   * Writes an entry, with every function compiled so far, for each file loaded without a
   * usable one; then drops entries whose source is gone. Call it once the path has done its
   * work (a run before its execve, a fetch after it stored the images), never on a failure's
   * short path. Never throws: a cache that cannot be written only costs the compile next time.
   */
  save(): void;
}

const MAGIC = 'skiff-code-cache 1\n';
const RACY_NS = 2_000_000_000n;
/** How much of an entry is read to find its header when pruning (paths are at most 4096 bytes). */
const HEADER_PROBE_BYTES = 8192;
// Node's CommonJS wrapper, on the source's first line so stack traces keep their line numbers,
// plus __skiffImport: vm.Script code has no import() of its own (stage1-images/cjs-bundle.ts).
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname, __skiffImport) { ';
const WRAP_TAIL = '\n})';

type CommonJsBody = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
  skiffImport: (specifier: string) => Promise<unknown>,
) => void;

/** An entry's file name: the source's base name and a hash of its whole path (pure). */
export function cacheEntryName(file: string): string {
  return `${path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}-${nameHash(file)}.v8`;
}

/** What an entry must begin with to apply to `file` as it is now, run by this Node (pure). */
export function entryHeader(file: string, stamp: string, runtime: string): string {
  return `${MAGIC}${JSON.stringify({ file, stamp, runtime })}\n`;
}

/** The V8 data of an entry that begins with `header`; undefined for any other (pure). */
export function entryData(bytes: Buffer | undefined, header: string): Buffer | undefined {
  if (!bytes) return undefined;
  const head = Buffer.from(header, 'utf8');
  if (bytes.length <= head.length || !bytes.subarray(0, head.length).equals(head)) return undefined;
  return bytes.subarray(head.length);
}

/** The source path an entry's header names (pure); undefined if it is no entry of ours. */
export function entrySource(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  if (!text.startsWith(MAGIC)) return undefined;
  const end = text.indexOf('\n', MAGIC.length);
  if (end === -1) return undefined;
  try {
    const parsed: unknown = JSON.parse(text.slice(MAGIC.length, end));
    const file = (parsed as { file?: unknown } | null)?.file;
    return typeof file === 'string' ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the entries in `dir` (but those in `keep`) whose source file no longer exists, or
 * that are not where that source's entry would be now (an older naming).
 */
function pruneEntries(dir: string, keep: ReadonlySet<string>): void {
  for (const name of fs.readdirSync(dir)) {
    if (keep.has(name) || !name.endsWith('.v8')) continue;
    const head = readOwnedFile(path.join(dir, name), 0o022, HEADER_PROBE_BYTES);
    const source = head && entrySource(head);
    if (source === undefined || cacheEntryName(source) !== name || !fs.existsSync(source)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

interface Pending {
  script: vm.Script;
  name: string;
  header: string;
}

/**
 * A code cache whose entries live in `dir` (created when first written, mode 0700), or, with
 * no dir, a loader that compiles every time.
 */
export function createCodeCache(dir: string | undefined, nowMs: () => number = Date.now): CodeCache {
  const runtime = `${process.version} ${process.arch}`;
  const pending: Pending[] = [];
  return {
    load(file) {
      const fd = fs.openSync(file, 'r');
      let source: string;
      let st: fs.BigIntStats;
      try {
        st = fs.fstatSync(fd, { bigint: true });
        source = fs.readFileSync(fd, 'utf8');
      } finally {
        fs.closeSync(fd);
      }
      const name = cacheEntryName(file);
      const header = entryHeader(file, fileStamp(st), runtime);
      const cachedData = dir === undefined ? undefined : entryData(readOwnedFile(path.join(dir, name), 0o022), header);
      const script = new vm.Script(WRAP_HEAD + source + WRAP_TAIL, { filename: file, ...(cachedData ? { cachedData } : {}) });
      const settled = BigInt(nowMs()) * 1_000_000n - st.ctimeNs >= RACY_NS;
      if (dir !== undefined && settled && (cachedData === undefined || script.cachedDataRejected === true)) pending.push({ script, name, header });
      const body = script.runInThisContext() as CommonJsBody;
      const mod = { exports: {} as unknown };
      const url = pathToFileURL(file);
      const skiffImport = (specifier: string) => import(specifier.startsWith('.') ? new URL(specifier, url).href : specifier);
      body.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file), skiffImport);
      return mod.exports;
    },
    import: (url) => import(url),
    save() {
      if (dir === undefined || pending.length === 0) return;
      const written = new Set<string>();
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        for (const p of pending.splice(0)) {
          const tmp = path.join(dir, `.${p.name}.${process.pid}`);
          try {
            fs.writeFileSync(tmp, Buffer.concat([Buffer.from(p.header, 'utf8'), p.script.createCachedData()]), { mode: 0o600 });
            fs.renameSync(tmp, path.join(dir, p.name));
            written.add(p.name);
          } finally {
            fs.rmSync(tmp, { force: true });
          }
        }
        pruneEntries(dir, written);
      } catch {
        // See the interface: only the compile is lost.
      }
    },
  };
}
