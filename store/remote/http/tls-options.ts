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

/**
 * The system's CA bundle, where Go (so skopeo and podman) looks first. One file read is ~1 ms;
 * Node's getCACertificates('system') walks /etc/ssl/certs, where Debian links every CA three
 * more times, and costs ~40 ms, paid by every https fetch.
 */
const SYSTEM_CA_FILES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/ssl/cert.pem', // Alpine
];

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** PEM certificates in a bundle's text. Pure. */
export function splitPemBundle(text: string): string[] {
  return text.match(PEM_RE) ?? [];
}

/**
 * The CAs every host gets: Node's bundled ones and the system's (SSL_CERT_FILE when set, as
 * OpenSSL and Go honour it), each once: a secure context parses every CA it is given.
 */
export function defaultCas(env: Readonly<Record<string, string | undefined>> = {}): string[] {
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : SYSTEM_CA_FILES;
  let system: string[] | undefined;
  for (const f of files) {
    try {
      system = splitPemBundle(fs.readFileSync(f, 'utf8'));
      break;
    } catch {
      // not this distribution's path
    }
  }
  system ??= tls.getCACertificates('system');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pem of [...tls.getCACertificates('bundled'), ...system]) {
    const key = pem.replace(/\s+/g, '');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(pem);
  }
  return out;
}

export function tlsSettingsFor(files: HostTlsFiles, base: readonly string[], verify: boolean): TlsSettings {
  return {
    ca: files.cas.length > 0 ? [...base, ...files.cas] : [...base],
    ...(files.client ? { cert: files.client.cert, key: files.client.key } : {}),
    rejectUnauthorized: verify,
  };
}
