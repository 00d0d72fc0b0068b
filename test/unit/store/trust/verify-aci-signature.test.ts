// Signature checks with keys and signatures made by gpg at test time (RSA and Ed25519, armored
// and binary), against a key store in temp dirs. The signed file is opaque to the verifier, so
// random bytes stand in for an ACI here; the integration tests use real ACIs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS, parseInsecureOptions, type Ctx } from '../../../../common/context.ts';
import { createSilentLogger } from '../../../../common/log.ts';
import * as layout from '../../../../common/layout.ts';
import { verifyAciSignature } from '../../../../store/trust/verify-aci-signature.ts';
import { readPublicKeys } from '../../../../store/trust/public-keys.ts';
import { createGpgHome, skipUnlessGpg, type GpgHome } from '../../../helpers/gpg.ts';
import { makeTempDir } from '../../../fixtures/images/run-tool.ts';

const NAME = 'example.com/app/web';
let gpg: GpgHome;
let tmp: string;
let ctx: Ctx;
const fp = {} as Record<'rsa' | 'ed' | 'other' | 'expired' | 'revoked', string>;
let image: string;

function trust(configDir: string, prefix: string | undefined, fingerprint: string, content?: string | Buffer): void {
  const dir = prefix === undefined ? layout.trustedKeysRootDir(configDir) : layout.trustedKeysPrefixDir(configDir, prefix);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(layout.trustedKeyPath(dir, fingerprint), content ?? fs.readFileSync(path.join(tmp, `${fingerprint}.asc`)));
}

function untrustAll(): void {
  fs.rmSync(ctx.config.local, { recursive: true, force: true });
  fs.rmSync(ctx.config.system, { recursive: true, force: true });
}

const sig = (name: string): Buffer => fs.readFileSync(path.join(tmp, name));

