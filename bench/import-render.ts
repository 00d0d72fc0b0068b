// Import and render, side by side with the tools people compare skiff with, on the same bytes
// (bench/make-bench-images.ts): GNU tar -x of the tree, umoci unpack of the OCI layout, and
// `skiff fetch`, which hashes, stores and renders in one pass. Plus the cost of re-verifying an
// already stored tree before use (useTree). Every run writes into a fresh directory and nothing
// is deleted between runs: ext4 here creates files 2-4x slower for minutes after mass deletes
// (HOST-NOTES). The cases are interleaved round by round; before each, an untimed `sync` (so
// one command's writeback is not charged to the next) and a wait for a quiet machine.
//
//   node bench/import-render.ts [--images=DIR] [--work=DIR] [--runs=3] [--settle=180]
//                               [--write-docs] [--profile] [--keep]
//
// --images   bench images from make-bench-images.ts (built into WORK/images when absent)
// --work     where the fresh directories go (default /var/tmp/skiff-bench-<time>)
// --settle   seconds to wait after building images (their temp dirs were just deleted)
// --write-docs  put the table into docs/benchmarks.md, section "Import and render"
// --profile  also run one `skiff fetch` of each ACI under `node --cpu-prof` and print where the time goes
// --keep     leave WORK in place (default: remove it at the end; the next run then waits for ext4)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseInsecureOptions } from '../common/context.ts';
import { createSilentLogger } from '../common/log.ts';
import { parseTreeId } from '../common/ids.ts';
import { useTree } from '../store/tree-store.ts';
import { makeBenchImages } from './make-bench-images.ts';
import type { BenchImages } from './make-bench-images.ts';
import { IMAGE_BENCH_OPTIONS, ROOT, machine, median, sourceState, syncDisks, timeCommand, waitForQuiet, writeDocsSection } from './bench-kit.ts';

const NODE = process.execPath;

interface Case {
  key: string;
  label: string;
  /** The command line shown in the table. */
  shown: string;
  run(dir: string): Promise<number>;
}

