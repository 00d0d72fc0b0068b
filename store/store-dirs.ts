// Creating and checking the data dir, and the store-wide lock that keeps `image gc` from
// deleting what a concurrent fetch or prepare is about to use.
import fs from 'node:fs';
import type { Ctx } from '../common/context.ts';
import { SkiffError } from '../common/errors.ts';
import type { LockMode } from '../common/host.ts';
import * as layout from '../common/layout.ts';
import { writeFileAtomic } from '../common/write-atomic.ts';

/** Creates the data dir on first use and refuses one written by an incompatible skiff. */
export function ensureStore(dataDir: string): void {
  const versionFile = layout.layoutVersionPath(dataDir);
  let found: string | undefined;
  try {
    found = fs.readFileSync(versionFile, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (found !== undefined && found !== String(layout.LAYOUT_VERSION)) {
    throw new SkiffError('STORE_LAYOUT', `data dir ${dataDir} has layout version ${found}, this skiff uses ${layout.LAYOUT_VERSION}`, {
      hint: 'use a skiff of the matching version or another --dir',
    });
  }
  for (const dir of [
    layout.casTmpDir(dataDir),
    layout.casAlgoDir(dataDir, 'sha256'),
    layout.casAlgoDir(dataDir, 'sha512'),
    layout.imageIndexDir(dataDir),
    layout.treeTmpDir(dataDir),
    ...layout.POD_STATES.map((s) => layout.podStateDir(dataDir, s)),
  ]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  }
  if (found === undefined) writeFileAtomic(versionFile, `${layout.LAYOUT_VERSION}\n`);
}

/** Read-only commands must not create anything: they see an absent data dir as empty. */
export function storeExists(dataDir: string): boolean {
  return fs.existsSync(layout.layoutVersionPath(dataDir));
}

export interface StoreLock extends Disposable {
  readonly fd: number;
}

/** Writers take the store lock shared, `image gc` exclusive; it is released on dispose. */
export function lockStore(ctx: Pick<Ctx, 'dataDir' | 'host'>, mode: LockMode): StoreLock {
  const fd = fs.openSync(layout.storeLockPath(ctx.dataDir), fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o644);
  try {
    if (!ctx.host.flock(fd, mode, 600)) {
      throw new SkiffError('IO', `timed out waiting for the store lock ${layout.storeLockPath(ctx.dataDir)}`, {
        hint: 'another skiff is running image gc',
      });
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return { fd, [Symbol.dispose]: () => fs.closeSync(fd) };
}
