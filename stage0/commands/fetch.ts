import { defineCommand } from '../command.ts';
import { parseSize } from '../../common/size.ts';

interface FetchArgs {
  images: string[];
  'max-image-size'?: string;
  'pull-policy': 'never' | 'new' | 'update';
  platform?: string;
  signature?: string;
}

export default defineCommand<FetchArgs>({
  command: 'fetch <images..>',
  describe: 'fetch images (docker://, https:// ACIs, appc names, local ACI/OCI/docker-archive) into the store; prints one image ID per line',
  builder: (y) =>
    y
      .positional('images', {
        type: 'string',
        array: true,
        describe: 'docker://HOST/REPO[:TAG|@DIGEST], https://…/x.aci, NAME[:VERSION], FILE, DIR, oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG]',
      })
      .option('pull-policy', {
        choices: ['never', 'new', 'update'] as const,
        default: 'update' as const,
        describe: 'never: the store only; new: fetch what the store lacks; update: ask the source again',
      })
      .option('platform', { type: 'string', describe: 'os/arch[/variant] to pick from a manifest list (default linux/amd64)' })
      .option('signature', { type: 'string', describe: 'detached OpenPGP signature of the local ACI (default: FILE.asc beside it)' })
      .option('max-image-size', { type: 'string', describe: 'refuse images larger than this uncompressed (e.g. 20G)' })
      .example('skiff fetch docker://registry.example.com/app:1.2', 'pull an image from a registry')
      .example('skiff fetch example.com/app:1.0', 'find an ACI by appc discovery and check its signature')
      .example('skiff --insecure-options=image fetch busybox.aci', 'import an unsigned local ACI'),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { fetchImages } = await import('../../store/import/fetch-images.ts');
    const ctx = createCtxFor(args, { progress: true });
    if (args['max-image-size']) ctx.limits.maxImageBytes = parseSize(args['max-image-size']);
    const result = await fetchImages(ctx, {
      refs: args.images,
      pullPolicy: args['pull-policy'],
      ...(args.platform === undefined ? {} : { platform: args.platform }),
      ...(args.signature === undefined ? {} : { signature: args.signature }),
      env: process.env,
    });
    for (const img of result.images) args.$env.out.line(img.id);
    // A fetch that did its work: what V8 compiled of the path is worth keeping (common/code-cache.ts).
    ctx.codeCache?.save();
  },
});
