import { defineCommand } from '../command.ts';
import { podRefFrom, withPodRef } from './pod-ref.ts';

interface Args {
  uuid?: string;
  'uuid-file'?: string;
  app?: string;
  follow: boolean;
}

export default defineCommand<Args>({
  command: 'logs [uuid]',
  describe: "print the output a pod's apps wrote (kept by the default stage1); --follow keeps printing while it runs",
  builder: (y) =>
    withPodRef(y)
      .option('app', { type: 'string', describe: 'only this app' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'keep printing until the pod exits' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { copyNewBytes, podLogSources } = await import('../pods/pod-logs.ts');
    const { findPod } = await import('../pods/find-pod.ts');
    const { writeSync } = await import('node:fs');
    const ctx = createCtxFor(args);
    const { uuid, sources } = podLogSources(ctx, await podRefFrom(args), args.app);
    const offsets = new Map<string, number>();
    const write = (chunk: Buffer): void => {
      for (let off = 0; off < chunk.length; ) off += writeSync(1, chunk, off);
    };
    copyNewBytes(sources, offsets, write);
    if (!args.follow) return;
    // Polling is enough here: logs are read by people, and it needs no inotify or daemon.
    for (let running = true; running; ) {
      await new Promise((r) => setTimeout(r, 200));
      running = findPod(ctx, uuid).state === 'running';
      copyNewBytes(sources, offsets, write);
    }
  },
});
