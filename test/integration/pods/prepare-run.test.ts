// prepare → run-prepared → status/list/cat-manifest → rm/gc with the fly stage1, as scripts
// and pipelines use them (docs/pod-lifecycle.md, docs/commands.md): the states a pod goes
// through on disk, naming pods by UUID, prefix and --uuid-file, gc leaving nothing mounted,
// --no-overlay, and prepares that fail (bad images, late failures, malformed --pod-manifest)
// leaving no pod behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fetchOk, lines, runSkiff, skiffOk, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import {
  FLY, INSECURE, ImageMaker, dirsOf, mountsUnder, oneLine, podDataDir, podDirs, prepareFly, runFly, skipUnlessPods, statusOf,
} from './pod-helpers.ts';

const skip = skipUnlessPods();

let tmp: TempDir;
let data: TempDir;
let image = '';
let imageId = '';
let n = 0;

const file = (name: string): string => path.join(tmp.path, `${name}-${n++}`);
const podPath = (state: string, uuid: string): string => path.join(data.path, 'pods', state, uuid);

interface ListedPod { uuid: string; state: string; apps: { name: string; imageId: string; exitStatus: number | null }[]; created?: string; started?: string }

async function listJson(): Promise<ListedPod[]> {
  return JSON.parse(await skiffOk(data.path, ['list', '--format=json'])) as ListedPod[];
}

function writePodManifest(doc: unknown): string {
  const f = file('pod-manifest.json');
  fs.writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return f;
}

const podManifest = (apps: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  acKind: 'PodManifest', acVersion: '0.8.11', apps, ...extra,
});

