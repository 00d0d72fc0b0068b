// Placeholder until the registry client lands (issue 5): refuses docker:// clearly.
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import type { ImageRecord } from '../../image-index.ts';
import type { FetchOptions } from '../../import/fetch-images.ts';

export async function pullDockerImage(_ctx: Ctx, reference: string, _opts: FetchOptions): Promise<ImageRecord> {
  throw new SkiffError('USAGE', `cannot fetch docker://${reference} yet`);
}
