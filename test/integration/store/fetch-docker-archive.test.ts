// `skiff fetch` of docker-archives (`docker save` output, written here by skopeo): one image,
// one picked by NAME:TAG from several, the ambiguity error without a name, and a stable ID for
// the same archive (skiff synthesizes the manifest, so it must do so deterministically).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  expectOneErrorLine, fetchOk, readImageRecords, runSkiff, skiffOk, skipUnlessRootAndBuilt, storeSnapshot, tempDir,
} from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { DEFAULT_DOCKER_NAME, buildDockerArchive, buildOciLayout, skipUnlessTools } from '../../helpers/images.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('umoci', 'skopeo', 'tar', 'gzip', 'busybox');

let tmp: TempDir;
let single = ''; // localhost/skiff-test:one
let several = ''; // localhost/skiff-test:one and localhost/other:two

const data = (name: string): string => path.join(tmp.path, `data-${name}`);

async function renderedFile(dataDir: string, id: string, file: string): Promise<string | undefined> {
  const out = path.join(tmp.path, `render-${path.basename(dataDir)}-${id.slice(7, 19)}`);
  if (!fs.existsSync(out)) await skiffOk(dataDir, ['image', 'render', '--rootfs-only', id, out]);
  const p = path.join(out, file);
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined;
}

describe('skiff fetch docker-archive', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-fetch-docker-');
    const src = path.join(tmp.path, 'src');
    await buildOciLayout(src, { tag: 'one', layers: [{ busybox: true, files: { '/one': 'one\n' } }], config: { Cmd: ['/bin/true'] } });
    await buildOciLayout(src, { tag: 'two', from: 'one', layers: [{ files: { '/two': 'two\n' } }] });
    single = await buildDockerArchive(path.join(tmp.path, 'single.tar'), src, 'one');
    several = await buildDockerArchive(path.join(tmp.path, 'several.tar'), src, 'one', {
      also: [{ srcOciDir: src, tag: 'two', name: 'localhost/other' }],
    });
  });
  after(() => tmp?.cleanup());

  it('imports a single-image archive, named by its RepoTag', async () => {
    const [id] = await fetchOk(data('single'), [single]);
    assert.match(id ?? '', /^sha256:[0-9a-f]{64}$/);
    const [rec] = readImageRecords(data('single'));
    assert.equal(rec?.format, 'oci');
    assert.equal(rec?.name, DEFAULT_DOCKER_NAME);
    assert.equal(rec?.version, 'one');
    assert.equal(await renderedFile(data('single'), id!, 'one'), 'one\n');
    assert.equal(await renderedFile(data('single'), id!, 'two'), undefined);
    // Found by the name it was saved under.
    const manifest = JSON.parse(await skiffOk(data('single'), ['image', 'cat-manifest', `${DEFAULT_DOCKER_NAME}:one`])) as { name: string };
    assert.equal(manifest.name, DEFAULT_DOCKER_NAME);
  });

  it('picks an image of a multi-image archive by docker-archive:FILE:NAME:TAG', async () => {
    const [two] = await fetchOk(data('several'), [`docker-archive:${several}:localhost/other:two`]);
    assert.equal(await renderedFile(data('several'), two!, 'two'), 'two\n');
    assert.equal(await renderedFile(data('several'), two!, 'one'), 'one\n');
    const [one] = await fetchOk(data('several'), [`docker-archive:${several}:${DEFAULT_DOCKER_NAME}:one`]);
    assert.notEqual(one, two);
    assert.equal(await renderedFile(data('several'), one!, 'two'), undefined);
    // The same image saved alone gets the same ID: the synthesized manifest depends only on it.
    const [alone] = await fetchOk(data('single-again'), [single]);
    assert.equal(one, alone);
    // The two images share their base layer tree.
    const recs = readImageRecords(data('several'));
    const trees = recs.map((r) => r.trees);
    assert.equal(trees.length, 2);
    assert.ok(trees[0]!.some((t) => trees[1]!.includes(t)), 'a shared layer tree');
  });

  it('asks for NAME:TAG when an archive holds several images, and stores nothing', async () => {
    await fetchOk(data('ambiguous'), [single]);
    const before = storeSnapshot(data('ambiguous'));
    const line = expectOneErrorLine(await runSkiff(['--insecure-options=image', 'fetch', several], { dataDir: data('ambiguous') }));
    assert.match(line, /2 images/);
    assert.match(line, /docker-archive:.*NAME:TAG/);
    const missing = expectOneErrorLine(
      await runSkiff(['--insecure-options=image', 'fetch', `docker-archive:${several}:localhost/nope:1`], { dataDir: data('ambiguous') }),
    );
    assert.match(missing, /no image localhost\/nope:1/);
    assert.deepEqual(storeSnapshot(data('ambiguous')), before);
  });

  it('gives the same archive the same ID every time, and stores it once', async () => {
    const first = await fetchOk(data('twice'), [single]);
    const second = await fetchOk(data('twice'), [single, `docker-archive:${single}`]);
    assert.deepEqual(second, [first[0], first[0]]);
    assert.equal(readImageRecords(data('twice')).length, 1);
    const [other] = await fetchOk(data('twice-elsewhere'), [`docker-archive:${single}:${DEFAULT_DOCKER_NAME}:one`]);
    assert.equal(other, first[0]);
  });
});
