// `skiff fetch docker://127.0.0.1:PORT/REPO[:TAG|@DIGEST]` from Debian's docker-registry
// (distribution 2.8), images pushed with skopeo: OCI and Docker schema 2 manifests, a
// multi-layer image rendered as umoci renders it, pull by digest, the image ID is the manifest
// digest, no layer is downloaded twice, zstd and uncompressed layers, an OCI index and a Docker
// manifest list resolved per --platform, and a quiet stderr when it is not a terminal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badBlobs, expectOneErrorLine, lines, namesIn, readImageRecords, skipUnlessRootAndBuilt, storeSnapshot, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { buildMultiLayerOci, buildOciLayout, compareTrees, umociUnpackRootfs } from '../../helpers/images.ts';
import { skipUnlessRegistryTools, startRegistry } from '../../helpers/registry.ts';
import type { Registry } from '../../helpers/registry.ts';
import { addOciIndex, buildHandOci } from '../../helpers/registry-images.ts';
import { layoutDigests, ok, settleLog, skiffEnv } from './registry-kit.ts';
import type { SkiffEnv } from './registry-kit.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessRegistryTools();

let tmp: TempDir;
let reg: Registry;
let sk: SkiffEnv;
let multi = ''; // OCI layout, tag "multi" (3 layers)
let reference = ''; // umoci unpack of it
let shared = ''; // layout with "base" (2 layers) and "app" (base + 1)
let hand = ''; // hand-made layout: "zstd", "amd", "arm", "multi" (index)
const pushed: Record<string, string> = {}; // repo:tag → manifest digest
let n = 0;
const freshData = (): string => path.join(tmp.path, `data-${n++}`);

async function renderRootfs(data: string, id: string): Promise<string> {
  const out = path.join(tmp.path, `render-${n++}`);
  ok(await sk.run(data, ['image', 'render', '--rootfs-only', id, out]), 'image render');
  return out;
}

