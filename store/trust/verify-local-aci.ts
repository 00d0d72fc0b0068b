// The signature check for an ACI file on this machine: its detached signature sits beside it
// (FILE.asc) or is named with --signature, and the keys are those trusted for the name in the
// ACI's own manifest, read before anything is imported.
import fs from 'node:fs';
import type { Ctx } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import { verifyAciSignature, signatureMissing, type SignatureCheck } from './verify-aci-signature.ts';

/** Far above any real detached signature (a few hundred bytes); stops a wrong file being read whole. */
const MAX_SIGNATURE_BYTES = 1024 * 1024;

export async function verifyLocalAci(ctx: Ctx, file: string, signatureFile: string | undefined): Promise<SignatureCheck> {
  const sigPath = signatureFile ?? `${file}.asc`;
  const signature = readSignatureFile(file, sigPath, signatureFile !== undefined);
  const { readAciManifest } = await import('../remote/aci/read-aci-manifest.ts');
  const manifest = await readAciManifest(ctx, file, file);
  return verifyAciSignature(ctx, { file, signature, imageName: manifest.name, what: file });
}

function readSignatureFile(file: string, sigPath: string, named: boolean): Buffer {
  let st: fs.Stats;
  try {
    st = fs.statSync(sigPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrap(err, `reading the signature ${sigPath}`);
    if (named) throw new SkiffError('SIGNATURE_MISSING', `no such signature file: ${sigPath}`);
    throw signatureMissing(file, sigPath, { local: true });
  }
  if (!st.isFile() || st.size > MAX_SIGNATURE_BYTES) {
    throw new SkiffError('SIGNATURE_INVALID', `${sigPath} is not a detached signature (${st.isFile() ? `${st.size} bytes` : 'not a file'})`);
  }
  return fs.readFileSync(sigPath);
}
