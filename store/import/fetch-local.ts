// Importing a local image file or directory for `skiff fetch`: an ACI, an OCI layout (a
// directory or an archive) or a docker archive, told apart by their first tar members. A
// module of its own so that fetching from a registry or over https never loads the tar,
// ACI and layout importers.
import fs from 'node:fs';
import path from 'node:path';
import { randomHex } from '../../common/random.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import * as layout from '../../common/layout.ts';
import { detectLocalImageFormat, parseLocalImageRef, sniffCompression, type LocalImageFormat, type LocalImageRef } from '../formats/image-ref.ts';
import type { ImageRecord } from '../image-index.ts';
import { extractTar } from '../tar/extract-tree.ts';
import { openDecompressed, readMagic } from './decompress.ts';
import { importAciFile } from './import-aci.ts';
import { importDockerArchiveDir, importOciLayoutDir } from './import-layout.ts';
import { listTarMembers } from './list-tar-members.ts';

export function localRef(ref: string): LocalImageRef {
  return parseLocalImageRef(ref) ?? { transport: 'oci', path: ref, tag: undefined };
}

export const UNSIGNED_FORMATS: Record<Exclude<LocalImageFormat, 'aci'>, string> = {
  'oci-layout': 'an OCI image layout directory',
  'oci-archive': 'an OCI archive',
  'docker-archive': 'a docker archive',
};

/** What a local image file holds, by its first tar members (a transport prefix can settle it). */
export async function localFileFormat(ref: string): Promise<LocalImageFormat> {
  const local = localRef(ref);
  if (parseLocalImageRef(ref) !== undefined && local.transport === 'oci') return 'oci-archive';
  const magic = readMagic(local.path);
  const tarMembers = await listTarMembers(local.path, sniffCompression(magic), 64);
  return detectLocalImageFormat({ isDir: false, hasOciLayoutFile: false, hasIndexJson: false, magic, tarMembers }, local.path);
}

export async function fetchLocal(ctx: Ctx, ref: string): Promise<ImageRecord> {
  const local = localRef(ref);
  const file = local.path;
  const st = fs.statSync(file);
  const log = ctx.log.child({ mod: 'store', op: 'fetch', ref });
  if (st.isDirectory()) {
    if (local.transport === 'docker-archive') throw new SkiffError('USAGE', `${file} is a directory, not a docker archive`);
    const probe = {
      isDir: true,
      hasOciLayoutFile: fs.existsSync(path.join(file, 'oci-layout')),
      hasIndexJson: fs.existsSync(path.join(file, 'index.json')),
      magic: new Uint8Array(),
    };
    detectLocalImageFormat(probe, file);
    return importOciLayoutDir(ctx, file, local.tag, ref);
  }
  const format = await localFileFormat(ref);
  log.debug({ format }, 'detected image format');
  switch (format) {
    case 'aci':
      return importAciFile(ctx, file, ref);
    case 'oci-layout':
    case 'oci-archive':
      return withUnpackedArchive(ctx, file, (dir) =>
        importOciLayoutDir(ctx, dir, local.transport === 'docker-archive' ? undefined : local.tag, ref),
      );
    case 'docker-archive':
      return withUnpackedArchive(ctx, file, (dir) =>
        importDockerArchiveDir(ctx, dir, local.transport === 'docker-archive' ? local.reference : undefined, ref),
      );
  }
}

/**
 * OCI and docker archives need random access to their members: unpack them (safely, without
 * owners) into a private temp dir on the store's filesystem, import from there, remove it.
 */
async function withUnpackedArchive<T>(ctx: Ctx, file: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = path.join(layout.casTmpDir(ctx.dataDir), `archive-${process.pid}-${randomHex(6)}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    const dec = await openDecompressed(file, sniffCompression(readMagic(file)), file);
    try {
      await extractTar(dec.stream, {
        dest: dir,
        whiteouts: 'keep',
        limits: ctx.limits,
        preserveOwnership: false,
        host: ctx.host,
        log: ctx.log.child({ mod: 'store', op: 'unpack-archive' }),
      });
      await dec.done;
    } catch (err) {
      dec.kill();
      throw wrap(err, `unpacking ${file}`);
    }
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
