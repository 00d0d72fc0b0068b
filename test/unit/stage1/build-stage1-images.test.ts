import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { extract } from 'tar-stream';
import type { ImageManifest } from '../../../common/appc-types.ts';
import { NATIVE_SYS_CANDIDATES } from '../../../common/native-sys.ts';
import { STAGE1_ANNOTATIONS, STAGE1_INTERFACE_VERSION } from '../../../common/stage1-interface.ts';
import { buildStage1Images, stage1StagingRootfs } from '../../../stage1-images/build-stage1-images.ts';

interface Member { name: string; type: string; mode: number; mtime: number; uid: number; gid: number; data: Buffer }

async function members(file: string): Promise<Member[]> {
  const out: Member[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, mtime: h.mtime?.getTime() ?? -1, uid: h.uid ?? -1, gid: h.gid ?? -1, data: Buffer.concat(chunks) });
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(fs.readFileSync(file));
  await done;
  return out;
}

test('the fly stage1 ACI: layout, manifest, deterministic bytes', async (t) => {
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-s1img-')));
  t.after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const [a, b] = await Promise.all(dirs.map((d) => buildStage1Images(d, { version: '9.8.7' })));
  const fly = a![0]!;
  assert.equal(fly.flavor, 'fly');
  assert.equal(fly.name, 'skiff.dev/stage1-fly');
  assert.equal(fly.path, path.join(dirs[0]!, 'stage1-fly.aci'));
  const bytes = fs.readFileSync(fly.path);
  assert.deepEqual(bytes, fs.readFileSync(b![0]!.path), 'same input, same bytes');
  assert.equal(fly.imageId, b![0]!.imageId);
  assert.equal(fly.imageId, `sha512-${createHash('sha512').update(bytes).digest('hex')}`);

  const list = await members(fly.path);
  assert.deepEqual(list.map((m) => m.name), [
    'manifest', 'rootfs/', 'rootfs/skiff/', 'rootfs/skiff/stage1/',
    'rootfs/skiff/stage1/enter.mjs', 'rootfs/skiff/stage1/exit-watcher.pl', 'rootfs/skiff/stage1/gc.mjs', 'rootfs/skiff/stage1/run',
    'rootfs/skiff/stage1/run.mjs', 'rootfs/skiff/stage1/stop.mjs',
  ]);
  for (const m of list) {
    assert.deepEqual([m.mtime, m.uid, m.gid], [0, 0, 0], m.name);
    const want = m.type === 'directory' || m.name.endsWith('/run') || m.name.endsWith('.pl') ? 0o755 : 0o644;
    assert.equal(m.mode, want, m.name);
  }
  const manifest = JSON.parse(list[0]!.data.toString('utf8')) as ImageManifest;
  const ann = Object.fromEntries((manifest.annotations ?? []).map((x) => [x.name, x.value]));
  assert.deepEqual(ann, {
    [STAGE1_ANNOTATIONS.run]: '/skiff/stage1/run',
    [STAGE1_ANNOTATIONS.enter]: '/skiff/stage1/enter.mjs',
    [STAGE1_ANNOTATIONS.gc]: '/skiff/stage1/gc.mjs',
    [STAGE1_ANNOTATIONS.stop]: '/skiff/stage1/stop.mjs',
    [STAGE1_ANNOTATIONS.interfaceVersion]: STAGE1_INTERFACE_VERSION,
    [STAGE1_ANNOTATIONS.flavor]: 'fly',
  });
  assert.deepEqual(manifest.labels, [{ name: 'version', value: '9.8.7' }, { name: 'os', value: 'linux' }, { name: 'arch', value: 'amd64' }]);
  // Every annotated entrypoint is in the rootfs, and the staging copy matches the tar.
  const rootfs = stage1StagingRootfs(dirs[0]!, 'fly');
  for (const key of ['run', 'enter', 'gc', 'stop'] as const) {
    const p: string = ann[STAGE1_ANNOTATIONS[key]]!;
    assert.ok(list.some((m) => m.name === `rootfs${p}`), p);
    assert.deepEqual(fs.readFileSync(path.join(rootfs, p)), list.find((m) => m.name === `rootfs${p}`)!.data);
  }
  assert.equal(fs.statSync(path.join(rootfs, 'skiff/stage1/run')).mode & 0o777, 0o755);
});

test('the default stage1 ACI carries the C helpers when they are built, where its run module looks for them', async (t) => {
  const repo = path.join(import.meta.dirname, '..', '..', '..');
  const built = ['skiff-sys.node', 'skiff-runtime-exec'].every((f) => fs.existsSync(path.join(repo, 'dist', 'native', f)));
  if (!built) return t.skip('no C helpers built here (no compiler)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-s1img-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const images = await buildStage1Images(dir, { version: '9.8.7', flavors: ['default'] });
  const list = await members(images[0]!.path);
  const mode = (name: string): number | undefined => list.find((m) => m.name === name)?.mode;
  assert.equal(mode('rootfs/skiff/stage1/runtime-exec'), 0o755);
  // common/native-sys.ts resolves its first candidate against the module's own URL.
  const helper = path.posix.join('rootfs/skiff/stage1', NATIVE_SYS_CANDIDATES[0]);
  assert.equal(helper, 'rootfs/skiff/native/skiff-sys.node');
  assert.equal(mode(helper), 0o644);
  assert.deepEqual(list.find((m) => m.name === helper)!.data, fs.readFileSync(path.join(repo, 'dist', 'native', 'skiff-sys.node')));
});

test('the default stage1 run module is CommonJS, named by its manifest, and exports prepareRun', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-s1img-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const images = await buildStage1Images(dir, { version: '9.8.7', flavors: ['default'] });
  const list = await members(images[0]!.path);
  const manifest = JSON.parse(list[0]!.data.toString('utf8')) as ImageManifest;
  assert.equal(manifest.annotations?.find((a) => a.name === STAGE1_ANNOTATIONS.runModule)?.value, '/skiff/stage1/run.cjs');
  const file = path.join(dir, 'run.cjs');
  fs.writeFileSync(file, list.find((m) => m.name === 'rootfs/skiff/stage1/run.cjs')!.data);
  // Loaded as a module (not Node's main script), it only defines prepareRun.
  const mod = createRequire(file)(file) as { prepareRun?: unknown };
  assert.equal(typeof mod.prepareRun, 'function');
});
