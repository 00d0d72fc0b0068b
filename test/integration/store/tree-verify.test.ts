// Rendered trees are verified before use (docs/on-disk-format.md "Tree verification"): a file
// written, chmod'ed, added or removed inside tree/<id>/rootfs makes `image render` fail with one
// clear line naming the change, unless --insecure-options=ondisk; the way back is rm, gc, fetch.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectOneErrorLine, fetchOk, readImageRecords, runSkiff, skiffOk, skipUnlessRootAndBuilt, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { buildAci, buildOciLayout, missingTools, skipUnlessTools } from '../../helpers/images.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('tar', 'gzip', 'busybox');

let tmp: TempDir;
let aci = '';
let n = 0;

/** A new data dir holding the ACI; returns it with the image's tree rootfs. */
async function freshStore(): Promise<{ data: string; id: string; rootfs: string }> {
  const data = path.join(tmp.path, `data-${n++}`);
  const [id] = await fetchOk(data, [aci]);
  return { data, id: id!, rootfs: path.join(data, 'tree', id!, 'rootfs') };
}

function renderTo(): string {
  return path.join(tmp.path, `render-${n++}`);
}

async function expectModified(data: string, id: string, pathPattern: RegExp): Promise<void> {
  const res = await runSkiff(['image', 'render', id, renderTo()], { dataDir: data });
  const line = expectOneErrorLine(res, 'render of a modified tree');
  assert.match(line, /^skiff: .*modified/);
  assert.match(line, pathPattern);
}

describe('tree verification', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-tree-verify-');
    aci = await buildAci(path.join(tmp.path, 'image.aci'), {
      name: 'example.com/verify', compression: 'gzip', extraFiles: { '/etc/app.conf': 'original\n' },
    });
  });
  after(() => tmp?.cleanup());

  it('renders an untouched tree', async () => {
    const { data, id } = await freshStore();
    const out = renderTo();
    await skiffOk(data, ['image', 'render', id, out]);
    assert.equal(fs.readFileSync(path.join(out, 'rootfs/etc/app.conf'), 'utf8'), 'original\n');
  });

  it('catches a file written in place (same size), and renders it with --insecure-options=ondisk', async () => {
    const { data, id, rootfs } = await freshStore();
    fs.writeFileSync(path.join(rootfs, 'etc/app.conf'), 'ORIGINAL\n');
    await expectModified(data, id, /etc\/app\.conf/);
    const out = renderTo();
    await skiffOk(data, ['--insecure-options=ondisk', 'image', 'render', id, out]);
    assert.equal(fs.readFileSync(path.join(out, 'rootfs/etc/app.conf'), 'utf8'), 'ORIGINAL\n');
  });

  it('catches a chmod, an added file and a removed file', async () => {
    const chmod = await freshStore();
    fs.chmodSync(path.join(chmod.rootfs, 'bin/busybox'), 0o4755);
    await expectModified(chmod.data, chmod.id, /bin\/busybox/);
    const added = await freshStore();
    fs.writeFileSync(path.join(added.rootfs, 'etc/intruder'), 'x');
    await expectModified(added.data, added.id, /etc\/intruder/);
    const removed = await freshStore();
    fs.rmSync(path.join(removed.rootfs, 'etc/app.conf'));
    await expectModified(removed.data, removed.id, /etc\/app\.conf/);
  });

  it('recovers with image rm, image gc and a new fetch', async () => {
    const { data, id, rootfs } = await freshStore();
    fs.appendFileSync(path.join(rootfs, 'etc/passwd'), 'evil:x:0:0::/:/bin/sh\n');
    await expectModified(data, id, /etc\/passwd/);
    await skiffOk(data, ['image', 'rm', id]);
    await skiffOk(data, ['image', 'gc']);
    assert.deepEqual(await fetchOk(data, [aci]), [id]);
    const out = renderTo();
    await skiffOk(data, ['image', 'render', id, out]);
    assert.doesNotMatch(fs.readFileSync(path.join(out, 'rootfs/etc/passwd'), 'utf8'), /evil/);
  });

  it('verifies every layer tree of an OCI image', { skip: missingTools('umoci').length > 0 && 'needs umoci' }, async () => {
    const oci = await buildOciLayout(path.join(tmp.path, 'oci'), {
      tag: 'latest', layers: [{ busybox: true }, { files: { '/etc/top': 'top\n' } }], config: { Cmd: ['/bin/true'] },
    });
    const data = path.join(tmp.path, 'data-oci');
    const [id] = await fetchOk(data, [oci]);
    const [rec] = readImageRecords(data);
    assert.equal(rec?.trees.length, 2);
    // The bottom layer: what a shared base would be.
    fs.writeFileSync(path.join(data, 'tree', rec!.trees[0]!, 'rootfs/etc/group'), 'root:x:0:evil\n');
    await expectModified(data, id!, /etc\/group/);
    await skiffOk(data, ['--insecure-options=ondisk', 'image', 'render', id!, renderTo()]);
  });
});
