import { defineCommand } from '../command.ts';

interface Args {
  image: string;
  dir: string;
  'rootfs-only': boolean;
}

export default defineCommand<Args>({
  command: 'extract <image> <target>',
  describe: "extract an image's root filesystem as stored (from its archive/layers, not the rendered tree)",
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true })
      .positional('target', { type: 'string', demandOption: true, describe: 'a new or empty directory' })
      .option('rootfs-only', { type: 'boolean', default: false, describe: 'write only the rootfs, not manifest + rootfs/' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { extractImage } = await import('../../store/extract-image.ts');
    const a = args as typeof args & { target: string };
    await extractImage(createCtxFor(args, { progress: true }), { ref: a.image, dir: a.target, rootfsOnly: a['rootfs-only'] });
  },
});
