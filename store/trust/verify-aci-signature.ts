// Checking an ACI's detached OpenPGP signature against the keys trusted for its manifest name
// (every path prefix of it, then root), before anything of the image enters the store. The
// file is streamed: ACIs of 300 MB+ are hashed in 1 MiB pieces, never read whole.
import fs from 'node:fs';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { keysForImage, type TrustedKeyFile } from './key-store.ts';
import { errorText, isArmored, readPublicKeys, whyUnusable, type PublicKeyInfo } from './public-keys.ts';
import type { Key, Signature } from 'openpgp';

export interface VerifyAciSignatureOptions {
  /** The ACI exactly as it will be imported (compressed or not). */
  file: string;
  /** The detached signature, ASCII-armored or binary. */
  signature: Uint8Array;
  /** The name in the ACI's manifest: it picks the keys. */
  imageName: string;
  /** How errors name the image (a path or URL). */
  what: string;
}

export interface SignatureCheck {
  /** The primary key fingerprint of the trusted key that made the signature. */
  fingerprint: string;
  identities: string[];
}

const CHUNK = 1024 * 1024;

/**
 * The error for an ACI without signature; `lookedAt` says where (FILE.asc, a URL). A local
 * file's signature can be put beside it or named with --signature; a remote one cannot.
 */
export function signatureMissing(what: string, lookedAt: string, opts: { local: boolean }): SkiffError {
  const fix = opts.local ? 'put its detached signature there or name it with --signature=FILE; ' : '';
  return new SkiffError('SIGNATURE_MISSING', `${what} has no signature: looked for ${lookedAt}`, {
    hint: `${fix}--insecure-options=image imports it without verification`,
  });
}

export async function verifyAciSignature(ctx: Ctx, opts: VerifyAciSignatureOptions): Promise<SignatureCheck> {
  const log = ctx.log.child({ mod: 'store', op: 'verify-signature', image: opts.imageName });
  const openpgp = await import('openpgp');
  const signature = await readSignature(opts.signature, opts.what);
  const issuers = signature.getSigningKeyIDs().map((id) => id.toHex());
  const candidates = await trustedSigners(ctx, opts.imageName, signature);
  log.debug({ issuers, candidates: candidates.map((c) => c.file.fingerprint) }, 'signature issuers and trusted keys');
  if (candidates.length === 0) throw untrustedSigner(opts, signature);
  // Refuse a key that cannot sign today before reading the image: openpgp itself only checks
  // the key was valid when the signature was made, which a revoked key's old signatures pass.
  const usable: typeof candidates = [];
  for (const c of candidates) {
    const why = await whyUnusable(c.key.key);
    if (why === undefined) usable.push(c);
    else log.debug({ fingerprint: c.file.fingerprint, why }, 'trusted key is unusable');
  }
  if (usable.length === 0) {
    const first = candidates[0]!;
    throw new SkiffError('SIGNATURE_UNTRUSTED', `${opts.what} is signed by key ${first.file.fingerprint}, which skiff no longer accepts: ${(await whyUnusable(first.key.key)) ?? 'unusable'}`, {
      hint: `ask the publisher for a signature by a current key and trust it with \`skiff trust --prefix ${opts.imageName} <key file or URL>\``,
    });
  }
  await using fh = await fs.promises.open(opts.file, 'r');
  ctx.progress?.start(`verifying ${opts.what}`, (await fh.stat()).size);
  const message = await openpgp.createMessage({ binary: readAsWebStream(fh, (n) => ctx.progress?.advance(n)) });
  const result = await openpgp.verify({ message, signature, verificationKeys: usable.map((c) => c.key.key), format: 'binary' });
  // openpgp hashes the data only as `result.data` is read. It overwrites the stream's methods to
  // do so, which `for await` (a symbol-keyed method) bypasses: read through getReader().
  try {
    const reader = result.data.getReader();
    while (!(await reader.read()).done);
  } finally {
    ctx.progress?.done();
  }
  const failures: string[] = [];
  for (const sig of result.signatures) {
    const signer = usable.find((c) => c.key.key.getKeys(sig.keyID).length > 0);
    if (!signer) continue;
    try {
      await sig.verified;
      log.info(`signature of ${opts.what} verified: ${signer.key.userIds.join(', ') || 'no user ID'} (${signer.file.fingerprint})`);
      return { fingerprint: signer.key.fingerprint, identities: signer.key.userIds };
    } catch (err) {
      failures.push(errorText(err));
    }
  }
  throw new SkiffError('SIGNATURE_INVALID', `the signature of ${opts.what} does not verify (${failures.join('; ') || 'no signature by a trusted key'})`, {
    hint: 'the image was changed after it was signed, or the signature belongs to another file; it was not imported',
  });
}

async function readSignature(bytes: Uint8Array, what: string): Promise<Signature> {
  const openpgp = await import('openpgp');
  try {
    return isArmored(bytes)
      ? await openpgp.readSignature({ armoredSignature: Buffer.from(bytes).toString('utf8') })
      : await openpgp.readSignature({ binarySignature: bytes });
  } catch (err) {
    throw new SkiffError('SIGNATURE_INVALID', `the signature of ${what} is not an OpenPGP detached signature: ${errorText(err)}`, { cause: err });
  }
}

interface Candidate {
  file: TrustedKeyFile;
  key: PublicKeyInfo;
}

/** Trusted keys (for this name) holding a key that issued one of the signature's packets. */
async function trustedSigners(ctx: Ctx, imageName: string, signature: Signature): Promise<Candidate[]> {
  const issuers = signature.getSigningKeyIDs();
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const file of keysForImage(ctx.config, imageName)) {
    if (seen.has(file.fingerprint)) continue;
    seen.add(file.fingerprint);
    let keys: PublicKeyInfo[];
    try {
      keys = await readPublicKeys(fs.readFileSync(file.path), file.path);
    } catch (err) {
      // A damaged key file only narrows what is trusted; it must not block other keys.
      ctx.log.warn({ file: file.path, err: errorText(err) }, 'skipping an unreadable trusted key');
      continue;
    }
    for (const key of keys) {
      if (issuers.some((id) => hasKeyId(key.key, id))) out.push({ file, key });
    }
  }
  return out;
}

function hasKeyId(key: Key, id: Parameters<Key['getKeys']>[0]): boolean {
  return key.getKeys(id).length > 0;
}

function untrustedSigner(opts: VerifyAciSignatureOptions, signature: Signature): SkiffError {
  const packet = signature.packets[0];
  const fpr = packet?.issuerFingerprint ? Buffer.from(packet.issuerFingerprint).toString('hex') : undefined;
  const who = fpr ? `key ${fpr}` : `key ID ${signature.getSigningKeyIDs().map((id) => id.toHex()).join(', ')}`;
  return new SkiffError('SIGNATURE_UNTRUSTED', `${opts.what} is signed by ${who}, which is not trusted for ${opts.imageName}`, {
    hint: `if you trust its publisher, run \`skiff trust --prefix ${opts.imageName} <key file or URL>\``,
  });
}

/** An open file as a Web ReadableStream of 1 MiB pieces, read on demand (openpgp takes Web streams only). */
function readAsWebStream(fh: fs.promises.FileHandle, onRead: (bytes: number) => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(CHUNK);
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) {
        controller.close();
        return;
      }
      onRead(bytesRead);
      controller.enqueue(buf.subarray(0, bytesRead));
    },
  });
}
