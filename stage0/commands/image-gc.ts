import { defineCommand } from '../command.ts';

export default defineCommand({
  command: 'gc',
  describe: 'remove blobs and trees that no image (and no pod) uses, and debris of interrupted imports',
  builder: (y) => y,
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { imageGc } = await import('../../store/image-gc.ts');
    const r = imageGc(createCtxFor(args));
    args.$env.log.info(`removed ${r.blobs} blobs, ${r.trees} trees and ${r.debris} leftovers (${r.bytes} bytes)`);
  },
});
