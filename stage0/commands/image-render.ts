import { defineCommand } from '../command.ts';

interface Args {
  image: string;
  'rootfs-only': boolean;
}

export default defineCommand<Args>({
  command: 'render <image> <target>',
  describe: "copy an image's verified rendered tree (layers applied) into a directory",
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true })
      .positional('target', { type: 'string', demandOption: true, describe: 'a new or empty directory' })
      .option('rootfs-only', { type: 'boolean', default: false, describe: 'write only the rootfs, not manifest + rootfs/' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { renderImage } = await import('../../store/render-image.ts');
    const a = args as typeof args & { target: string };
    await renderImage(createCtxFor(args), { ref: a.image, dir: a.target, rootfsOnly: a['rootfs-only'] });
  },
});
