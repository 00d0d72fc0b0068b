// Writing a directory tree as an ACI (manifest first, then rootfs/), for `image export` of
// images that were not imported as ACIs.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { ImageManifest } from '../common/appc-types.ts';

import type { Header as FullHeader } from 'tar-stream';

type Header = Partial<FullHeader> & { name: string };

function headerFor(name: string, st: fs.Stats): Header | undefined {
  const base = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isDirectory()) return { ...base, type: 'directory' };
  if (st.isFile()) return { ...base, type: 'file', size: st.size };
  if (st.isFIFO()) return { ...base, type: 'fifo' };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const rdev = BigInt(st.rdev);
    const devmajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    const devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
    return { ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor, devminor };
  }
  return undefined; // sockets cannot be archived
}

export async function packAci(manifest: ImageManifest, rootfs: string, out: Writable): Promise<void> {
  // `default`: the bundle splits a dynamically imported CommonJS package into a chunk that only
  // has a default export (Node itself offers both forms).
  const { default: tarStream } = await import('tar-stream');
  const pack = tarStream.pack();
  const done = pipeline(pack, out);
  const put = (h: Header, body?: Buffer | fs.ReadStream): Promise<void> =>
    new Promise((resolve, reject) => {
      if (body instanceof fs.ReadStream) {
        const entry = pack.entry(h, (err) => (err ? reject(err) : resolve()));
        body.on('error', reject);
        body.pipe(entry);
      } else {
        pack.entry(h, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      }
    });
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await put({ name: 'manifest', mode: 0o644, size: manifestBytes.length, type: 'file', mtime: new Date(0) }, manifestBytes);
  // Hard links are archived once as files, then as links to the first path seen.
  const seen = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(rootfs, rel);
    const st = fs.lstatSync(abs);
    const name = rel === '' ? 'rootfs' : `rootfs/${rel}`;
    if (st.isSymbolicLink()) {
      await put({ name, type: 'symlink', linkname: fs.readlinkSync(abs), mode: 0o777, uid: st.uid, gid: st.gid, mtime: st.mtime });
      return;
    }
    if (!st.isDirectory() && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = seen.get(key);
      if (first !== undefined) {
        await put({ name, type: 'link', linkname: first, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime });
        return;
      }
      seen.set(key, name);
    }
    const h = headerFor(name, st);
    if (!h) return;
    await put(h, st.isFile() ? fs.createReadStream(abs, { highWaterMark: 1024 * 1024 }) : undefined);
    if (st.isDirectory()) {
      for (const child of fs.readdirSync(abs).sort()) await walk(rel === '' ? child : `${rel}/${child}`);
    }
  };
  await walk('');
  pack.finalize();
  await done;
}
