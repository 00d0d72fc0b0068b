import type { Argv } from 'yargs';
import { SkiffError } from '../../common/errors.ts';

/** A pod named by UUID, unique prefix, or --uuid-file (accepted wherever a UUID is). */
export function withPodRef(y: Argv): Argv {
  return y
    .positional('uuid', { type: 'string', describe: 'pod UUID or unique prefix' })
    .option('uuid-file', { type: 'string', describe: 'read the pod UUID from this file (see --uuid-file-save)' });
}

export async function podRefFrom(args: { uuid?: string; 'uuid-file'?: string }): Promise<string> {
  if (args.uuid) return args.uuid;
  if (args['uuid-file']) {
    const { readUuidFile } = await import('../pods/find-pod.ts');
    return readUuidFile(args['uuid-file']);
  }
  throw new SkiffError('USAGE', 'give the pod UUID or --uuid-file');
}
