import { defineCommand } from '../command.ts';

interface Args {
  format: 'table' | 'json';
  full: boolean;
  legend: boolean;
}

export default defineCommand<Args>({
  command: 'list',
  describe: 'list pods and their states',
  builder: (y) =>
    y
      .option('format', { choices: ['table', 'json'] as const, default: 'table' as const })
      .option('full', { type: 'boolean', default: false, describe: 'full UUIDs and image IDs' })
      // yargs reads --no-legend as legend=false (boolean negation): an option named no-legend is never set.
      .option('legend', { type: 'boolean', default: true, describe: 'print the header line (--no-legend leaves it out)' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { listPods } = await import('../pods/pod-ops.ts');
    const { formatTable } = await import('../output.ts');
    const pods = listPods(createCtxFor(args));
    if (args.format === 'json') {
      args.$env.out.json(pods);
      return;
    }
    const rows = pods.map((p) => [
      args.full ? p.uuid : p.uuid.slice(0, 8),
      p.apps.map((a) => a.name).join(','),
      p.apps.map((a) => a.imageName ?? (args.full ? a.imageId : a.imageId.slice(0, 19))).join(','),
      p.state,
      p.networks.flatMap((n) => n.ips).join(','),
      p.created ?? '',
      p.started ?? '',
    ]);
    const table = formatTable(['UUID', 'APPS', 'IMAGES', 'STATE', 'IP', 'CREATED', 'STARTED'], rows);
    const text = !args.legend ? table.split('\n').slice(1).join('\n') : table;
    if (text) args.$env.out.line(text);
  },
});