function readAll(files: readonly string[]): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (const f of files) {
    const fd = fs.openSync(f, 'r');
    try {
      while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

interface TreeTiming { aci: number; oci: number }

/** Time of useTree (record read + hash check + lstat walk) over the trees an image names. */
async function timeVerify(dataDir: string): Promise<number> {
  const log = await createSilentLogger();
  const ctx = { dataDir, insecure: parseInsecureOptions(undefined), log };
  const records = fs.readdirSync(path.join(dataDir, 'images')).filter((n) => n.endsWith('.json'));
  const trees = records.flatMap((n) => (JSON.parse(fs.readFileSync(path.join(dataDir, 'images', n), 'utf8')) as { trees: string[] }).trees);
  const started = process.hrtime.bigint();
  for (const t of trees) useTree(ctx, parseTreeId(t));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** Self time per function of a V8 .cpuprofile (main thread only), biggest first. */
function summarizeProfile(file: string, top: number): string {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    const name = f ? `${f.functionName || '(anonymous)'} ${f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim() : '?';
    self.set(name, (self.get(name) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const total = (prof.endTime - prof.startTime) / 1000;
  const lines = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((us / 1000 / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  return [`total ${total.toFixed(0)} ms of main-thread samples`, ...lines].join('\n');
}

function casesFor(img: BenchImages, skiff: string): Case[] {
  const fetch = (file: string) => (dir: string) => timeCommand(NODE, [skiff, '--dir', dir, '--insecure-options=image', 'fetch', file]);
  const mkdirThen = (f: (dir: string) => Promise<number>) => (dir: string) => {
    fs.mkdirSync(dir);
    return f(dir);
  };
  const ociRef = `${img.ociDir}:${img.ociTag}`;
  return [
    { key: 'tar-x', label: 'GNU tar -xf (plain tar)', shown: 'tar -xf bench.tar -C DIR', run: mkdirThen((d) => timeCommand('tar', ['-xf', img.plainTar, '-C', d])) },
    // tar leaves its writes in the page cache; skiff fsyncs the blob it keeps. For scale, tar
    // followed by a system-wide sync (which also flushes the tree, which skiff does not fsync).
    { key: 'tar-x-sync', label: 'GNU tar -xf, then sync', shown: "sh -c 'tar -xf bench.tar -C DIR && sync'", run: mkdirThen((d) => timeCommand('sh', ['-c', 'tar -xf "$0" -C "$1" && sync', img.plainTar, d])) },
    { key: 'skiff-aci', label: 'skiff fetch, plain ACI', shown: 'skiff --dir DIR --insecure-options=image fetch bench-plain.aci', run: fetch(img.aciPlain) },
    { key: 'tar-xz', label: 'GNU tar -xzf (gzip ACI)', shown: 'tar -xzf bench-gzip.aci -C DIR', run: mkdirThen((d) => timeCommand('tar', ['-xzf', img.aciGzip, '-C', d])) },
    { key: 'skiff-aci-gz', label: 'skiff fetch, gzip ACI', shown: 'skiff --dir DIR --insecure-options=image fetch bench-gzip.aci', run: fetch(img.aciGzip) },
    { key: 'umoci', label: 'umoci unpack (3 gzip layers)', shown: 'umoci unpack --image oci:bench DIR', run: (d) => timeCommand('umoci', ['unpack', '--image', ociRef, d]) },
    { key: 'skiff-oci', label: 'skiff fetch, OCI layout', shown: 'skiff --dir DIR --insecure-options=image fetch oci:oci:bench', run: fetch(`oci:${ociRef}`) },
  ];
}

interface Results {
  times: Map<string, number[]>;
  verify: { aci: number[]; oci: number[] };
}

async function measure(img: BenchImages, work: string, runs: number, skiff: string): Promise<Results> {
  const cases = casesFor(img, skiff);
  const times = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  const verify = { aci: [] as number[], oci: [] as number[] };
  for (let round = 1; round <= runs; round++) {
    for (const c of cases) {
      const dir = path.join(work, `r${round}-${c.key}`);
      await syncDisks();
      await waitForQuiet();
      const t = await c.run(dir);
      times.get(c.key)!.push(t);
      console.log(`round ${round}: ${c.label.padEnd(32)} ${t.toFixed(2)} s`);
    }
    // Verification of trees that are stored and in the page cache (as before a `prepare`).
    const timing: TreeTiming = {
      aci: await timeVerify(path.join(work, `r${round}-skiff-aci`)),
      oci: await timeVerify(path.join(work, `r${round}-skiff-oci`)),
    };
    verify.aci.push(timing.aci);
    verify.oci.push(timing.oci);
    console.log(`round ${round}: verify stored tree (ACI / OCI)     ${(timing.aci * 1000).toFixed(0)} / ${(timing.oci * 1000).toFixed(0)} ms`);
  }
  return { times, verify };
}

function renderTable(img: BenchImages, r: Results, runs: number): string {
  const med = (k: string): number => median(r.times.get(k) ?? []);
  const best = (k: string): number => Math.min(...(r.times.get(k) ?? [Number.NaN]));
  const mb = img.bytes / 1e6;
  const rows: string[] = [];
  for (const c of casesFor(img, '')) {
    const vs = c.key === 'skiff-aci' ? { key: 'tar-x', name: 'tar -xf' }
      : c.key === 'skiff-aci-gz' ? { key: 'tar-xz', name: 'tar -xzf' }
      : c.key === 'skiff-oci' ? { key: 'umoci', name: 'umoci' } : undefined;
    const t = med(c.key);
    const all = (r.times.get(c.key) ?? []).map((x) => x.toFixed(2)).join(', ');
    const ratio = vs ? `${(t / med(vs.key)).toFixed(2)}× ${vs.name} (best: ${(best(c.key) / best(vs.key)).toFixed(2)}×)` : '';
    rows.push(`| ${c.label} | \`${c.shown}\` | ${t.toFixed(2)} | ${best(c.key).toFixed(2)} | ${(mb / t).toFixed(0)} | ${all} | ${ratio} |`);
  }
  const ms = (xs: number[]): string => xs.map((x) => (x * 1000).toFixed(0)).join(', ');
  const v = (label: string, shown: string, xs: number[]): string =>
    `| ${label} | ${shown} | ${(median(xs) * 1000).toFixed(0)} ms | ${(Math.min(...xs) * 1000).toFixed(0)} ms | | ${ms(xs)} ms | |`;
  return [
    `| what | command | median s | best s | MB/s (median) | runs (s) | skiff / peer, median (best) |`,
    `|---|---|---:|---:|---:|---|---|`,
    ...rows,
    v('verify a stored tree before use (ACI: 1 tree)', '`useTree` (record check + lstat walk)', r.verify.aci),
    v('verify a stored tree before use (OCI: 3 layer trees)', '`useTree` × 3', r.verify.oci),
    '',
    `Median and best of ${runs} runs; MB/s is of the ${mb.toFixed(0)} MB of file contents (${img.files} entries).`,
  ].join('\n');
}

async function profileFetch(file: string, work: string, skiff: string): Promise<string> {
  const dir = path.join(work, `profile-${path.basename(file)}`);
  const profDir = path.join(work, `cpu-prof-${path.basename(file)}`);
  await syncDisks();
  await waitForQuiet();
  await timeCommand(NODE, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, skiff, '--dir', dir, '--insecure-options=image', 'fetch', file]);
  const prof = fs.readdirSync(profDir).find((n) => n.endsWith('.cpuprofile'));
  if (!prof) throw new Error(`no profile in ${profDir}`);
  return summarizeProfile(path.join(profDir, prof), 15);
}

