// Pull from a local registry, side by side in one run: `skiff fetch docker://…` (download,
// verify, store and render every layer) against `skopeo copy docker://… oci:DIR:TAG` (download,
// verify, store the blobs) and, for the same work as skiff's, skopeo copy followed by
// `umoci unpack`. The image is the ~300 MB, 3-layer OCI bench image of make-bench-images.ts,
// pushed once into Debian's docker-registry on 127.0.0.1 (plain http). Every run writes into a
// fresh directory, each after an untimed `sync` and a wait for a quiet machine (as
// import-render.ts does). The two pulls (skiff, skopeo) are measured first, interleaved round
// by round in alternating order; the two cases that write the whole ~9000-file tree (skiff's
// import from disk, skopeo + umoci) come after, in rounds of their own. Interleaved with those,
// a pull measured ext4 more than the pull: `sync` returns before ext4 is done with a mass of new
// inodes, and skiff fsyncs what it stores (each fsync commits ext4's journal, which in
// data=ordered mode waits for other files' data too) while skopeo never syncs, so skiff alone
// paid for the neighbours' writes (docs/benchmarks.md).
//
//   node bench/pull-registry.ts [--images=DIR] [--work=DIR] [--runs=3] [--settle=180]
//                               [--write-docs] [--keep]
//
// --images      bench images from make-bench-images.ts (built into WORK/images when absent)
// --work        where the fresh directories go (default /var/tmp/skiff-bench-pull-<time>)
// --settle      seconds to wait after building images (their temp dirs were just deleted)
// --write-docs  put the table into docs/benchmarks.md, section "Pull from a local registry"
// --keep        leave WORK in place
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry } from '../test/helpers/registry.ts';
import type { Registry } from '../test/helpers/registry.ts';
import { IMAGE_BENCH_OPTIONS, ROOT, have, machine, median, sourceState, syncDisks, timeCommand, waitForQuiet, writeDocsSection } from './bench-kit.ts';
import { makeBenchImages } from './make-bench-images.ts';

const NODE = process.execPath;
const REPO = 'bench/big:1';

interface Case {
  key: string;
  /** 1: the pulls compared with each other; 2: the cases that write a whole tree, after them. */
  phase: 1 | 2;
  label: string;
  shown: string;
  run(dir: string): Promise<number>;
}

interface Setup {
  work: string;
  skiff: string;
  reg: Registry;
  /** The OCI layout that was pushed. */
  ociDir: string;
  /** Compressed bytes of the image's layers and config (what goes over the wire). */
  wireBytes: number;
  layers: number;
}

function casesFor(s: Setup): Case[] {
  const src = `docker://${s.reg.host}/${REPO}`;
  const config = path.join(s.work, 'config');
  // A clean environment: no proxies, a HOME without docker credentials.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(s.work, 'home') };
  const skopeo = ['copy', '--quiet', '--insecure-policy', '--src-tls-verify=false', src];
  return [
    {
      key: 'skiff', phase: 1, label: 'skiff fetch (download, verify, store; render at first use)',
      shown: `skiff --dir DIR --insecure-options=image,http fetch docker://127.0.0.1:PORT/${REPO}`,
      run: (dir) => timeCommand(NODE, [s.skiff, '--dir', dir, '--local-config', config, '--system-config', config, '--insecure-options=image,http', 'fetch', src], env),
    },
    {
      // The same import from disk: what the network part of the pull costs is the difference.
      key: 'skiff-local', phase: 2, label: 'skiff fetch of the pushed OCI layout from disk (no network)',
      shown: 'skiff --dir DIR --insecure-options=image fetch oci:oci:bench',
      run: (dir) => timeCommand(NODE, [s.skiff, '--dir', dir, '--local-config', config, '--system-config', config, '--insecure-options=image', 'fetch', `oci:${s.ociDir}:bench`], env),
    },
    {
      key: 'skopeo', phase: 1, label: 'skopeo copy to an OCI layout (download, verify, store)',
      shown: `skopeo copy --src-tls-verify=false docker://127.0.0.1:PORT/${REPO} oci:DIR:bench`,
      run: (dir) => timeCommand('skopeo', [...skopeo, `oci:${dir}:bench`], env),
    },
    {
      key: 'skopeo-umoci', phase: 2, label: 'skopeo copy, then umoci unpack (the end state of a pull and its first render)',
      shown: `skopeo copy … oci:DIR:bench && umoci unpack --image DIR:bench DIR/bundle`,
      run: (dir) => timeCommand('sh', ['-c', 'skopeo "$@" "oci:$0:bench" && umoci unpack --image "$0:bench" "$0/bundle"', dir, ...skopeo], env),
    },
  ];
}

async function measure(s: Setup, runs: number): Promise<Map<string, number[]>> {
  const cases = casesFor(s);
  const times = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  for (const phase of [1, 2] as const) {
    const inPhase = cases.filter((c) => c.phase === phase);
    for (let round = 1; round <= runs; round++) {
      // Alternating order, so neither case always runs right after the other.
      for (const c of round % 2 === 1 ? inPhase : [...inPhase].reverse()) {
        await syncDisks();
        await waitForQuiet();
        const t = await c.run(path.join(s.work, `r${round}-${c.key}`));
        times.get(c.key)!.push(t);
        console.log(`round ${round}: ${c.label.padEnd(58)} ${t.toFixed(2)} s`);
      }
    }
  }
  return times;
}

const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;

