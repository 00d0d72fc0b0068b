// `skiff fetch` of OCI images: a layout directory, `oci:DIR:TAG`, a tar of a layout; the
// rendering of a multi-layer image (whiteouts, an opaque directory, links, setuid) equals
// umoci's; and images sharing a base share its layer trees, rendered once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  expectOneErrorLine, fetchOk, namesIn, readImageRecords, runSkiff, skiffOk, skipUnlessRootAndBuilt, storeSnapshot, tempDir,
} from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import {
  MULTI_LAYER_PATHS as P, buildMultiLayerOci, buildOciLayout, compareTrees, ociLayoutToTar, skipUnlessTools, umociUnpackRootfs,
} from '../../helpers/images.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('umoci', 'tar', 'gzip', 'busybox');

let tmp: TempDir;
let multi = ''; // layout with the one tag "multi"
let multiTar = '';
let reference = ''; // umoci unpack of multi
let shared = ''; // layout with "base" and "app" (app = base + one layer)

/** The manifest digest index.json gives `tag`: the image ID skiff must print. */
function manifestDigest(layout: string, tag: string): string {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const found = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  assert.ok(found, `tag ${tag} in ${layout}`);
  return found.digest;
}

const data = (name: string): string => path.join(tmp.path, `data-${name}`);