const BEGIN = '<!-- bench/import-render.ts: results begin -->';
const END = '<!-- bench/import-render.ts: results end -->';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ...IMAGE_BENCH_OPTIONS, profile: { type: 'boolean', default: false } },
  });
  if (process.getuid?.() !== 0) throw new Error('run as root: skiff and tar keep owners, devices and setuid bits only as root');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'skiff.mjs'))) throw new Error('build skiff first: node scripts/build.ts');
  const work = path.resolve(values.work ?? `/var/tmp/skiff-bench-${Date.now()}`);
  fs.mkdirSync(work, { recursive: true });
  if (fs.readdirSync(work).some((n) => n !== 'images')) throw new Error(`${work} must be new (or hold only images/)`);
  const imagesDir = path.resolve(values.images ?? path.join(work, 'images'));
  let img: BenchImages;
  if (fs.existsSync(path.join(imagesDir, 'bench-plain.aci'))) {
    img = imagesFrom(imagesDir);
  } else {
    console.log(`building bench images in ${imagesDir} …`);
    img = await makeBenchImages(imagesDir, 300e6, 9000);
    const settle = Number(values.settle);
    console.log(`waiting ${settle} s: building deleted temp trees, and ext4 creates files slowly for a while after that`);
    await sleep(settle * 1000);
  }
  img = { ...img, files: fs.readdirSync(img.rootfs, { recursive: true }).length }; // entries, directories included
  readAll([img.plainTar, img.aciPlain, img.aciGzip, ...filesUnder(img.ociDir)]); // warm page cache, as in HOST-NOTES
  // A private copy of the build: others rebuilding dist/ mid-run must not break or change it.
  // skiff is started as bin/skiff does it, minus the shell: Node on dist/skiff.mjs.
  fs.cpSync(path.join(ROOT, 'dist'), path.join(work, 'dist'), { recursive: true });
  const skiff = path.join(work, 'dist', 'skiff.mjs');
  const runs = Number(values.runs);
  const results = await measure(img, work, runs, skiff);
  const table = renderTable(img, results, runs);
  console.log(`\n${table}\n`);
  let profile = '';
  if (values.profile) {
    profile = [
      '### Profile: `skiff fetch` of the plain ACI (self time, top functions)', '', '```', await profileFetch(img.aciPlain, work, skiff), '```', '',
      '### Profile: `skiff fetch` of the gzip ACI', '', '```', await profileFetch(img.aciGzip, work, skiff), '```',
    ].join('\n');
    console.log(profile);
  }
  if (values['write-docs']) {
    const date = new Date().toISOString().slice(0, 10);
    writeDocsSection('## Import and render', BEGIN, END, [
      `Measured ${date} on ${machine()}; ${sourceState()}; warm page cache, fresh directories, with`,
      `\`node bench/import-render.ts --runs=${runs}${values.profile ? ' --profile' : ''} --write-docs\`.`,
      '',
      table,
      ...(profile ? ['', profile] : []),
    ].join('\n'));
  }
  if (!values.keep) {
    console.log(`removing ${work} (ext4 will create files slowly for a few minutes; wait before the next run)`);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The BenchImages of a directory make-bench-images.ts filled earlier. */
function imagesFrom(dir: string): BenchImages {
  const selection = fs.readFileSync(path.join(dir, 'selection.txt'), 'utf8').trim().split('\n');
  const bytes = selection.reduce((n, l) => n + Number(l.split('\t')[1] ?? 0), 0);
  return {
    rootfs: path.join(dir, 'rootfs'), plainTar: path.join(dir, 'bench.tar'), aciPlain: path.join(dir, 'bench-plain.aci'),
    aciGzip: path.join(dir, 'bench-gzip.aci'), ociDir: path.join(dir, 'oci'), ociTag: 'bench', files: 0, bytes,
  };
}

main().catch((err: unknown) => {
  console.error(`import-render: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
