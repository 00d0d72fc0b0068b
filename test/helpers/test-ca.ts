// A throwaway certificate authority for TLS integration tests (registries, ACI servers,
// discovery): made with the openssl CLI, never with skiff's code. `issue()` writes a server
// certificate with subjectAltNames for the given hosts (IP addresses become IP SANs), an expired
// one (validity entirely in the past, via `openssl ca -startdate/-enddate`), or one for a host
// the client will not ask for (a wrong-host certificate is just `issue({ hosts: ['other.test'] })`).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';

export interface IssuedCert {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  /** DNS names and IP addresses the certificate is valid for (the first one is also the CN). */
  hosts: string[];
  /** Validity ended a day ago (started ten days ago). */
  expired?: boolean;
  /** File name stem under the CA dir (default: derived from the hosts). */
  name?: string;
  /** A TLS client certificate (extendedKeyUsage clientAuth) instead of a server one. */
  client?: boolean;
}

export interface TestCa {
  caCertPath: string;
  caCertPem: string;
  issue(o: IssueOptions): IssuedCert;
}

/** `false`, or why a test that needs a test CA must be skipped (a node:test skip value). */
export function skipUnlessOpenssl(): string | false {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  return dirs.some((d) => fs.existsSync(path.join(d, 'openssl'))) ? false : 'needs openssl (apt-get install openssl)';
}

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString('utf8').trim() ?? '';
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr.slice(-2000)}`, { cause: err });
  }
}

/** openssl ca's -startdate/-enddate format: YYYYMMDDHHMMSSZ. */
function asnTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

function sanList(hosts: readonly string[]): string {
  return hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

/** Creates a CA (EC P-256 key, 10-day validity) in `dir`, which must exist. */
export function createTestCa(dir: string): TestCa {
  const caKey = path.join(dir, 'ca.key');
  const caCertPath = path.join(dir, 'ca.crt');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey], dir);
  openssl([
    'req', '-x509', '-new', '-key', caKey, '-sha256', '-days', '10', '-subj', '/CN=skiff test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-out', caCertPath,
  ], dir);
  // `openssl ca` wants a database and a serial file; it is the only openssl command that takes
  // explicit start/end dates (needed for the expired certificate).
  const dbDir = path.join(dir, 'ca-db');
  fs.mkdirSync(dbDir, { recursive: true });
  fs.writeFileSync(path.join(dbDir, 'index.txt'), '');
  fs.writeFileSync(path.join(dbDir, 'serial'), '1000\n');
  let count = 0;

  const issue = (o: IssueOptions): IssuedCert => {
    if (o.hosts.length === 0) throw new Error('issue: at least one host');
    count += 1;
    const stem = o.name ?? `${o.hosts[0]!.replace(/[^A-Za-z0-9.-]/g, '_')}-${count}${o.expired ? '-expired' : ''}`;
    const keyPath = path.join(dir, `${stem}.key`);
    const csrPath = path.join(dir, `${stem}.csr`);
    const certPath = path.join(dir, `${stem}.crt`);
    const confPath = path.join(dir, `${stem}.cnf`);
    const now = Date.now();
    const start = new Date(o.expired ? now - 10 * 86_400_000 : now - 3_600_000);
    const end = new Date(o.expired ? now - 86_400_000 : now + 5 * 86_400_000);
    fs.writeFileSync(confPath, [
      '[ca]', 'default_ca = test_ca',
      '[test_ca]',
      `database = ${path.join(dbDir, 'index.txt')}`,
      `serial = ${path.join(dbDir, 'serial')}`,
      `new_certs_dir = ${dbDir}`,
      'default_md = sha256', 'policy = any_policy', 'copy_extensions = none', 'unique_subject = no',
      '[any_policy]', 'commonName = supplied',
      '[server_ext]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage = ${o.client ? 'clientAuth' : 'serverAuth'}`,
      `subjectAltName = ${sanList(o.hosts)}`,
      '',
    ].join('\n'));
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath], dir);
    openssl(['req', '-new', '-key', keyPath, '-subj', `/CN=${o.hosts[0]}`, '-out', csrPath], dir);
    openssl([
      'ca', '-batch', '-config', confPath, '-cert', caCertPath, '-keyfile', caKey, '-in', csrPath,
      '-out', certPath, '-extensions', 'server_ext', '-notext',
      '-startdate', asnTime(start), '-enddate', asnTime(end),
    ], dir);
    return { certPath, keyPath, certPem: fs.readFileSync(certPath, 'utf8'), keyPem: fs.readFileSync(keyPath, 'utf8') };
  };

  return { caCertPath, caCertPem: fs.readFileSync(caCertPath, 'utf8'), issue };
}