describe('skiff fetch OCI', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-fetch-oci-');
    multi = await buildMultiLayerOci(path.join(tmp.path, 'multi'), 'multi');
    multiTar = await ociLayoutToTar(multi, path.join(tmp.path, 'multi-archive.tar'));
    reference = await umociUnpackRootfs(multi, 'multi', path.join(tmp.path, 'umoci-multi'));
    shared = path.join(tmp.path, 'shared');
    await buildOciLayout(shared, {
      tag: 'base',
      layers: [{ busybox: true, files: { '/etc/base.conf': 'base\n' } }, { files: { '/opt/base/second': 'second\n' } }],
      config: { Cmd: ['/bin/sh'] },
    });
    await buildOciLayout(shared, { tag: 'app', from: 'base', layers: [{ files: { '/opt/app/run': 'app\n' } }] });
  });
  after(() => tmp?.cleanup());

  it('imports an OCI layout directory under its manifest digest', async () => {
    const ids = await fetchOk(data('dir'), [multi]);
    assert.deepEqual(ids, [manifestDigest(multi, 'multi')]);
    const [rec] = readImageRecords(data('dir'));
    assert.equal(rec?.format, 'oci');
    assert.equal((rec?.layers as unknown[]).length, 3);
    assert.equal(rec?.trees.length, 3);
    // Manifest, config and three layers, each under its digest.
    assert.equal(namesIn(path.join(data('dir'), 'cas/blobs/sha256')).length, 5);
    assert.deepEqual(namesIn(path.join(data('dir'), 'cas/tmp')), []);
    assert.deepEqual(namesIn(path.join(data('dir'), 'tree/tmp')), []);
  });

  it('imports oci:DIR:TAG, and refuses a tag the layout does not have', async () => {
    const want = manifestDigest(multi, 'multi');
    assert.deepEqual(await fetchOk(data('tag'), [`oci:${multi}:multi`]), [want]);
    const before = storeSnapshot(data('tag'));
    const line = expectOneErrorLine(await runSkiff(['--insecure-options=image', 'fetch', `oci:${multi}:nope`], { dataDir: data('tag') }));
    assert.match(line, /nope/);
    assert.deepEqual(storeSnapshot(data('tag')), before);
  });

  it('asks for a tag when a layout holds several images', async () => {
    await fetchOk(data('ambiguous'), [`oci:${shared}:base`]);
    const before = storeSnapshot(data('ambiguous'));
    const line = expectOneErrorLine(await runSkiff(['--insecure-options=image', 'fetch', shared], { dataDir: data('ambiguous') }));
    assert.match(line, /oci:.*:TAG/);
    assert.deepEqual(storeSnapshot(data('ambiguous')), before);
  });

  it('imports a tar of a layout (oci-archive) to the same ID, leaving no unpacked copy behind', async () => {
    const want = manifestDigest(multi, 'multi');
    const ids = await fetchOk(data('archive'), [multiTar, `oci:${multiTar}:multi`, `oci-archive:${multiTar}`]);
    assert.deepEqual(ids, [want, want, want]);
    assert.equal(readImageRecords(data('archive')).length, 1);
    assert.deepEqual(namesIn(path.join(data('archive'), 'cas/tmp')), []);
    assert.deepEqual(namesIn(path.join(data('archive'), 'tree/tmp')), []);
  });

  it('renders the multi-layer image as umoci unpack does', async () => {
    const [id] = await fetchOk(data('render'), [multi]);
    const out = path.join(tmp.path, 'render-multi');
    await skiffOk(data('render'), ['image', 'render', id!, out]);
    assert.deepEqual(compareTrees(reference, path.join(out, 'rootfs')), []);
    // What compareTrees does not look at: the hard links stay one inode, as in umoci's.
    const [a, b] = P.hardlinks.map((p) => fs.statSync(path.join(out, 'rootfs', p)));
    assert.equal(a?.ino, b?.ino);
    assert.equal(fs.statSync(path.join(out, 'rootfs', P.setuid)).mode & 0o7777, 0o4755);
    assert.equal(fs.readFileSync(path.join(out, 'rootfs/etc/app/app.conf'), 'utf8'), 'v3\n');
    assert.deepEqual(namesIn(path.join(out, 'rootfs', P.replacedDirOpaque)), ['app.conf']);
    assert.deepEqual(namesIn(path.join(out, 'rootfs', P.replacedDirWhiteouts)), ['new']);
    assert.equal(fs.existsSync(path.join(out, 'rootfs', P.deletedDir)), false);
    assert.equal(fs.existsSync(path.join(out, 'rootfs', P.deletedFile)), false);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest'), 'utf8')) as { acKind: string };
    assert.equal(manifest.acKind, 'ImageManifest');
  });

  it('shares the base layers between images and does not render them again', async () => {
    const d = data('shared');
    const [baseId] = await fetchOk(d, [`oci:${shared}:base`]);
    const baseRec = readImageRecords(d).find((r) => r.id === baseId);
    assert.ok(baseRec);
    assert.equal(baseRec.trees.length, 2);
    const stamp = (tree: string): string => {
      const dir = fs.statSync(path.join(d, 'tree', tree), { bigint: true });
      const marker = fs.statSync(path.join(d, 'tree', tree, 'rendered'), { bigint: true });
      const record = fs.statSync(path.join(d, 'tree', tree, 'record.json'), { bigint: true });
      return `${dir.ino}/${dir.mtimeNs}/${marker.ctimeNs}/${record.ino}/${record.ctimeNs}`;
    };
    const before = baseRec.trees.map(stamp);
    const [appId] = await fetchOk(d, [`oci:${shared}:app`]);
    assert.notEqual(appId, baseId);
    const appRec = readImageRecords(d).find((r) => r.id === appId);
    assert.ok(appRec);
    assert.equal(appRec.trees.length, 3);
    assert.deepEqual(appRec.trees.slice(0, 2), baseRec.trees);
    assert.deepEqual(baseRec.trees.map(stamp), before, 'the shared layer trees were not touched');
    // Two base layer trees + the app's own layer, once each.
    assert.deepEqual(namesIn(path.join(d, 'tree')), [...appRec.trees, 'tmp'].sort());
    const out = path.join(tmp.path, 'render-app');
    await skiffOk(d, ['image', 'render', '--rootfs-only', appId!, out]);
    assert.equal(fs.readFileSync(path.join(out, 'opt/app/run'), 'utf8'), 'app\n');
    assert.equal(fs.readFileSync(path.join(out, 'etc/base.conf'), 'utf8'), 'base\n');
  });
});
