// Placeholder until HTTPS ACIs and appc discovery land (issue 5).
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import type { ImageRefKind } from '../../formats/image-ref.ts';
import type { ImageRecord } from '../../image-index.ts';
import type { FetchOptions } from '../../import/fetch-images.ts';

export async function fetchRemoteAci(_ctx: Ctx, ref: Extract<ImageRefKind, { kind: 'url' | 'name' }>, _opts: FetchOptions): Promise<ImageRecord> {
  throw new SkiffError('USAGE', `cannot fetch ${ref.kind === 'url' ? ref.url : ref.name} yet`);
}
