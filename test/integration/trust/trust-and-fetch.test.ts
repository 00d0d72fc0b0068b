// `skiff trust` and signed local ACIs through bin/skiff, with keys and signatures made by gpg:
// an untrusted signer is refused with the `skiff trust` command to run, trusting the key lets
// the fetch through, `trust list` shows it, `trust rm` takes it away, and a tampered image or a
// missing signature is refused with nothing entering the store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as layout from '../../../common/layout.ts';
import { SKIFF_BIN, expectOneErrorLine, lines, runSkiff, skipUnlessRootAndBuilt, storeSnapshot, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { createGpgHome, skipUnlessGpg, type GpgHome } from '../../helpers/gpg.ts';
import { aciManifest, buildAci, runTool, skipUnlessTools } from '../../helpers/images.ts';
import { createTestCa } from '../../helpers/test-ca.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('tar', 'gzip', 'xz', 'busybox') || skipUnlessGpg();

const NAME = 'example.com/app/web';
let tmp: TempDir;
let gpg: GpgHome;
const fp = { rsa: '', ed: '' };
const f = (name: string): string => path.join(tmp.path, name);
let n = 0;

/** A fresh data dir and config dirs for one test. */
function world(): { data: string; local: string; system: string; skiff: (args: string[], input?: string) => ReturnType<typeof runSkiff> } {
  const dir = f(`world-${n++}`);
  const w = { data: path.join(dir, 'data'), local: path.join(dir, 'local'), system: path.join(dir, 'system') };
  return {
    ...w,
    skiff: (args, input) => runSkiff([`--local-config=${w.local}`, `--system-config=${w.system}`, ...args], {
      dataDir: w.data, ...(input === undefined ? {} : { input }),
    }),
  };
}

/**
 * `skiff trust` under util-linux `script`, which gives it a pseudo-terminal: the answer is
 * typed once the question has appeared, as a person would.
 */
function answerAtTerminal(w: ReturnType<typeof world>, answer: string): Promise<{ code: number | null; output: string }> {
  const cmd = [SKIFF_BIN, `--local-config=${w.local}`, `--system-config=${w.system}`, 'trust', '--prefix', 'example.com/app', f('rsa.asc')]
    .map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let answered = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output += d;
    if (!answered && output.includes('(yes/no)?')) {
      answered = true;
      child.stdin.write(`${answer}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no prompt within 30 s: ${output}`)); }, 30_000);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

async function ok(res: ReturnType<typeof runSkiff>, what: string): Promise<string[]> {
  const r = await res;
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return lines(r.stdout);
}

