// `skiff trust --prefix NAME KEY…` / `--root KEY…`, with `trust list` and `trust rm` beside it.
// Each key's fingerprint and identities are shown and confirmed at the terminal first (rkt's
// fingerprint review), because trusting a key lets it vouch for every image under the prefix.
import { defineCommand } from '../command.ts';
import type { SkiffCommand } from '../command.ts';
import type { PublicKeyInfo } from '../../store/trust/public-keys.ts';
import type { TrustScope } from '../../store/trust/trust-names.ts';
import list from './trust-list.ts';
import rm from './trust-rm.ts';

const SUBCOMMANDS = [list, rm] as readonly SkiffCommand<never>[];

interface Args {
  keys?: string[];
  prefix?: string;
  root?: boolean;
  'skip-fingerprint-review': boolean;
}

/** What the reviewer sees before saying yes (rkt's layout: fingerprint in gpg's groups of four). */
export function formatKeyReview(key: PublicKeyInfo, scope: TrustScope, source: string): string {
  const groups = key.fingerprint.toUpperCase().match(/.{1,4}/g) ?? [];
  const fpr = groups.length === 10 ? `${groups.slice(0, 5).join(' ')}  ${groups.slice(5).join(' ')}` : groups.join(' ');
  return [
    scope.kind === 'root' ? 'Trust for: all images (root key)' : `Prefix: "${scope.prefix}"`,
    `Key: "${source}"`,
    `Key fingerprint is: ${fpr}`,
    ...key.userIds.map((u) => `\t${u}`),
    `\t${key.algorithm}, created ${key.created.toISOString().slice(0, 10)}${key.expires ? `, expires ${key.expires.toISOString().slice(0, 10)}` : ''}`,
  ].join('\n');
}

export default defineCommand<Args>({
  command: 'trust [keys..]',
  describe: 'trust OpenPGP keys to sign images under a name prefix (or all images); also: trust list, trust rm',
  builder: (y) => {
    let out = y;
    for (const c of SUBCOMMANDS) out = out.command(c as never);
    return out
      .positional('keys', { type: 'string', array: true, describe: 'public key files (armored or binary) or https:// URLs' })
      .option('prefix', { type: 'string', describe: 'image name prefix the keys may sign for (example.com/app)' })
      .option('root', { type: 'boolean', describe: 'trust the keys for every image' })
      .option('skip-fingerprint-review', { type: 'boolean', default: false, describe: 'add the keys without asking (check the fingerprints yourself)' })
      .conflicts('prefix', 'root')
      .example('skiff trust --prefix example.com/app key.asc', 'trust key.asc for images named example.com/app…')
      .example('skiff trust --root https://example.com/pubkeys.gpg', 'trust a key for all images')
      .example('skiff trust list', 'show the trusted keys')
      .example('skiff trust rm FINGERPRINT', 'stop trusting a key');
  },
  async handler(args) {
    const { SkiffError } = await import('../../common/errors.ts');
    if (!args.keys?.length) throw new SkiffError('USAGE', 'give a key file or URL to trust', { hint: 'skiff trust --prefix NAME KEY, or see skiff trust --help' });
    if (args.prefix === undefined && !args.root) {
      throw new SkiffError('USAGE', 'say which images the key may sign: --prefix NAME (example.com/app), or --root for all of them');
    }
    const { parseTrustPrefix, describeScope } = await import('../../store/trust/trust-names.ts');
    const scope: TrustScope = args.root ? { kind: 'root' } : { kind: 'prefix', prefix: parseTrustPrefix(args.prefix!) };
    const { createCtxFor } = await import('../ctx-for.ts');
    const { readKeySource } = await import('../../store/trust/read-key-source.ts');
    const { readPublicKeys } = await import('../../store/trust/public-keys.ts');
    const { writeTrustedKey } = await import('../../store/trust/key-store.ts');
    const { confirmOnTerminal, stdinIsTerminal } = await import('../confirm.ts');
    const ctx = createCtxFor(args);
    for (const source of args.keys) {
      const keys = await readPublicKeys(await readKeySource(ctx, source, process.env), source);
      if (keys.length === 0) throw new SkiffError('IMAGE_FORMAT', `${source} holds no public key`);
      for (const key of keys) {
        if (key.unusable) throw new SkiffError('SIGNATURE_UNTRUSTED', `refusing to trust key ${key.fingerprint} from ${source}: ${key.unusable}`);
        if (!args['skip-fingerprint-review']) {
          if (!stdinIsTerminal()) {
            throw new SkiffError('USAGE', `cannot ask whether to trust key ${key.fingerprint}: stdin is not a terminal`, {
              hint: 'check the fingerprint with its publisher, then pass --skip-fingerprint-review',
            });
          }
          process.stderr.write(`${formatKeyReview(key, scope, source)}\n`);
          if (!(await confirmOnTerminal('Are you sure you want to trust this key (yes/no)?'))) {
            throw new SkiffError('USAGE', `key ${key.fingerprint} was not trusted`);
          }
        }
        const file = writeTrustedKey(ctx.config, scope, key.fingerprint, key.armored);
        ctx.log.info(`trusting key ${key.fingerprint} (${key.userIds.join(', ') || 'no user ID'}) for ${describeScope(scope)}: ${file}`);
        args.$env.out.line(key.fingerprint);
      }
    }
  },
});
