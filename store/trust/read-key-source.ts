// Where `skiff trust` gets a key from: a file, or an https URL (the publisher's key page, as
// rkt's trust fetched it). The bytes are returned as they are: armored or binary.
import fs from 'node:fs';
import type { Ctx } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';

/** Key files are a few kilobytes; a keyring of many keys stays far below this. */
const MAX_KEY_BYTES = 1024 * 1024;

export function isKeyUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export async function readKeySource(ctx: Ctx, source: string, env: Readonly<Record<string, string | undefined>>): Promise<Uint8Array> {
  return isKeyUrl(source) ? fetchKey(ctx, source, env) : readKeyFile(source);
}

function readKeyFile(file: string): Uint8Array {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SkiffError('USAGE', `no such key file: ${file}`);
    throw wrap(err, `reading key ${file}`);
  }
  if (!st.isFile()) throw new SkiffError('USAGE', `${file} is not a file`);
  if (st.size > MAX_KEY_BYTES) throw new SkiffError('IMAGE_FORMAT', `${file} is ${st.size} bytes: too large for a public key`);
  return fs.readFileSync(file);
}

async function fetchKey(ctx: Ctx, url: string, env: Readonly<Record<string, string | undefined>>): Promise<Uint8Array> {
  const { createHttpClient } = await import('../remote/http/client.ts');
  using client = createHttpClient(ctx, { env });
  const what = `the key at ${url}`;
  const res = await client.request({ url, what, headers: { accept: 'application/pgp-keys, */*' } });
  if (res.status !== 200) {
    res.discard();
    throw new SkiffError('HTTP_STATUS', `${what}: the server answered HTTP ${res.status}`);
  }
  return res.bytes(MAX_KEY_BYTES);
}