describe('skiff trust and signed ACIs', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-trust-');
    gpg = createGpgHome();
    fp.rsa = await gpg.genKey('RSA Publisher <rsa@example.com>', 'rsa');
    fp.ed = await gpg.genKey('Ed Publisher <ed@example.com>', 'ed25519');
    await gpg.exportKey(fp.rsa, f('rsa.asc'));
    await gpg.exportKey(fp.ed, f('ed.gpg'), false);
    await buildAci(f('web.aci'), { name: NAME, version: '1.0', compression: 'gzip' });
    await gpg.sign(fp.rsa, f('web.aci'), f('web.aci.asc'));
    await buildAci(f('tool.aci'), { name: 'other.org/tool', version: '2.0', compression: 'xz' });
    await gpg.sign(fp.ed, f('tool.aci'), f('tool.sig'), { armor: false });
    // Same bytes but one, past the gzip header: the signature no longer matches.
    const bytes = fs.readFileSync(f('web.aci'));
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x20;
    fs.writeFileSync(f('tampered.aci'), bytes);
    fs.copyFileSync(f('web.aci.asc'), f('tampered.aci.asc'));
  });
  after(() => {
    gpg?.cleanup();
    tmp?.cleanup();
  });

  it('refuses an ACI signed by an untrusted key with the trust command to run, touching nothing', async () => {
    const w = world();
    const line = expectOneErrorLine(await w.skiff(['fetch', f('web.aci')]), 'fetch untrusted');
    assert.match(line, new RegExp(`signed by key ${fp.rsa}, which is not trusted for ${NAME}`));
    assert.match(line, /skiff trust --prefix example\.com\/app\/web /);
    assert.equal(fs.existsSync(w.data), false, 'a refused fetch leaves no data dir');
  });

  it('fetches it once the key is trusted for a prefix of its name; trust list shows the key', async () => {
    const w = world();
    assert.deepEqual(await ok(w.skiff(['trust', '--prefix', 'example.com/app', '--skip-fingerprint-review', f('rsa.asc')]), 'trust'), [fp.rsa]);
    assert.ok(fs.existsSync(layout.trustedKeyPath(layout.trustedKeysPrefixDir(w.local, 'example.com/app'), fp.rsa)));
    const res = await w.skiff(['fetch', f('web.aci')]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(lines(res.stdout)[0] ?? '', /^sha512-[0-9a-f]{128}$/);
    assert.match(res.stderr, /signature of .*web\.aci verified: RSA Publisher <rsa@example\.com>/);
    const table = await ok(w.skiff(['trust', 'list']), 'trust list');
    assert.match(table[0] ?? '', /^PREFIX\s+FINGERPRINT\s+ORIGIN\s+USER IDS$/);
    assert.match(table[1] ?? '', new RegExp(`^example\\.com/app\\s+${fp.rsa}\\s+local\\s+RSA Publisher <rsa@example\\.com>$`));
    const json = JSON.parse((await w.skiff(['trust', 'list', '--format=json'])).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(json.map((k) => [k.prefix, k.fingerprint, k.origin, k.userIds, k.problem]), [
      ['example.com/app', fp.rsa, 'local', ['RSA Publisher <rsa@example.com>'], null],
    ]);
  });

  it('takes a binary Ed25519 signature named with --signature, checked against a root key in binary form', async () => {
    const w = world();
    await ok(w.skiff(['trust', '--root', '--skip-fingerprint-review', f('ed.gpg')]), 'trust --root');
    const line = expectOneErrorLine(await w.skiff(['fetch', f('tool.aci')]), 'fetch without --signature');
    assert.match(line, /has no signature: looked for .*tool\.aci\.asc/);
    assert.match(line, /--signature=FILE/);
    assert.match(line, /--insecure-options=image/);
    assert.equal((await ok(w.skiff(['fetch', `--signature=${f('tool.sig')}`, f('tool.aci')]), 'fetch --signature')).length, 1);
  });

  it('refuses a tampered ACI and leaves the store as it was', async () => {
    const w = world();
    await ok(w.skiff(['trust', '--prefix', NAME, '--skip-fingerprint-review', f('rsa.asc')]), 'trust');
    await ok(w.skiff(['fetch', f('web.aci')]), 'fetch the good one');
    const before = storeSnapshot(w.data);
    const line = expectOneErrorLine(await w.skiff(['fetch', f('tampered.aci')]), 'fetch tampered');
    assert.match(line, /signature of .*tampered\.aci does not verify/);
    assert.deepEqual(storeSnapshot(w.data), before);
  });

  it('refuses a signed ACI carrying a second manifest that would rename it', async () => {
    const w = world();
    await ok(w.skiff(['trust', '--prefix', NAME, '--skip-fingerprint-review', f('rsa.asc')]), 'trust');
    const file = await buildAci(f('two-manifests.aci'), { name: NAME, compression: 'none' });
    fs.mkdirSync(f('evil'));
    fs.writeFileSync(f('evil/manifest'), JSON.stringify({ ...aciManifest({ name: 'evil.org/x', compression: 'none' }) }));
    await runTool('tar', ['-rf', file, '-C', f('evil'), 'manifest']);
    await gpg.sign(fp.rsa, file, `${file}.asc`);
    // The signature is good (the signer signed both manifests): the import refuses the file.
    const res = await w.skiff(['fetch', file]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(lines(res.stderr).at(-1) ?? '', /^skiff: .*has more than one manifest$/);
    assert.deepEqual(storeSnapshot(w.data).filter((p) => p.startsWith('images/') && p.endsWith('.json')), []);
  });

  it('trust rm takes the key away: the next fetch is refused again', async () => {
    const w = world();
    await ok(w.skiff(['trust', '--prefix', 'example.com', '--skip-fingerprint-review', f('rsa.asc')]), 'trust');
    await ok(w.skiff(['fetch', f('web.aci')]), 'fetch while trusted');
    assert.deepEqual(await ok(w.skiff(['trust', 'rm', fp.rsa.toUpperCase()]), 'trust rm'), [fp.rsa]);
    assert.deepEqual(await ok(w.skiff(['trust', 'list', '--no-legend']), 'trust list'), []);
    assert.match(expectOneErrorLine(await w.skiff(['fetch', f('web.aci')]), 'fetch after rm'), /not trusted for example\.com\/app\/web/);
  });

  it('trust rm of a system key masks it with an empty local file', async () => {
    const w = world();
    const sysDir = layout.trustedKeysPrefixDir(w.system, 'example.com/app');
    fs.mkdirSync(sysDir, { recursive: true });
    fs.copyFileSync(f('rsa.asc'), layout.trustedKeyPath(sysDir, fp.rsa));
    assert.match((await ok(w.skiff(['trust', 'list']), 'list'))[1] ?? '', /\ssystem\s/);
    await ok(w.skiff(['fetch', f('web.aci')]), 'fetch with a system key');
    await ok(w.skiff(['trust', 'rm', '--prefix', 'example.com/app', fp.rsa]), 'trust rm');
    assert.equal(fs.readFileSync(layout.trustedKeyPath(layout.trustedKeysPrefixDir(w.local, 'example.com/app'), fp.rsa), 'utf8'), '');
    assert.ok(fs.existsSync(layout.trustedKeyPath(sysDir, fp.rsa)), 'the system file is left alone');
    expectOneErrorLine(await w.skiff(['fetch', f('web.aci')]), 'fetch after masking');
  });

  it('refuses to ask without a terminal, and adds nothing', async () => {
    const w = world();
    const line = expectOneErrorLine(await w.skiff(['trust', '--prefix', 'example.com/app', f('rsa.asc')], 'yes\n'), 'trust without a TTY');
    assert.match(line, new RegExp(`cannot ask whether to trust key ${fp.rsa}: stdin is not a terminal`));
    assert.match(line, /--skip-fingerprint-review/);
    assert.equal(fs.existsSync(w.local), false);
  });

  it('asks at a terminal: the review shows fingerprint and identities; "no" adds nothing, "yes" adds the key', { skip: skipUnlessTools('script') }, async () => {
    const w = world();
    const keyFile = layout.trustedKeyPath(layout.trustedKeysPrefixDir(w.local, 'example.com/app'), fp.rsa);
    const no = await answerAtTerminal(w, 'no');
    assert.match(no.output, /Prefix: "example\.com\/app"/);
    assert.match(no.output, new RegExp(`Key fingerprint is: ${fp.rsa.toUpperCase().slice(0, 4)} `));
    assert.match(no.output, /RSA Publisher <rsa@example\.com>/);
    assert.match(no.output, /Are you sure you want to trust this key \(yes\/no\)\?/);
    assert.match(no.output, /was not trusted/);
    assert.notEqual(no.code, 0);
    assert.equal(fs.existsSync(keyFile), false);
    const yes = await answerAtTerminal(w, 'yes');
    assert.equal(yes.code, 0, yes.output);
    assert.ok(fs.existsSync(keyFile));
  });

  it('refuses a prefix that is not an image name, and a trust without --prefix or --root', async () => {
    const w = world();
    assert.match(expectOneErrorLine(await w.skiff(['trust', '--prefix', 'Example.com/', '--skip-fingerprint-review', f('rsa.asc')])), /not a valid image name prefix/);
    assert.match(expectOneErrorLine(await w.skiff(['trust', '--skip-fingerprint-review', f('rsa.asc')])), /--prefix NAME .* or --root/);
  });

  it('--insecure-options=image imports an unsigned ACI without looking for a signature', async () => {
    const w = world();
    fs.copyFileSync(f('web.aci'), f('unsigned.aci'));
    assert.equal((await ok(w.skiff(['--insecure-options=image', 'fetch', f('unsigned.aci')]), 'insecure fetch')).length, 1);
  });

  it('fetches a key from an https URL, trusting the server through certs.d', async () => {
    const w = world();
    fs.mkdirSync(f('ca'));
    const ca = createTestCa(f('ca'));
    const cert = ca.issue({ hosts: ['127.0.0.1'] });
    const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      if (req.url === '/pubkeys.asc') res.writeHead(200, { 'content-type': 'application/pgp-keys' }).end(fs.readFileSync(f('rsa.asc')));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const certs = layout.hostCertsDir(w.local, `127.0.0.1:${port}`);
      fs.mkdirSync(certs, { recursive: true });
      fs.copyFileSync(ca.caCertPath, path.join(certs, 'ca.crt'));
      const url = `https://127.0.0.1:${port}/pubkeys.asc`;
      assert.deepEqual(await ok(w.skiff(['trust', '--prefix', NAME, '--skip-fingerprint-review', url]), 'trust URL'), [fp.rsa]);
      await ok(w.skiff(['fetch', f('web.aci')]), 'fetch with the key from the URL');
      assert.match(expectOneErrorLine(await w.skiff(['trust', '--root', '--skip-fingerprint-review', `https://127.0.0.1:${port}/nope`])), /HTTP 404/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
