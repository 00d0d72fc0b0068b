import { defineCommand } from '../command.ts';

interface Args {
  image: string;
  file: string;
  overwrite: boolean;
}

export default defineCommand<Args>({
  command: 'export <image> <file>',
  describe: 'write an image as an ACI file (an ACI exports byte for byte, so it re-imports to the same ID)',
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true })
      .positional('file', { type: 'string', demandOption: true })
      .option('overwrite', { type: 'boolean', default: false, describe: 'replace FILE if it exists' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { exportAci } = await import('../../store/export-aci.ts');
    await exportAci(createCtxFor(args), { ref: args.image, file: args.file, overwrite: args.overwrite });
  },
});
