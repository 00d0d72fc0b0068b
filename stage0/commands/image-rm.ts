import { defineCommand } from '../command.ts';

interface Args {
  images: string[];
}

export default defineCommand<Args>({
  command: 'rm <images..>',
  describe: 'remove images from the store (their data goes at the next `image gc`)',
  builder: (y) => y.positional('images', { type: 'string', array: true, describe: 'image ID, ID prefix or NAME[:VERSION]' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { removeImages } = await import('../../store/image-ops.ts');
    const { removed } = removeImages(createCtxFor(args), args.images);
    for (const id of removed) args.$env.out.line(id);
  },
});
