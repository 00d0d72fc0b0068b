// The image manifest of a downloaded ACI, read before anything is imported: discovery must
// check the name and labels, and the signature is checked against the manifest's name, both
// before the image may enter the store. ACI writers put `manifest` first, so this usually
// reads a few kilobytes; an archive that puts it last costs one extra pass.
import type { ImageManifest } from '../../../common/appc-types.ts';
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import { parseJsonDocument, validateImageManifest } from '../../../common/schemas/validate.ts';
import { sniffCompression } from '../../formats/image-ref.ts';
import { readMagic } from '../../import/decompress.ts';
import { walkTarMembers } from '../../import/list-tar-members.ts';
import { readAllLimited } from '../../import/read-limited.ts';

export async function readAciManifest(ctx: Ctx, file: string, what: string): Promise<ImageManifest> {
  const compression = sniffCompression(readMagic(file));
  if (compression === 'unknown') throw new SkiffError('IMAGE_FORMAT', `${what} is not an ACI: it is neither a tar nor a compressed tar`);
  let bytes: Buffer | undefined;
  await walkTarMembers(file, compression, async (name, body) => {
    if (name.replace(/^(\.\/)+/, '') !== 'manifest') {
      body.resume();
      return 'next';
    }
    bytes = await readAllLimited(body, ctx.limits.maxManifestBytes, `the manifest of ${what}`);
    return 'stop';
  });
  if (bytes === undefined) throw new SkiffError('IMAGE_FORMAT', `${what} has no manifest at its top level, so it is not an ACI`);
  return validateImageManifest(parseJsonDocument(bytes, `the manifest of ${what}`, ctx.limits.maxManifestBytes), what);
}
