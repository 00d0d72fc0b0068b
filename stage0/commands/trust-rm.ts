import { defineCommand } from '../command.ts';

interface Args {
  fingerprint: string;
  prefix?: string;
  root?: boolean;
}

export default defineCommand<Args>({
  command: 'rm <fingerprint>',
  describe: 'stop trusting a key (a key from the system config dir is masked by an empty local file)',
  builder: (y) =>
    y
      .positional('fingerprint', { type: 'string', describe: 'the key fingerprint, as `skiff trust list` shows it' })
      .option('prefix', { type: 'string', describe: 'only for this prefix (default: wherever the key is trusted)' })
      .option('root', { type: 'boolean', describe: 'only among the root keys' })
      .conflicts('prefix', 'root'),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { parseFingerprint, parseTrustPrefix, describeScope } = await import('../../store/trust/trust-names.ts');
    const { removeTrustedKey } = await import('../../store/trust/key-store.ts');
    const fingerprint = parseFingerprint(args.fingerprint);
    const scope = args.root ? { kind: 'root' as const } : args.prefix !== undefined ? { kind: 'prefix' as const, prefix: parseTrustPrefix(args.prefix) } : undefined;
    const ctx = createCtxFor(args);
    for (const r of removeTrustedKey(ctx.config, fingerprint, scope)) {
      ctx.log.info(`${r.how === 'masked' ? 'masked system key' : 'removed key'} ${fingerprint} for ${describeScope(r.scope)}`);
    }
    args.$env.out.line(fingerprint);
  },
});
