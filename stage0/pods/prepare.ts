// `skiff prepare`: everything up to the stage1 exec. A pod is created in embryo/, locked,
// filled in preparing/ and renamed into prepared/ only when complete; a prepare that fails
// removes what it made, and one that is killed leaves an unlocked preparing/ pod for gc.
import fs from 'node:fs';
import { randomUuid } from '../../common/random.ts';
import type { ImageManifest, PodManifest } from '../../common/appc-types.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import { parseAppName, parsePodUuid, type PodUuid } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import { fsyncDir, writeFileAtomic, writeJsonAtomic } from '../../common/write-atomic.ts';
import { parseJsonDocument, validatePodManifest } from '../../common/schemas/validate.ts';
import { readImageRecords, resolveImage, type ImageRecord } from '../../store/image-index.ts';
import type { PullPolicy } from '../../store/import/fetch-images.ts';
import { classifyImageRef } from '../../store/formats/image-ref.ts';
import { ensureStore, lockStore } from '../../store/store-dirs.ts';
import { renderMissingTrees } from '../../store/render-missing-trees.ts';
import type { ParsedAppOptions } from '../pod/app-options.ts';
import { buildPodManifest } from '../pod/build-pod-manifest.ts';
import { parseEnvFile, type ParsedPodOptions } from '../pod/pod-options.ts';
import { validatePodManifestSemantics } from '../pod/validate-pod-manifest.ts';
import { planDnsConfMode, planDnsFiles, writeDnsFiles } from './dns-files.ts';
import type { RunPodOptions } from './run-prepared.ts';
import { unmountAllUnder } from './mounts.ts';
import { lockPodDir, lockPodDirOnFd0, type PodLock } from './pod-lock.ts';
import { appRootfsPlan, ensureMtabLink, renderRootfs, stage1RootfsPlan } from './render-pod.ts';
import { mkdirPodDir } from './skiff-group.ts';
import { ensureStage1Image } from './stage1-image.ts';

export interface PrepareAppInput {
  image: string;
  options: ParsedAppOptions;
  execArgs?: string[];
}

export interface PrepareOptions {
  apps: PrepareAppInput[];
  pod: ParsedPodOptions;
  hostEnv: Readonly<Record<string, string>>;
}

export interface PreparedPod extends Disposable {
  uuid: PodUuid;
  root: string;
  warnings: string[];
  /** Held until disposed: `run` keeps it (on fd 0) to hand it to stage1. */
  lock: PodLock;
}

/**
 * Each app's image under the pull policy (rkt's run): `new` uses what the store has (by ID,
 * name or remote record) and fetches the rest, `update` asks every remote source again (an
 * image ID still names a stored image), `never` takes the store only.
 */
async function resolveAppImages(ctx: Ctx, refs: readonly string[], pullPolicy: PullPolicy, env: Readonly<Record<string, string>>): Promise<ImageRecord[]> {
  const out: ImageRecord[] = [];
  for (const ref of refs) {
    // A file (or oci:/docker-archive: ref) is always read, as rkt run did: a path names no stored image.
    const isLocal = classifyImageRef(ref, fs.existsSync(ref)).kind === 'local';
    if (isImageIdRef(ref) || (pullPolicy !== 'update' && !isLocal)) {
      try {
        out.push(resolveImage(readImageRecords(ctx.dataDir), ref));
        continue;
      } catch (err) {
        if ((err as SkiffError).code !== 'IMAGE_NOT_FOUND' || isImageIdRef(ref)) throw err;
      }
    }
    // Loaded only when an image is missing: the importers are not on every `skiff run`'s path.
    const { fetchImages } = await import('../../store/import/fetch-images.ts');
    const { images } = await fetchImages(ctx, { refs: [ref], pullPolicy, env });
    out.push(resolveImage(readImageRecords(ctx.dataDir), images[0]!.id));
  }
  return out;
}

/** An image ID or ID prefix (`sha512-…`, `sha256:…`): found in the store or nowhere. */
function isImageIdRef(ref: string): boolean {
  return /^(sha512-|sha256:|sha256-)[0-9a-f]+$/i.test(ref);
}

function loadPodManifestFile(ctx: Ctx, file: string): { manifest: PodManifest; warnings: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SkiffError('POD_MANIFEST_INVALID', `cannot read the pod manifest ${file}`, { cause: err });
  }
  const manifest = validatePodManifest(parseJsonDocument(text, `pod manifest ${file}`, ctx.limits.maxManifestBytes), file);
  const records = readImageRecords(ctx.dataDir);
  const images = new Map<string, ImageManifest>(records.map((r) => [r.id, r.manifest]));
  try {
    return { manifest, warnings: validatePodManifestSemantics(manifest, new Set(images.keys()), images) };
  } catch (err) {
    throw wrap(err, file); // the message already starts with `pod manifest:`
  }
}