describe('prepare, run-prepared and the pod commands', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-prepare-');
    data = podDataDir();
    image = await new ImageMaker(tmp.path).aci({ name: 'example.com/prep', exec: ['/bin/sh', '-c', 'echo ran; exit 3'] });
    imageId = (await fetchOk(data.path, [image]))[0]!;
  });
  after(() => {
    data?.cleanup();
    tmp?.cleanup();
  });

  it('prepare prints a UUID; the pod is prepared and has not started', async () => {
    const uuid = await prepareFly(data.path, [image]);
    assert.deepEqual(dirsOf(data.path, uuid), [`prepared/${uuid}`]);
    const st = await statusOf(data.path, uuid);
    assert.equal(st.state, 'prepared');
    assert.equal(st.exited, 'false');
    assert.equal(st.pid, '-1');
    assert.equal(st.started, undefined);
    assert.ok(Date.parse(st.created!) > Date.now() - 60_000, st.created);
  });

  it('run-prepared runs it; then status shows exited (fly records no app status)', async () => {
    const uuid = await prepareFly(data.path, [image]);
    const res = await runSkiff(['run-prepared', uuid], { dataDir: data.path });
    assert.equal(res.code, 3, res.stderr);
    assert.equal(res.stdout, 'ran\n');
    assert.deepEqual(dirsOf(data.path, uuid), [`run/${uuid}`]);
    const st = await statusOf(data.path, uuid);
    assert.equal(st.state, 'exited');
    assert.equal(st.exited, 'true');
    assert.equal(st['app-prep'], '3', "fly's exit watcher records the app's status (docs/stage1-interface.md)");
    assert.ok(Date.parse(st.started!) >= Date.parse(st.created!), `${st.created} ≤ ${st.started}`);
    // A pod runs once.
    const again = await runSkiff(['run-prepared', uuid], { dataDir: data.path });
    assert.equal(again.code, 125);
    assert.match(oneLine(again), /not prepared/);
  });

  it('status --format=json and list --format=json describe the pod', async () => {
    const uuid = await prepareFly(data.path, [image]);
    await runSkiff(['run-prepared', uuid], { dataDir: data.path });
    const st = JSON.parse(await skiffOk(data.path, ['status', '--format=json', uuid])) as ListedPod & { exited: boolean; pid: number };
    assert.equal(st.uuid, uuid);
    assert.equal(st.state, 'exited');
    assert.equal(st.exited, true);
    const listed = (await listJson()).find((p) => p.uuid === uuid);
    assert.ok(listed, 'list --format=json contains the pod');
    assert.equal(listed.state, 'exited');
    assert.deepEqual(listed.apps.map((a) => [a.name, a.imageId]), [['prep', imageId]]);
    const table = await skiffOk(data.path, ['list']);
    assert.match(table, /^UUID\s+APPS\s+IMAGES\s+STATE/);
    assert.match(table, new RegExp(`^${uuid.slice(0, 8)}\\s+prep\\s+example\\.com/prep\\s+exited`, 'm'));
    const full = await skiffOk(data.path, ['list', '--full', '--no-legend']);
    assert.ok(lines(full).some((l) => l.startsWith(uuid)), full);
    assert.doesNotMatch(full, /^UUID/m);
  });

  it('cat-manifest prints the pod manifest prepare wrote', async () => {
    const uuid = await prepareFly(data.path, [image, '--exec=/bin/echo', '--', 'a b', 'c']);
    const printed = JSON.parse(await skiffOk(data.path, ['cat-manifest', uuid])) as { acKind: string; apps: { name: string; image: { id: string }; app: { exec: string[] } }[] };
    assert.equal(printed.acKind, 'PodManifest');
    assert.equal(printed.apps.length, 1);
    assert.equal(printed.apps[0]!.image.id, imageId);
    assert.deepEqual(printed.apps[0]!.app.exec, ['/bin/echo', 'a b', 'c']);
    assert.deepEqual(printed, JSON.parse(fs.readFileSync(path.join(podPath('prepared', uuid), 'pod'), 'utf8')));
  });

  it('a unique UUID prefix names a pod; an unknown or ambiguous one is a one-line error', async () => {
    const uuid = await prepareFly(data.path, [image]);
    assert.equal((await statusOf(data.path, uuid.slice(0, 8))).state, 'prepared');
    assert.equal((await statusOf(data.path, uuid.toUpperCase())).state, 'prepared', 'case does not matter');
    const unknown = await runSkiff(['status', 'ffffffff-ffff-4fff-bfff-ffffffffffff'], { dataDir: data.path });
    assert.match(oneLine(unknown), /no pod/);
    assert.equal(unknown.code, 1);
    // A second pod directory sharing the first 8 characters makes that prefix ambiguous.
    const twin = `${uuid.slice(0, 9)}${uuid[9] === '0' ? '1' : '0'}000-4000-8000-000000000000`;
    fs.mkdirSync(podPath('prepared', twin));
    try {
      const ambiguous = await runSkiff(['status', uuid.slice(0, 8)], { dataDir: data.path });
      assert.equal(ambiguous.code, 1);
      assert.match(oneLine(ambiguous), /matches 2 pods/);
      assert.equal((await statusOf(data.path, uuid.slice(0, 10))).state, 'prepared', 'one more character is enough');
    } finally {
      fs.rmdirSync(podPath('prepared', twin));
    }
    const notHex = await runSkiff(['status', '../../etc'], { dataDir: data.path });
    assert.equal(notHex.code, 1);
    oneLine(notHex);
  });

  it('--uuid-file-save writes the UUID; --uuid-file names the pod anywhere a UUID goes', async () => {
    const saved = file('uuid');
    const uuid = await prepareFly(data.path, [`--uuid-file-save=${saved}`, image]);
    assert.equal(fs.readFileSync(saved, 'utf8'), `${uuid}\n`);
    const st = await runSkiff(['status', `--uuid-file=${saved}`], { dataDir: data.path });
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /^state=prepared$/m);
    assert.match(await skiffOk(data.path, ['cat-manifest', `--uuid-file=${saved}`]), /PodManifest/);
    const res = await runSkiff(['run-prepared', `--uuid-file=${saved}`], { dataDir: data.path });
    assert.equal(res.code, 3, res.stderr);
    assert.equal(res.stdout, 'ran\n');
    const missing = await runSkiff(['status', `--uuid-file=${file('nope')}`], { dataDir: data.path });
    assert.equal(missing.code, 1);
    assert.match(oneLine(missing), /UUID file/);
  });

  it('rm removes a prepared pod and an exited pod, with their mounts', async () => {
    const prepared = await prepareFly(data.path, [image]);
    assert.ok(mountsUnder(podPath('prepared', prepared)).length > 0, 'a prepared overlay pod has its roots mounted');
    const exited = await prepareFly(data.path, [image]);
    await runSkiff(['run-prepared', exited], { dataDir: data.path });
    assert.ok(mountsUnder(podPath('run', exited)).length > 0);
    const out = await skiffOk(data.path, ['rm', prepared, exited]);
    assert.deepEqual(lines(out), [prepared, exited]);
    for (const uuid of [prepared, exited]) {
      assert.deepEqual(dirsOf(data.path, uuid), []);
      assert.deepEqual(mountsUnder(data.path).filter((m) => m.includes(uuid)), []);
    }
    const again = await runSkiff(['rm', prepared], { dataDir: data.path });
    assert.match(oneLine(again), /no pod/);
  });

  it('gc --grace-period=0s deletes exited pods and leaves nothing of them mounted; prepared pods stay', async () => {
    const exited = [await prepareFly(data.path, [image]), await prepareFly(data.path, [image])];
    for (const uuid of exited) await runSkiff(['run-prepared', uuid], { dataDir: data.path });
    const exitedByRun = await runFly(data.path, [image]);
    assert.equal(exitedByRun.code, 3);
    const kept = await prepareFly(data.path, [image]);
    const res = await runSkiff(['gc', '--grace-period=0s'], { dataDir: data.path });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '', 'gc prints its summary on stderr');
    assert.deepEqual(podDirs(data.path).filter((d) => d.startsWith('run/') || d.includes('garbage')), []);
    for (const uuid of exited) assert.deepEqual(dirsOf(data.path, uuid), []);
    assert.deepEqual(dirsOf(data.path, kept), [`prepared/${kept}`]);
    const mounted = mountsUnder(data.path);
    assert.ok(mounted.every((m) => m.startsWith(`${path.join(data.path, 'pods', 'prepared')}/`)), `only prepared pods stay mounted:\n${mounted.join('\n')}`);
    assert.equal((await statusOf(data.path, kept)).state, 'prepared');
  });

  it('gc within the grace period unmounts an exited pod but keeps it as exited-garbage', async () => {
    const uuid = await prepareFly(data.path, [image]);
    await runSkiff(['run-prepared', uuid], { dataDir: data.path });
    assert.equal((await runSkiff(['gc'], { dataDir: data.path })).code, 0);
    assert.deepEqual(dirsOf(data.path, uuid), [`exited-garbage/${uuid}`]);
    assert.deepEqual(mountsUnder(podPath('exited-garbage', uuid)), []);
    assert.equal((await statusOf(data.path, uuid)).state, 'exited-garbage');
    const second = await runSkiff(['gc'], { dataDir: data.path });
    assert.equal(second.code, 0);
    assert.doesNotMatch(second.stderr, /warning/, `a second gc of a released pod is quiet:\n${second.stderr}`);
    await skiffOk(data.path, ['gc', '--grace-period=0s']);
    assert.deepEqual(dirsOf(data.path, uuid), []);
  });

  it('prepare --no-overlay copies the roots; the pod runs and the store is untouched', async () => {
    const uuid = await prepareFly(data.path, ['--no-overlay', image, '--exec=/bin/sh', '--', '-c', 'echo changed > /etc/passwd; cat /etc/passwd']);
    const root = podPath('prepared', uuid);
    assert.equal(fs.readFileSync(path.join(root, 'render-mode'), 'utf8').trim(), 'copy');
    assert.deepEqual(mountsUnder(root), [], 'a copied pod mounts nothing while prepared');
    const res = await runSkiff(['run-prepared', uuid], { dataDir: data.path });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'changed\n');
    const tree = path.join(data.path, 'tree', imageId, 'rootfs', 'etc', 'passwd');
    assert.match(fs.readFileSync(tree, 'utf8'), /^root:x:0:0:/, "the image's tree is not the pod's copy");
    await skiffOk(data.path, ['rm', uuid]);
    assert.deepEqual(dirsOf(data.path, uuid), []);
  });

  it('a prepare that fails leaves no pod directory and no mount', async () => {
    const before = podDirs(data.path);
    const mountsBefore = mountsUnder(data.path);
    const missing = await runSkiff([INSECURE, 'prepare', FLY, file('missing.aci')], { dataDir: data.path });
    assert.equal(missing.code, 1);
    oneLine(missing, /^skiff: /);
    const unknownName = await runSkiff(['prepare', FLY, 'example.com/not-fetched'], { dataDir: data.path });
    assert.equal(unknownName.code, 1);
    oneLine(unknownName, /^skiff: /);
    // A failure after the roots were mounted: the UUID file cannot be written.
    const late = await runSkiff([INSECURE, 'prepare', FLY, `--uuid-file-save=${path.join(tmp.path, 'no-such-dir', 'uuid')}`, image], { dataDir: data.path });
    assert.equal(late.code, 1, late.stderr);
    oneLine(late, /^skiff: /);
    assert.equal(late.stdout, '');
    assert.deepEqual(podDirs(data.path), before);
    assert.deepEqual(mountsUnder(data.path), mountsBefore);
  });

  it('--pod-manifest: a valid manifest prepares a pod that runs', async () => {
    const pm = writePodManifest(podManifest([{ name: 'custom', image: { id: imageId }, app: { exec: ['/bin/echo', 'from the manifest'], user: '0', group: '0' } }]));
    const uuid = await prepareFly(data.path, [`--pod-manifest=${pm}`]);
    const res = await runSkiff(['run-prepared', uuid], { dataDir: data.path });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'from the manifest\n');
  });

  describe('--pod-manifest inputs that are refused with one line and no pod', () => {
    const cases: Array<[string, () => unknown, RegExp]> = [
      ['not JSON', () => '{"acKind": "PodManifest", ', /not valid JSON/],
      ['empty file', () => '', /JSON|empty/i],
      ['schema-invalid (apps is not a list)', () => podManifest('x' as never), /apps must be array/],
      ['schema-invalid (wrong acKind)', () => ({ ...podManifest([{ name: 'a', image: { id: imageId } }]), acKind: 'ImageManifest' }), /acKind/],
      ['an image ID not in the store', () => podManifest([{ name: 'a', image: { id: `sha512-${'0'.repeat(128)}` } }]), /not in the store/],
      ['two apps with the same name', () => podManifest([{ name: 'a', image: { id: imageId } }, { name: 'a', image: { id: imageId } }]), /two apps are named/],
      ['an app with an empty exec', () => podManifest([{ name: 'a', image: { id: imageId }, app: { exec: [], user: '0', group: '0' } }]), /exec/],
      ['a bad app name', () => podManifest([{ name: 'Not_An_AC_Name', image: { id: imageId } }]), /name/],
      ['a host port out of range', () => podManifest([{ name: 'a', image: { id: imageId } }], { ports: [{ name: 'http', hostPort: 99999 }] }), /hostPort/],
      ['a port no app exposes', () => podManifest([{ name: 'a', image: { id: imageId } }], { ports: [{ name: 'http', hostPort: 8080 }] }), /port named http/],
      ['a mount of an undefined volume', () => podManifest([{ name: 'a', image: { id: imageId }, mounts: [{ volume: 'nope', path: '/x' }] }]), /nope/],
    ];
    for (const [what, doc, message] of cases) {
      it(what, async () => {
        const before = podDirs(data.path);
        const res = await runSkiff(['prepare', FLY, `--pod-manifest=${writePodManifest(doc())}`], { dataDir: data.path });
        assert.equal(res.code, 1, res.stderr);
        assert.match(oneLine(res, /^skiff: /), message);
        assert.equal(res.stdout, '');
        assert.deepEqual(podDirs(data.path), before);
      });
    }

    // appc lets the pod's app section leave fields to the image: prepare completes the app
    // from its image field by field, so stage1 (which reads only the pod manifest) runs it.
    it('an app section without exec takes the image exec', async () => {
      const pm = writePodManifest(podManifest([{ name: 'a', image: { id: imageId }, app: { user: '0', group: '0' } }]));
      const res = await runSkiff(['prepare', FLY, `--pod-manifest=${pm}`], { dataDir: data.path });
      assert.equal(res.code, 0, res.stderr);
      const uuid = res.stdout.trim();
      try {
        const manifest = JSON.parse((await runSkiff(['cat-manifest', uuid], { dataDir: data.path })).stdout) as {
          apps: { app: { exec?: string[] } }[];
        };
        assert.ok(manifest.apps[0]!.app.exec && manifest.apps[0]!.app.exec.length > 0, 'exec filled in from the image');
        const run = await runSkiff(['run-prepared', uuid], { dataDir: data.path });
        assert.equal(run.code, 3, run.stderr); // the image's `echo ran; exit 3`
        assert.equal(run.stdout, 'ran\n');
      } finally {
        await runSkiff(['gc', '--grace-period=0s'], { dataDir: data.path });
      }
    });
  });
});
