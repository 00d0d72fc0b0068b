// Members of the `skiff` group may read pod state (status, list) without root, as DESIGN asks:
// pod directories are made group-readable and handed to that group when it exists.
import fs from 'node:fs';
import { parseGroup } from '../../common/passwd.ts';

export const SKIFF_GROUP = 'skiff';

export function skiffGroupId(groupFile = '/etc/group'): number | undefined {
  try {
    return parseGroup(fs.readFileSync(groupFile, 'utf8')).find((g) => g.name === SKIFF_GROUP)?.gid;
  } catch {
    return undefined;
  }
}

/** Creates a pod directory readable by the skiff group (0750), or by root only when there is none. */
export function mkdirPodDir(dir: string): void {
  const gid = skiffGroupId();
  fs.mkdirSync(dir, { mode: gid === undefined ? 0o700 : 0o750 });
  if (gid !== undefined) {
    fs.chownSync(dir, 0, gid);
    fs.chmodSync(dir, 0o750); // mkdir's mode went through the umask
  }
}
