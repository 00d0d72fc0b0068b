import { defineCommand } from '../command.ts';

interface Args {
  format: 'table' | 'json';
  legend: boolean;
}

export default defineCommand<Args>({
  command: 'list',
  describe: 'list the trusted keys: root keys and keys per image name prefix, from both config dirs',
  builder: (y) =>
    y
      .option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'output format' })
      .option('legend', { type: 'boolean', default: true, describe: 'print the header line (--no-legend leaves it out)' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { describeTrustedKeys } = await import('../../store/trust/describe-trusted-keys.ts');
    const { formatTable } = await import('../output.ts');
    const keys = await describeTrustedKeys(createCtxFor(args).config);
    if (args.format === 'json') {
      args.$env.out.json(keys);
      return;
    }
    const rows = keys.map((k) => [
      k.prefix ?? '(root)',
      k.fingerprint,
      k.origin,
      k.problem ? `${k.userIds.join(', ')} [${k.problem}]`.trim() : k.userIds.join(', '),
    ]);
    const table = formatTable(['PREFIX', 'FINGERPRINT', 'ORIGIN', 'USER IDS'], rows);
    const text = args.legend ? table : table.split('\n').slice(1).join('\n');
    if (keys.length > 0 || args.legend) args.$env.out.line(text);
  },
});
