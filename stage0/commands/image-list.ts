import { defineCommand } from '../command.ts';

interface Args {
  format: 'table' | 'json';
  legend: boolean;
  full: boolean;
}

export default defineCommand<Args>({
  command: 'list',
  describe: 'list the images in the store',
  builder: (y) =>
    y
      .option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'output format' })
      // yargs reads --no-legend as legend=false: an option named no-legend would never be set.
      .option('legend', { type: 'boolean', default: true, describe: 'print the header line (--no-legend leaves it out)' })
      .option('full', { type: 'boolean', default: false, describe: 'show full image IDs' }),
  async handler(args) {
    const { listImages } = await import('../../store/image-ops.ts');
    const { formatTable } = await import('../output.ts');
    const { formatSize } = await import('../../common/size.ts');
    const images = listImages({ dataDir: args.dir });
    if (args.format === 'json') {
      args.$env.out.json(images);
      return;
    }
    const rows = images.map((i) => [
      args.full ? i.id : i.id.slice(0, 19),
      i.name,
      i.version ?? '',
      formatSize(i.size),
      i.importedAt.replace(/\.\d+Z$/, 'Z'),
    ]);
    const table = formatTable(['ID', 'NAME', 'VERSION', 'SIZE', 'IMPORTED'], rows);
    const text = !args.legend ? table.split('\n').slice(1).join('\n') : table;
    if (text) args.$env.out.line(text);
  },
});