describe('verifyAciSignature', { skip: skipUnlessGpg() }, () => {
  before(async () => {
    gpg = createGpgHome();
    tmp = makeTempDir('skiff-verify-');
    ctx = {
      dataDir: path.join(tmp, 'data'),
      config: { local: path.join(tmp, 'local'), system: path.join(tmp, 'system') },
      log: await createSilentLogger(),
      host: undefined as never,
      insecure: parseInsecureOptions(undefined),
      limits: DEFAULT_LIMITS,
    };
    image = path.join(tmp, 'image.aci');
    // Over one 1 MiB read, so the stream is read in several pieces.
    fs.writeFileSync(image, randomBytes(3 * 1024 * 1024 + 17));
    fp.rsa = await gpg.genKey('RSA Signer <rsa@example.com>', 'rsa');
    fp.ed = await gpg.genKey('Ed Signer <ed@example.com>', 'ed25519');
    fp.other = await gpg.genKey('Other <other@example.org>', 'ed25519');
    // Valid for a day in 2020: its signature from then was good when made.
    fp.expired = await gpg.genKey('Expired <old@example.com>', 'ed25519', { expire: '1d', at: '20200101T000000' });
    fp.revoked = await gpg.genKey('Revoked <gone@example.com>', 'ed25519');
    for (const f of Object.values(fp)) await gpg.exportKey(f, path.join(tmp, `${f}.asc`));
    await gpg.sign(fp.rsa, image, path.join(tmp, 'rsa.asc'));
    await gpg.sign(fp.ed, image, path.join(tmp, 'ed.sig'), { armor: false });
    await gpg.sign(fp.other, image, path.join(tmp, 'other.asc'));
    await gpg.sign(fp.expired, image, path.join(tmp, 'expired.asc'), { at: '20200101T010000' });
    await gpg.sign(fp.revoked, image, path.join(tmp, 'revoked.asc'));
    await gpg.revoke(fp.revoked);
    await gpg.exportKey(fp.revoked, path.join(tmp, `${fp.revoked}.asc`));
  });
  after(() => {
    gpg?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const check = (signature: Buffer, file = image) => verifyAciSignature(ctx, { file, signature, imageName: NAME, what: 'image.aci' });

  test('an ASCII-armored RSA signature by a key trusted for a parent prefix verifies', async () => {
    untrustAll();
    trust(ctx.config.local, 'example.com/app', fp.rsa);
    assert.deepEqual(await check(sig('rsa.asc')), { fingerprint: fp.rsa, identities: ['RSA Signer <rsa@example.com>'] });
  });

  test('a binary Ed25519 signature by a root key from the system dir verifies', async () => {
    untrustAll();
    trust(ctx.config.system, undefined, fp.ed);
    assert.equal((await check(sig('ed.sig'))).fingerprint, fp.ed);
  });

  test('a key stored as binary in the store is read too', async () => {
    untrustAll();
    await gpg.exportKey(fp.ed, path.join(tmp, 'ed.gpg'), false);
    trust(ctx.config.local, 'example.com', fp.ed, fs.readFileSync(path.join(tmp, 'ed.gpg')));
    const keys = await readPublicKeys(fs.readFileSync(path.join(tmp, 'ed.gpg')), 'ed.gpg');
    assert.equal(keys[0]?.fingerprint, fp.ed);
    assert.equal((await check(sig('ed.sig'))).fingerprint, fp.ed);
  });

  test('a signer trusted only for another prefix is untrusted, and the error says what to run', async () => {
    untrustAll();
    trust(ctx.config.local, 'example.com/app', fp.rsa);
    trust(ctx.config.local, 'example.org', fp.other);
    await assert.rejects(check(sig('other.asc')), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'SIGNATURE_UNTRUSTED');
      assert.match(err.message, new RegExp(`signed by key ${fp.other}, which is not trusted for ${NAME}`));
      assert.match(err.hint ?? '', /skiff trust --prefix example\.com\/app\/web /);
      return true;
    });
  });

  test('an empty local file masks a system key', async () => {
    untrustAll();
    trust(ctx.config.system, 'example.com', fp.rsa);
    trust(ctx.config.local, 'example.com', fp.rsa, '');
    await assert.rejects(check(sig('rsa.asc')), { code: 'SIGNATURE_UNTRUSTED' });
  });

  test('a tampered image is refused as an invalid signature', async () => {
    untrustAll();
    trust(ctx.config.local, undefined, fp.rsa);
    const tampered = path.join(tmp, 'tampered.aci');
    const bytes = fs.readFileSync(image);
    bytes[2 * 1024 * 1024] = bytes[2 * 1024 * 1024]! ^ 1;
    fs.writeFileSync(tampered, bytes);
    await assert.rejects(check(sig('rsa.asc'), tampered), { code: 'SIGNATURE_INVALID', message: /does not verify/ });
    // A signature of another file fails the same way.
    await assert.rejects(check(sig('rsa.asc'), path.join(tmp, `${fp.rsa}.asc`)), { code: 'SIGNATURE_INVALID' });
  });

  test('garbage in place of a signature is an invalid signature', async () => {
    untrustAll();
    await assert.rejects(check(Buffer.from('not a signature\n')), { code: 'SIGNATURE_INVALID', message: /not an OpenPGP detached signature/ });
  });

  test('a signature made while the key was valid is refused once the key has expired', async () => {
    untrustAll();
    trust(ctx.config.local, 'example.com', fp.expired);
    await assert.rejects(check(sig('expired.asc')), { code: 'SIGNATURE_UNTRUSTED', message: /expired on 2020-01-02/ });
  });

  test('a revoked key is refused', async () => {
    untrustAll();
    trust(ctx.config.local, 'example.com', fp.revoked);
    await assert.rejects(check(sig('revoked.asc')), { code: 'SIGNATURE_UNTRUSTED', message: /revoked/ });
  });

  test('keys are described with fingerprint, identities and whether they can sign', async () => {
    const [rsa] = await readPublicKeys(fs.readFileSync(path.join(tmp, `${fp.rsa}.asc`)), 'rsa');
    assert.equal(rsa?.fingerprint, fp.rsa);
    assert.deepEqual(rsa?.userIds, ['RSA Signer <rsa@example.com>']);
    assert.equal(rsa?.algorithm, 'rsa 2048');
    assert.equal(rsa?.unusable, undefined);
    const [revoked] = await readPublicKeys(fs.readFileSync(path.join(tmp, `${fp.revoked}.asc`)), 'revoked');
    assert.match(revoked?.unusable ?? '', /revoked/);
    await assert.rejects(readPublicKeys(Buffer.from('hello'), 'hello.asc'), { message: /hello\.asc is not an OpenPGP public key/ });
  });
});
