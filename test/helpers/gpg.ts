// Real OpenPGP keys and signatures for tests, made by Debian's gpg in a throwaway home: the
// verifier is checked against what users actually publish, never against bytes we made up.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, missingTools, runTool } from '../fixtures/images/run-tool.ts';

export type GpgAlgo = 'rsa' | 'ed25519';

export interface GpgKeyOptions {
  /** gpg's expire argument (`1d`, `never`); default never. */
  expire?: string;
  /** Make the key as if it were this time (gpg --faked-system-time, `20200101T000000`). */
  at?: string;
}

export interface GpgHome extends Disposable {
  readonly dir: string;
  /** Generates a signing key; returns its fingerprint (lowercase hex). */
  genKey(uid: string, algo: GpgAlgo, opts?: GpgKeyOptions): Promise<string>;
  /** Writes the public key, ASCII-armored or binary. */
  exportKey(fingerprint: string, out: string, armor?: boolean): Promise<string>;
  /** A detached signature of `file` (armored .asc by default; binary with armor false). */
  sign(fingerprint: string, file: string, out: string, opts?: { armor?: boolean; at?: string }): Promise<string>;
  /** Applies the revocation certificate gpg made at generation time. */
  revoke(fingerprint: string): Promise<void>;
  cleanup(): void;
}

export function skipUnlessGpg(): string | false {
  return missingTools('gpg', 'gpgconf').length === 0 ? false : 'needs gpg (apt-get install gnupg)';
}

const GPG_ALGO: Record<GpgAlgo, string> = { rsa: 'rsa2048', ed25519: 'ed25519' };

export function createGpgHome(): GpgHome {
  const dir = makeTempDir('skiff-gpg-');
  fs.chmodSync(dir, 0o700);
  const gpg = (args: readonly string[], at?: string): Promise<string> =>
    runTool('gpg', ['--homedir', dir, '--batch', '--yes', '--no-tty', '--quiet', ...(at ? ['--faked-system-time', at] : []), ...args]);
  const cleanup = (): void => {
    // gpg starts an agent per home; stop it before removing its socket dir.
    spawnSync('gpgconf', ['--homedir', dir, '--kill', 'gpg-agent'], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return {
    dir,
    async genKey(uid, algo, opts = {}) {
      await gpg(['--passphrase', '', '--quick-gen-key', uid, GPG_ALGO[algo], 'sign', opts.expire ?? 'never'], opts.at);
      const listing = await gpg(['--with-colons', '--list-keys', uid]);
      const fpr = /^fpr:+([0-9A-F]{40,64}):/m.exec(listing)?.[1];
      if (!fpr) throw new Error(`gpg made no key for ${uid}: ${listing}`);
      return fpr.toLowerCase();
    },
    async exportKey(fingerprint, out, armor = true) {
      await gpg([...(armor ? ['--armor'] : []), '--output', out, '--export', fingerprint]);
      return out;
    },
    async sign(fingerprint, file, out, opts = {}) {
      await gpg(['--local-user', fingerprint, ...(opts.armor === false ? [] : ['--armor']), '--output', out, '--detach-sign', file], opts.at);
      return out;
    },
    async revoke(fingerprint) {
      const cert = path.join(dir, 'openpgp-revocs.d', `${fingerprint.toUpperCase()}.rev`);
      // gpg guards the stored certificate against accidental import with a leading ':'.
      const text = fs.readFileSync(cert, 'utf8').replace(/^:-----BEGIN/m, '-----BEGIN');
      const tmp = path.join(dir, 'revoke.asc');
      fs.writeFileSync(tmp, text);
      await gpg(['--import', tmp]);
    },
    cleanup,
    [Symbol.dispose]: cleanup,
  };
}