describe('skiff fetch docker:// from docker-registry', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-registry-pull-');
    sk = skiffEnv(tmp.path);
    multi = await buildMultiLayerOci(path.join(tmp.path, 'multi'), 'multi');
    reference = await umociUnpackRootfs(multi, 'multi', path.join(tmp.path, 'umoci-multi'));
    shared = path.join(tmp.path, 'shared');
    await buildOciLayout(shared, { tag: 'base', layers: [{ busybox: true }, { files: { '/etc/base.conf': 'base\n' } }] });
    await buildOciLayout(shared, { tag: 'app', from: 'base', layers: [{ files: { '/opt/app/run': 'app\n' } }] });
    hand = path.join(tmp.path, 'hand');
    await buildHandOci(hand, 'zstd', [
      { files: { 'etc/zstd.txt': 'from a zstd layer\n', 'etc/both': 'lower\n' }, compression: 'zstd' },
      { files: { 'etc/plain.txt': 'from an uncompressed layer\n', 'etc/both': 'upper\n' }, compression: 'none' },
    ]);
    await buildHandOci(hand, 'amd', [{ files: { 'arch': 'amd64\n' }, compression: 'gzip' }]);
    await buildHandOci(hand, 'arm', [{ files: { 'arch': 'arm64\n' }, compression: 'gzip' }], { architecture: 'arm64', variant: 'v8' });
    addOciIndex(hand, 'multi', ['amd', 'arm']);
    reg = await startRegistry();
    pushed['multi/oci:1'] = await reg.push(`oci:${multi}:multi`, 'multi/oci:1');
    pushed['multi/docker:1'] = await reg.push(`oci:${multi}:multi`, 'multi/docker:1', { format: 'v2s2' });
    pushed['shared/base:1'] = await reg.push(`oci:${shared}:base`, 'shared/base:1');
    pushed['shared/app:1'] = await reg.push(`oci:${shared}:app`, 'shared/app:1');
    pushed['hand/zstd:1'] = await reg.pushRaw(hand, 'zstd', 'hand/zstd:1');
    pushed['hand/multi:1'] = await reg.push(`oci:${hand}:multi`, 'hand/multi:1', { all: true });
    pushed['hand/list:1'] = await reg.push(`oci:${hand}:multi`, 'hand/list:1', { all: true, format: 'v2s2' });
  });
  after(async () => {
    await reg?.stop();
    tmp?.cleanup();
  });

  it('pulls an OCI image: the ID is the manifest digest, stderr stays empty, the rendering is umoci\'s', async () => {
    const data = freshData();
    const res = await sk.fetch(data, reg.ref('multi/oci:1'));
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [pushed['multi/oci:1']]);
    assert.equal(pushed['multi/oci:1'], layoutDigests(multi, 'multi').manifest, 'skopeo pushed the OCI manifest as it is');
    assert.equal(res.stderr, '', 'no progress or chatter when stderr is not a terminal');
    const listed = JSON.parse(ok(await sk.run(data, ['image', 'list', '--format=json']), 'image list')) as { id: string; name?: string; source?: string }[];
    assert.deepEqual(listed.map((i) => i.id), [pushed['multi/oci:1']]);
    assert.equal(listed[0]?.source, reg.ref('multi/oci:1'));
    // appc names have no ':', so the port is written 127.0.0.1_PORT.
    assert.match(listed[0]?.name ?? '', /^127\.0\.0\.1[:_]\d+\/multi\/oci$/);
    const out = await renderRootfs(data, pushed['multi/oci:1']!);
    assert.deepEqual(compareTrees(reference, out), []);
    assert.deepEqual(badBlobs(data), []);
    assert.deepEqual(namesIn(path.join(data, 'cas', 'tmp')), []);
  });

  it('pulls the same image as Docker schema 2 (another manifest digest, the same rendering)', async () => {
    const data = freshData();
    const res = await sk.fetch(data, reg.ref('multi/docker:1'));
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [pushed['multi/docker:1']]);
    assert.notEqual(pushed['multi/docker:1'], pushed['multi/oci:1']);
    const out = await renderRootfs(data, pushed['multi/docker:1']!);
    assert.deepEqual(compareTrees(reference, out), []);
  });

  it('pulls by @digest, and a second pull downloads no layer again', async () => {
    const data = freshData();
    const digest = pushed['multi/oci:1']!;
    const mark = reg.requests().length;
    const first = await sk.fetch(data, reg.ref(`multi/oci@${digest}`));
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(lines(first.stdout), [digest]);
    const { layers } = layoutDigests(multi, 'multi');
    await settleLog();
    const layerGets = (from: number): string[] => reg.blobGets(from).map((e) => e.path.split('/').pop()!).filter((d) => layers.includes(d));
    assert.deepEqual(layerGets(mark).sort(), [...layers].sort(), 'each layer downloaded once');
    const before = storeSnapshot(data);
    const again = reg.requests().length;
    const second = await sk.fetch(data, reg.ref('multi/oci:1'));
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(lines(second.stdout), [digest]);
    await settleLog();
    assert.deepEqual(layerGets(again), [], 'no layer downloaded again');
    assert.equal(readImageRecords(data).length, 1);
    const content = (snap: string[]): string[] => snap.filter((l) => l.startsWith('cas/') || l.startsWith('tree/'));
    assert.ok(content(storeSnapshot(data)).join('\n') === content(before).join('\n'), 'no blob or tree changed');
  });

  it('stores verified layer blobs only; the first render checks each diff_id and renders the layers once', async () => {
    const data = freshData();
    const id = pushed['multi/oci:1']!;
    assert.equal((await sk.fetch(data, reg.ref('multi/oci:1'))).code, 0);
    const trees = (): string[] => namesIn(path.join(data, 'tree')).filter((t) => t !== 'tmp');
    assert.deepEqual(trees(), [], 'a pull is a download: no layer is unpacked yet');
    const record = readImageRecords(data)[0]!;
    const out = await renderRootfs(data, id);
    assert.deepEqual(compareTrees(reference, out), []);
    assert.deepEqual(trees().sort(), [...new Set(record.trees)].sort(), 'every layer tree rendered by the first use');
    const before = storeSnapshot(data);
    await renderRootfs(data, id);
    assert.deepEqual(storeSnapshot(data), before, 'the second use renders nothing');
  });

  it('pulls an image that shares base layers with a stored one: only its own layer is downloaded', async () => {
    const data = freshData();
    assert.equal((await sk.fetch(data, reg.ref('shared/base:1'))).code, 0);
    const base = layoutDigests(shared, 'base');
    const app = layoutDigests(shared, 'app');
    const newLayers = app.layers.filter((l) => !base.layers.includes(l));
    assert.equal(newLayers.length, 1);
    const mark = reg.requests().length;
    const res = await sk.fetch(data, reg.ref('shared/app:1'));
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [pushed['shared/app:1']]);
    await settleLog();
    const got = reg.blobGets(mark).map((e) => e.path.split('/').pop()!).filter((d) => d !== app.config);
    assert.deepEqual(got, newLayers);
    const out = await renderRootfs(data, pushed['shared/app:1']!);
    assert.equal(fs.readFileSync(path.join(out, 'opt/app/run'), 'utf8'), 'app\n');
    assert.equal(fs.readFileSync(path.join(out, 'etc/base.conf'), 'utf8'), 'base\n');
  });

  it('pulls zstd and uncompressed layers (upper layer wins)', async () => {
    const data = freshData();
    const res = await sk.fetch(data, reg.ref('hand/zstd:1'));
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [pushed['hand/zstd:1']]);
    const out = await renderRootfs(data, pushed['hand/zstd:1']!);
    assert.equal(fs.readFileSync(path.join(out, 'etc/zstd.txt'), 'utf8'), 'from a zstd layer\n');
    assert.equal(fs.readFileSync(path.join(out, 'etc/plain.txt'), 'utf8'), 'from an uncompressed layer\n');
    assert.equal(fs.readFileSync(path.join(out, 'etc/both'), 'utf8'), 'upper\n');
    assert.deepEqual(badBlobs(data), []);
  });

  it('resolves an OCI index to linux/amd64 by default and to --platform=linux/arm64 when asked', async () => {
    const amd = layoutDigests(hand, 'amd').manifest;
    const arm = layoutDigests(hand, 'arm').manifest;
    const data = freshData();
    const res = await sk.fetch(data, reg.ref('hand/multi:1'));
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [amd]);
    const out = await renderRootfs(data, amd);
    assert.equal(fs.readFileSync(path.join(out, 'arch'), 'utf8'), 'amd64\n');

    const armData = freshData();
    const mark = reg.requests().length;
    const armRes = await sk.fetch(armData, reg.ref('hand/multi:1'), { args: ['--platform=linux/arm64'] });
    await settleLog();
    assert.ok(reg.requests().slice(mark).some((e) => e.method === 'GET' && e.path.endsWith(`/manifests/${arm}`)), 'the arm64 manifest was fetched');
    if (armRes.code === 0) {
      // Stored for another platform (it may be refused later, at run time).
      assert.deepEqual(lines(armRes.stdout), [arm]);
    } else {
      assert.match(expectOneErrorLine(armRes), /arm64/);
    }
  });

  it('resolves a Docker manifest list the same way', async () => {
    for (const [platform, arch] of [[undefined, 'amd64'], ['linux/arm64', 'arm64']] as const) {
      const data = freshData();
      const res = await sk.fetch(data, reg.ref('hand/list:1'), platform ? { args: [`--platform=${platform}`] } : {});
      assert.equal(res.code, 0, res.stderr);
      const [id] = lines(res.stdout);
      assert.notEqual(id, pushed['hand/list:1'], 'the ID is the chosen manifest\'s, not the list\'s');
      const out = await renderRootfs(data, id!);
      assert.equal(fs.readFileSync(path.join(out, 'arch'), 'utf8'), `${arch}\n`);
    }
  });

  it('refuses a platform the index does not have, naming the ones it has', async () => {
    const data = freshData();
    const res = await sk.fetch(data, reg.ref('hand/multi:1'), { args: ['--platform=linux/s390x'] });
    const line = expectOneErrorLine(res);
    assert.match(line, /linux\/s390x/);
    assert.match(line, /linux\/amd64/);
    assert.match(line, /linux\/arm64/);
    assert.deepEqual(readImageRecords(data), []);
  });

  it('refuses a tag the registry does not have, with nothing stored', async () => {
    const data = freshData();
    const line = expectOneErrorLine(await sk.fetch(data, reg.ref('multi/oci:nope')));
    assert.match(line, /nope|not found|unknown/i);
    assert.deepEqual(readImageRecords(data), []);
    assert.deepEqual(badBlobs(data), []);
  });
});
