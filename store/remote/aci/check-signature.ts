// The trust store's verdict on a downloaded ACI, with what discovery knows added to the
// advice: when the signer is not trusted and the discovery page publishes its keys
// (ac-discovery-pubkeys), the hint names that URL for `skiff trust`.
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';

export interface SignatureCheck {
  file: string;
  signature: Buffer;
  imageName: string;
  what: string;
  pubkeys: readonly string[];
}

/** Returns the fingerprint of the key that signed the image. */
export async function checkAciSignature(ctx: Ctx, c: SignatureCheck): Promise<string> {
  const { verifyAciSignature } = await import('../../trust/verify-aci-signature.ts');
  try {
    const { fingerprint } = await verifyAciSignature(ctx, { file: c.file, signature: c.signature, imageName: c.imageName, what: c.what });
    return fingerprint;
  } catch (err) {
    if (err instanceof SkiffError && err.code === 'SIGNATURE_UNTRUSTED' && c.pubkeys.length > 0) {
      throw new SkiffError(err.code, err.message, {
        hint: `the publisher's keys are at ${c.pubkeys.join(' ')}: check them, then run skiff trust --prefix ${c.imageName} ${c.pubkeys[0]}`,
        cause: err,
      });
    }
    throw err;
  }
}
