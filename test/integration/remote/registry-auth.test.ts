// Registry authentication in `skiff fetch docker://…`: docker-registry behind Bearer-token auth
// (a token server in the test issues JWTs for basic credentials) and behind htpasswd basic
// auth; credentials from $HOME/.docker/config.json, $DOCKER_CONFIG and <config>/auth.d
// (auth.d winning); wrong or missing credentials refused in one line with nothing stored; and
// --debug logs the exchanges without passwords or tokens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectOneErrorLine, lines, skipUnlessRootAndBuilt, storeSnapshot, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { skipUnlessRegistryTools, startRegistry } from '../../helpers/registry.ts';
import type { Registry } from '../../helpers/registry.ts';
import { buildHandOci } from '../../helpers/registry-images.ts';
import { skiffEnv } from './registry-kit.ts';
import type { Env, SkiffEnv } from './registry-kit.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessRegistryTools();
const USER = { user: 'alice', password: 'pw-0f1e2d3c-secret' };

let tmp: TempDir;
let sk: SkiffEnv;
let token: Registry;
let basic: Registry;
let digest = '';
let refusals = '';
let n = 0;
const freshData = (): string => path.join(tmp.path, `data-${n++}`);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A docker config.json with `auths[key]` for user:password, in `dir` (created). */
function writeDockerConfig(dir: string, key: string, user: string, password: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [key]: { auth: b64(`${user}:${password}`) } } }));
}

function writeAuthD(configDir: string, name: string, registry: string, user: string, password: string): string {
  const dir = path.join(configDir, 'auth.d');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ skiffKind: 'dockerAuth', skiffVersion: 'v1', registries: [registry], credentials: { user, password } }));
  return file;
}

function clearCredentials(): void {
  for (const d of [path.join(sk.home, '.docker'), path.join(sk.local, 'auth.d'), path.join(sk.system, 'auth.d'), path.join(tmp.path, 'docker-config')]) {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

async function pullOk(reg: Registry, env?: Env): Promise<void> {
  const res = await sk.fetch(freshData(), reg.ref('app/small:1'), env ? { env } : {});
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(lines(res.stdout), [digest]);
}

async function pullRefused(reg: Registry, pattern: RegExp): Promise<string> {
  const before = storeSnapshot(refusals);
  const line = expectOneErrorLine(await sk.fetch(refusals, reg.ref('app/small:1')));
  assert.match(line, pattern);
  assert.deepEqual(storeSnapshot(refusals), before, 'the store is unchanged');
  return line;
}

describe('skiff fetch docker:// with registry credentials', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-registry-auth-');
    sk = skiffEnv(tmp.path);
    const image = path.join(tmp.path, 'image');
    digest = await buildHandOci(image, 'small', [{ files: { 'etc/secret-app': 'behind auth\n' }, compression: 'gzip' }]);
    [token, basic] = await Promise.all([
      startRegistry({ auth: { kind: 'token', users: [USER] } }),
      startRegistry({ auth: { kind: 'basic', users: [USER] } }),
    ]);
    assert.equal(await token.push(`oci:${image}:small`, 'app/small:1'), digest);
    assert.equal(await basic.pushRaw(image, 'small', 'app/small:1'), digest);
    // The refusals store holds one image (from the basic registry), so "unchanged" means something.
    writeAuthD(sk.local, 'prime.json', basic.host, USER.user, USER.password);
    refusals = freshData();
    const primed = await sk.fetch(refusals, basic.ref('app/small:1'));
    assert.equal(primed.code, 0, primed.stderr);
    clearCredentials();
  });
  after(async () => {
    await Promise.all([token?.stop(), basic?.stop()]);
    tmp?.cleanup();
  });

  it('gets a token with the credentials of $HOME/.docker/config.json', async () => {
    clearCredentials();
    writeDockerConfig(path.join(sk.home, '.docker'), token.host, USER.user, USER.password);
    const mark = token.token!.requests.length;
    await pullOk(token);
    const asked = token.token!.requests.slice(mark);
    assert.ok(asked.length > 0 && asked.every((r) => r.user === USER.user && r.authenticated && r.status === 200), JSON.stringify(asked));
    assert.ok(asked.some((r) => r.scopes.includes('repository:app/small:pull')), JSON.stringify(asked));
  });

  it('reads $DOCKER_CONFIG/config.json, and docker\'s https://HOST/v1/ key form', async () => {
    clearCredentials();
    const dir = path.join(tmp.path, 'docker-config');
    writeDockerConfig(dir, `https://${token.host}/v1/`, USER.user, USER.password);
    await pullOk(token, { DOCKER_CONFIG: dir });
  });

  it('reads <local-config>/auth.d, which wins over the docker config', async () => {
    clearCredentials();
    writeDockerConfig(path.join(sk.home, '.docker'), token.host, USER.user, 'wrong-password');
    writeAuthD(sk.local, 'registry.json', token.host, USER.user, USER.password);
    await pullOk(token);
  });

  it('reads <system-config>/auth.d', async () => {
    clearCredentials();
    writeAuthD(sk.system, 'registry.json', token.host, USER.user, USER.password);
    await pullOk(token);
  });

  it('refuses wrong credentials in one line naming the registry', async () => {
    clearCredentials();
    writeAuthD(sk.local, 'registry.json', token.host, USER.user, 'wrong-password');
    const line = await pullRefused(token, /auth|credential|unauthori[sz]ed|denied|401/i);
    assert.ok(line.includes(token.host), line);
    assert.ok(!line.includes('wrong-password'), 'no password in the message');
  });

  it('refuses a registry that wants credentials when there are none, in one line', async () => {
    clearCredentials();
    const line = await pullRefused(token, /auth|credential|unauthori[sz]ed|login|401/i);
    assert.ok(line.includes(token.host), line);
  });

  it('sends basic credentials to an htpasswd registry, and is refused without them', async () => {
    clearCredentials();
    writeAuthD(sk.local, 'basic.json', basic.host, USER.user, USER.password);
    await pullOk(basic);
    clearCredentials();
    await pullRefused(basic, /auth|credential|unauthori[sz]ed|login|401/i);
    writeDockerConfig(path.join(sk.home, '.docker'), basic.host, USER.user, 'wrong-password');
    await pullRefused(basic, /auth|credential|unauthori[sz]ed|denied|401/i);
  });

  it('--debug logs the exchanges, but no password, basic credential or token', async () => {
    clearCredentials();
    writeDockerConfig(path.join(sk.home, '.docker'), token.host, USER.user, USER.password);
    const res = await sk.run(freshData(), ['--debug', '--insecure-options=image,http', 'fetch', token.ref('app/small:1')]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /\/v2\/app\/small\/manifests\/1/, 'the manifest request is logged');
    assert.ok(!res.stderr.includes(USER.password), 'no password');
    assert.ok(!res.stderr.includes(b64(`${USER.user}:${USER.password}`)), 'no basic credential');
    // Issued tokens are JWTs: base64url of {"typ":"JWT","alg":"RS256",… starts eyJ0eXAiOiJKV1Qi.
    assert.ok(!/eyJ0eXAiOiJKV1Qi[\w-]*\.[\w-]+/.test(res.stderr), 'no token');
  });
});
