import { defineCommand } from '../command.ts';

interface Args {
  image: string;
}

export default defineCommand<Args>({
  command: 'cat-manifest <image>',
  describe: "print an image's appc image manifest (converted from the OCI config for OCI images)",
  builder: (y) => y.positional('image', { type: 'string', demandOption: true }),
  async handler(args) {
    const { catImageManifest } = await import('../../store/image-ops.ts');
    args.$env.out.json(catImageManifest({ dataDir: args.dir }, args.image));
  },
});