function renderTable(s: Setup, times: Map<string, number[]>, runs: number): string {
  const med = (k: string): number => median(times.get(k) ?? []);
  const best = (k: string): number => Math.min(...(times.get(k) ?? [Number.NaN]));
  const mb = s.wireBytes / 1e6;
  const rows = casesFor(s).map((c) => {
    const vs = c.key === 'skiff'
      ? `${(med('skiff') / med('skopeo-umoci')).toFixed(2)}× skopeo + umoci (best: ${(best('skiff') / best('skopeo-umoci')).toFixed(2)}×); ${(med('skiff') / med('skopeo')).toFixed(2)}× skopeo alone; ${signed(med('skiff') - med('skiff-local'))} s against the same import from disk`
      : '';
    const all = (times.get(c.key) ?? []).map((x) => x.toFixed(2)).join(', ');
    return `| ${c.label} | \`${c.shown}\` | ${med(c.key).toFixed(2)} | ${best(c.key).toFixed(2)} | ${(mb / med(c.key)).toFixed(0)} | ${all} | ${vs} |`;
  });
  return [
    '| what | command | median s | best s | MB/s (median) | runs (s) | skiff / peer, median (best) |',
    '|---|---|---:|---:|---:|---|---|',
    ...rows,
    '',
    `Median and best of ${runs} runs; MB/s is of the ${mb.toFixed(0)} MB that cross the wire (${s.layers} gzip layers and the config),`,
    'from docker-registry 2.8 on 127.0.0.1 over plain http, its storage in the page cache. The two pulls ran first,',
    'interleaved in alternating order; the two rows that write the whole tree ran after them, in rounds of their own.',
  ].join('\n');
}

/** Compressed size of the layout image's layers and config, and its layer count. */
function wireSize(ociDir: string, tag: string): { bytes: number; layers: number } {
  const blob = (d: string): string => path.join(ociDir, 'blobs', ...d.split(':'));
  const index = JSON.parse(fs.readFileSync(path.join(ociDir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const desc = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!desc) throw new Error(`no tag ${tag} in ${ociDir}`);
  const m = JSON.parse(fs.readFileSync(blob(desc.digest), 'utf8')) as { config: { size: number }; layers: { size: number }[] };
  return { bytes: m.config.size + m.layers.reduce((n, l) => n + l.size, 0), layers: m.layers.length };
}

const BEGIN = '<!-- bench/pull-registry.ts: results begin -->';
const END = '<!-- bench/pull-registry.ts: results end -->';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: IMAGE_BENCH_OPTIONS });
  if (process.getuid?.() !== 0) throw new Error('run as root: skiff keeps owners, devices and setuid bits only as root');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'skiff.mjs'))) throw new Error('build skiff first: node scripts/build.ts');
  for (const tool of ['docker-registry', 'skopeo', 'umoci']) if (!have(tool)) throw new Error(`${tool} is not installed`);
  const work = path.resolve(values.work ?? `/var/tmp/skiff-bench-pull-${Date.now()}`);
  fs.mkdirSync(work, { recursive: true });
  if (fs.readdirSync(work).some((n) => n !== 'images')) throw new Error(`${work} must be new (or hold only images/)`);
  const imagesDir = path.resolve(values.images ?? path.join(work, 'images'));
  const ociDir = path.join(imagesDir, 'oci');
  if (!fs.existsSync(path.join(ociDir, 'index.json'))) {
    console.log(`building bench images in ${imagesDir} …`);
    await makeBenchImages(imagesDir, 300e6, 9000);
    console.log(`waiting ${values.settle} s: ext4 creates files slowly for a while after mass deletes`);
    await sleep(Number(values.settle) * 1000);
  }
  fs.mkdirSync(path.join(work, 'config'));
  fs.mkdirSync(path.join(work, 'home'));
  // A private copy of the build: others rebuilding dist/ mid-run must not change it.
  fs.cpSync(path.join(ROOT, 'dist'), path.join(work, 'dist'), { recursive: true });
  const reg = await startRegistry();
  try {
    console.log(`pushing oci:${ociDir}:bench to ${reg.host}/${REPO} …`);
    await reg.push(`oci:${ociDir}:bench`, REPO);
    const { bytes, layers } = wireSize(ociDir, 'bench');
    const s: Setup = { work, skiff: path.join(work, 'dist', 'skiff.mjs'), reg, ociDir, wireBytes: bytes, layers };
    // Warm the registry's storage (and the layout, for the local case) into the page cache.
    for (const f of fs.readdirSync(ociDir, { recursive: true, withFileTypes: true })) if (f.isFile()) fs.readFileSync(path.join(f.parentPath, f.name));
    await timeCommand('skopeo', ['copy', '--quiet', '--insecure-policy', '--src-tls-verify=false', `docker://${reg.host}/${REPO}`, `oci:${path.join(work, 'warm')}:bench`]);
    const runs = Number(values.runs);
    const times = await measure(s, runs);
    const table = renderTable(s, times, runs);
    console.log(`\n${table}\n`);
    if (values['write-docs']) {
      const date = new Date().toISOString().slice(0, 10);
      writeDocsSection('## Pull from a local registry', BEGIN, END, [
        `Measured ${date} on ${machine()}; ${sourceState()}; skopeo ${execFileSync('skopeo', ['--version'], { encoding: 'utf8' }).trim().replace(/^skopeo version /, '')}, with`,
        `\`node bench/pull-registry.ts --runs=${runs} --write-docs\`.`,
        '',
        table,
      ].join('\n'));
    }
  } finally {
    await reg.stop();
    if (!values.keep) {
      console.log(`removing ${work} (ext4 will create files slowly for a few minutes; wait before the next run)`);
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  console.error(`pull-registry: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
