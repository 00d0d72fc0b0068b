import { defineCommand } from '../command.ts';
import { podRefFrom, withPodRef } from './pod-ref.ts';

export default defineCommand<{ uuid?: string; 'uuid-file'?: string }>({
  command: 'cat-manifest [uuid]',
  describe: "print a pod's manifest",
  builder: (y) => withPodRef(y),
  async handler(args) {
    const fs = await import('node:fs');
    const { createCtxFor } = await import('../ctx-for.ts');
    const { findPod } = await import('../pods/find-pod.ts');
    const { podManifestPath } = await import('../../common/layout.ts');
    const { SkiffError } = await import('../../common/errors.ts');
    const pod = findPod(createCtxFor(args), await podRefFrom(args));
    try {
      args.$env.out.json(JSON.parse(fs.readFileSync(podManifestPath(pod.root), 'utf8')));
    } catch (err) {
      throw new SkiffError('POD_STATE', `pod ${pod.uuid} has no manifest yet (it is ${pod.state})`, { cause: err });
    }
  },
});
