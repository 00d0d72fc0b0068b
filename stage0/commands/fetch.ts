import { defineCommand } from '../command.ts';
import { parseSize } from '../../common/size.ts';

interface FetchArgs {
  images: string[];
  'max-image-size'?: string;
}

export default defineCommand<FetchArgs>({
  command: 'fetch <images..>',
  describe: 'import images (ACI, OCI layout dir or tar, docker-archive tar) into the store; prints one image ID per line',
  builder: (y) =>
    y
      .positional('images', { type: 'string', array: true, describe: 'FILE, DIR, oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG]' })
      .option('max-image-size', { type: 'string', describe: 'refuse images larger than this uncompressed (e.g. 20G)' })
      .example('skiff --insecure-options=image fetch busybox.aci', 'import an unsigned local ACI'),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { fetchImages } = await import('../../store/import/fetch-images.ts');
    const ctx = createCtxFor(args, { progress: true });
    if (args['max-image-size']) ctx.limits.maxImageBytes = parseSize(args['max-image-size']);
    const result = await fetchImages(ctx, { refs: args.images });
    for (const img of result.images) args.$env.out.line(img.id);
  },
});
