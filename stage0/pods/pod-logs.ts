// `skiff logs`: the per-app output files the default stage1 keeps in the pod directory
// (layout.appLogPath), printed whole or followed as they grow.
import fs from 'node:fs';
import type { PodManifest } from '../../common/appc-types.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { parseAppName } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import { findPod } from './find-pod.ts';

export interface LogSource {
  app: string;
  file: string;
}

export function podLogSources(ctx: Pick<Ctx, 'dataDir' | 'host'>, ref: string, app?: string): { uuid: string; sources: LogSource[] } {
  const pod = findPod(ctx, ref);
  let manifest: PodManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(layout.podManifestPath(pod.root), 'utf8')) as PodManifest;
  } catch (err) {
    throw new SkiffError('POD_STATE', `pod ${pod.uuid} has no manifest yet (it is ${pod.state})`, { cause: err });
  }
  const names = manifest.apps.map((a) => a.name);
  if (app !== undefined && !names.includes(app)) {
    throw new SkiffError('APP_NOT_FOUND', `pod ${pod.uuid} has no app ${app}`, { hint: `its apps: ${names.join(', ')}` });
  }
  const sources = (app === undefined ? names : [app]).map((name) => ({ app: name, file: layout.appLogPath(pod.root, parseAppName(name)) }));
  if (!sources.some((s) => fs.existsSync(s.file)) && pod.state !== 'prepared') {
    throw new SkiffError('POD_STATE', `pod ${pod.uuid} kept no logs`, {
      hint: "the fly stage1 gives the app skiff's own stdout and stderr; the default stage1 keeps logs",
    });
  }
  return { uuid: pod.uuid, sources };
}

/** Copies what each file holds past its offset in `offsets`, and moves the offsets on. */
export function copyNewBytes(sources: readonly LogSource[], offsets: Map<string, number>, write: (chunk: Buffer) => void): void {
  for (const s of sources) {
    let fd: number;
    try {
      fd = fs.openSync(s.file, 'r');
    } catch {
      continue; // not written yet
    }
    try {
      const buf = Buffer.allocUnsafe(64 * 1024);
      let pos = offsets.get(s.file) ?? 0;
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n) write(buf.subarray(0, n));
      offsets.set(s.file, pos);
    } finally {
      fs.closeSync(fd);
    }
  }
}