async function buildManifest(ctx: Ctx, opts: PrepareOptions): Promise<{ manifest: PodManifest; warnings: string[]; images: Map<string, ImageRecord> }> {
  if (opts.pod.podManifest) {
    const r = loadPodManifestFile(ctx, opts.pod.podManifest);
    const records = readImageRecords(ctx.dataDir);
    const images = new Map(r.manifest.apps.map((a) => [a.image.id, resolveImage(records, a.image.id)]));
    // appc lets a pod's app section leave fields to the image; stage1 reads only the pod
    // manifest, so complete each app from its image here, field by field.
    const apps = r.manifest.apps.map((a) => {
      const fromImage = images.get(a.image.id)!.manifest.app;
      return fromImage ? { ...a, app: { ...fromImage, ...a.app } } : a;
    });
    return { ...r, manifest: { ...r.manifest, apps }, images };
  }
  const records = await resolveAppImages(ctx, opts.apps.map((a) => a.image), opts.pod.pullPolicy, opts.hostEnv);
  let envFile: Record<string, string> | undefined;
  for (const f of opts.pod.setEnvFiles) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (err) {
      throw new SkiffError('USAGE', `cannot read --set-env-file ${f}`, { cause: err });
    }
    envFile = { ...envFile, ...parseEnvFile(text, f) };
  }
  const built = buildPodManifest({
    apps: opts.apps.map((a, i) => ({ imageId: records[i]!.id, imageManifest: records[i]!.manifest, opts: a.options, execArgs: a.execArgs })),
    pod: opts.pod,
    hostEnv: opts.hostEnv,
    envFile,
  });
  return { ...built, images: new Map(records.map((r) => [r.id, r])) };
}

/**
 * Files inside a pod being prepared need no fsync each: until the pod is renamed into
 * prepared/ it is garbage after a crash anyway (gc deletes it), and that rename comes after
 * one fsync of the pod directory. Every `skiff run` pays these on its start-up path.
 */
function writePodJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o644 });
}

export async function prepare(ctx: Ctx, opts: PrepareOptions, how: { lockOnFd0?: boolean } = {}): Promise<PreparedPod> {
  ensureStore(ctx.dataDir);
  using _storeLock = lockStore(ctx, 'shared');
  const log = ctx.log.child({ mod: 'stage0', op: 'prepare' });
  const { manifest, warnings, images } = await buildManifest(ctx, opts);
  for (const w of warnings) log.warn(w);
  // Before the pod exists: a layer that fails its diff_id check leaves no half pod behind.
  for (const image of images.values()) await renderMissingTrees(ctx, image);
  const stage1 = await ensureStage1Image(ctx, { name: opts.pod.stage1Name, path: opts.pod.stage1Path });
  const uuid = parsePodUuid(randomUuid());
  const embryo = layout.podDir(ctx.dataDir, 'embryo', uuid);
  mkdirPodDir(embryo);
  const lock = how.lockOnFd0 ? lockPodDirOnFd0(ctx.host, embryo) : lockPodDir(ctx.host, embryo);
  let root = embryo;
  try {
    fs.writeFileSync(layout.podCreatedPath(root), '');
    root = layout.podDir(ctx.dataDir, 'preparing', uuid);
    fs.renameSync(embryo, root);
    const useOverlay = !opts.pod.noOverlay;
    let mode = renderRootfs(ctx, stage1RootfsPlan(root, stage1), useOverlay);
    writePodJson(layout.stage1ManifestPath(root), stage1.manifest);
    fs.writeFileSync(layout.stage1ImageIdPath(root), `${stage1.id}\n`);
    for (const app of manifest.apps) {
      const name = parseAppName(app.name);
      const image = images.get(app.image.id)!;
      fs.mkdirSync(layout.appsInfoPath(root, name), { recursive: true });
      writePodJson(layout.appImageManifestPath(root, name), image.manifest);
      fs.writeFileSync(layout.appTreeIdPath(root, name), `${image.trees.join('\n')}\n`);
      const appMode = renderRootfs(ctx, appRootfsPlan(root, name, image), mode === 'overlay');
      if (appMode === 'copy') mode = 'copy';
      ensureMtabLink(layout.appRootfsPath(root, name));
    }
    fs.writeFileSync(layout.podRenderModePath(root), `${mode}\n`);
    writeDnsFiles(root, planDnsFiles({ pod: opts.pod, readHostFile: (p) => fs.readFileSync(p, 'utf8'), warn: (m) => log.warn(m) }));
    const runOptions: RunPodOptions = {
      net: opts.pod.net,
      hostname: opts.pod.hostname,
      interactive: opts.pod.interactive,
      stage1Runtime: opts.pod.stage1Runtime,
      privateUsers: opts.pod.privateUsers,
      dnsConfMode: planDnsConfMode(opts.pod),
    };
    writePodJson(layout.podRunOptionsPath(root), runOptions);
    // The pod manifest last and durably (fsync, then the directory): the rename into prepared/
    // that follows is the commit, and a pod found there must be complete.
    writeJsonAtomic(layout.podManifestPath(root), manifest);
    fsyncDir(root);
    const prepared = layout.podDir(ctx.dataDir, 'prepared', uuid);
    fs.renameSync(root, prepared);
    root = prepared;
    if (opts.pod.uuidFileSave) writeFileAtomic(opts.pod.uuidFileSave, `${uuid}\n`);
    log.debug({ uuid, mode }, 'prepared pod');
    return { uuid, root, warnings, lock, [Symbol.dispose]: () => lock.release() };
  } catch (err) {
    removePodDirectory(ctx, root);
    lock.release();
    throw err;
  }
}

/** Unmounts and deletes a pod directory: the roots first, the manifest last, so a gc re-run after a crash still knows the pod. */
export function removePodDirectory(ctx: Pick<Ctx, 'host' | 'log'>, root: string): void {
  try {
    unmountAllUnder(ctx.host, root);
  } catch (err) {
    ctx.log.warn(`cannot unmount everything under ${root}: ${(err as Error).message}`);
    throw err;
  }
  fs.rmSync(layout.stage1RootfsPath(root), { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
}
