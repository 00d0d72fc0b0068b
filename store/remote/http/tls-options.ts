// TLS settings for one remote host: Node's bundled CAs plus the system's (Node alone ignores
// /etc/ssl), plus the per-host CAs and client certificate in docker's certs.d layout
// (`<config>/certs.d/HOST:PORT/{*.crt, NAME.cert + NAME.key}`), from both config dirs.
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { ConfigDirs } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import * as layout from '../../../common/layout.ts';

export interface HostTlsFiles {
  /** PEM CA certificates, in the order found. */
  cas: string[];
  /** A client certificate and its key, when certs.d has a NAME.cert with a NAME.key. */
  client?: { cert: string; key: string };
}

export interface TlsSettings {
  ca: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

/**
 * The certs.d directories for a host: docker names them HOST:PORT, or HOST alone for the
 * default port, so both spellings are looked at. Local first: its client cert wins.
 */
export function hostCertsDirs(config: ConfigDirs, host: string, port: number, defaultPort: number): string[] {
  const names = port === defaultPort ? [`${host}:${port}`, host] : [`${host}:${port}`];
  return [config.local, config.system].flatMap((dir) => names.map((n) => layout.hostCertsDir(dir, n)));
}

export function readHostTlsFiles(dirs: readonly string[]): HostTlsFiles {
  const out: HostTlsFiles = { cas: [] };
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const file = path.join(dir, n);
      if (n.endsWith('.crt')) out.cas.push(readPem(file));
      if (n.endsWith('.cert') && out.client === undefined) {
        const keyFile = path.join(dir, `${n.slice(0, -'.cert'.length)}.key`);
        if (!fs.existsSync(keyFile)) {
          throw new SkiffError('TLS', `client certificate ${file} has no key beside it`, { hint: `add ${keyFile}` });
        }
        out.client = { cert: readPem(file), key: readPem(keyFile) };
      }
    }
  }
  return out;
}

function readPem(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SkiffError('TLS', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
}

/** The CAs every host gets: computed once per client (reading the system store costs a few ms). */
export function defaultCas(): string[] {
  return [...tls.getCACertificates('bundled'), ...tls.getCACertificates('system')];
}

export function tlsSettingsFor(files: HostTlsFiles, base: readonly string[], verify: boolean): TlsSettings {
  return {
    ca: files.cas.length > 0 ? [...base, ...files.cas] : [...base],
    ...(files.client ? { cert: files.client.cert, key: files.client.key } : {}),
    rejectUnauthorized: verify,
  };
}
