// What the remote ACI and discovery tests share: a throwaway CA and config dirs (certs.d for
// the test servers, trusted keys), a gpg key that signs the test ACIs, and bin/skiff run with
// those config dirs so nothing under /etc is read or written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as layout from '../../../common/layout.ts';
import { runSkiff, tempDir } from '../../helpers/cli.ts';
import type { RunResult, TempDir } from '../../helpers/cli.ts';
import { createGpgHome, skipUnlessGpg } from '../../helpers/gpg.ts';
import type { GpgHome } from '../../helpers/gpg.ts';
import { buildAci, skipUnlessTools } from '../../helpers/images.ts';
import type { AciOptions } from '../../helpers/images.ts';
import { createTestCa } from '../../helpers/test-ca.ts';
import type { TestCa } from '../../helpers/test-ca.ts';
import { skipUnlessRootAndBuilt } from '../../helpers/cli.ts';

export function skipUnlessRemoteKit(): string | false {
  return skipUnlessRootAndBuilt() || skipUnlessGpg() || skipUnlessTools('openssl', 'tar', 'gzip', 'busybox');
}

export interface SignedAci {
  file: string;
  asc: string;
}

export interface RemoteKit extends Disposable {
  tmp: TempDir;
  ca: TestCa;
  /** --local-config and --system-config for every skiff call. */
  localConfig: string;
  systemConfig: string;
  gpg: GpgHome;
  /** The key that signs test images (trusted only where a test trusts it). */
  signer: string;
  /** Trusts the signer for names under `prefix` with `skiff trust --prefix`. */
  trust(prefix: string): Promise<void>;
  /** Places the CA where skiff looks for HOST:PORT's extra CAs. */
  trustCaFor(hostPort: string): void;
  /** A gzip ACI signed by the signer (or another key), with its armored signature beside it. */
  signedAci(file: string, opts: Partial<AciOptions> & { name: string }, signer?: string): Promise<SignedAci>;
  /** bin/skiff with the kit's config dirs and data dir. */
  skiff(dataDir: string, args: readonly string[]): Promise<RunResult>;
}

export async function createRemoteKit(prefix: string): Promise<RemoteKit> {
  const tmp = tempDir(prefix);
  const caDir = path.join(tmp.path, 'ca');
  fs.mkdirSync(caDir);
  const ca = createTestCa(caDir);
  const localConfig = path.join(tmp.path, 'etc-skiff');
  const systemConfig = path.join(tmp.path, 'usr-lib-skiff');
  fs.mkdirSync(localConfig);
  fs.mkdirSync(systemConfig);
  const gpg = createGpgHome();
  const signer = await gpg.genKey('Test Publisher <publisher@example.com>', 'ed25519');
  const armoredKey = path.join(tmp.path, 'publisher.asc');
  await gpg.exportKey(signer, armoredKey);
  const cleanup = (): void => {
    gpg.cleanup();
    tmp.cleanup();
  };
  return {
    tmp,
    ca,
    localConfig,
    systemConfig,
    gpg,
    signer,
    async trust(prefixName) {
      const res = await runSkiff(['--local-config', localConfig, '--system-config', systemConfig,
        'trust', '--prefix', prefixName, '--skip-fingerprint-review', armoredKey]);
      if (res.code !== 0) throw new Error(`skiff trust --prefix ${prefixName} failed: ${res.stderr}`);
    },
    trustCaFor(hostPort) {
      const dir = layout.hostCertsDir(localConfig, hostPort);
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(ca.caCertPath, path.join(dir, 'ca.crt'));
    },
    async signedAci(file, opts, by = signer) {
      await buildAci(file, { compression: 'gzip', ...opts });
      const asc = `${file}.asc`;
      await gpg.sign(by, file, asc);
      return { file, asc };
    },
    skiff: (dataDir, args) => runSkiff(['--local-config', localConfig, '--system-config', systemConfig, ...args], { dataDir }),
    [Symbol.dispose]: cleanup,
  };
}
