// What the blob store relies on when it writes downloaded chunks later without copying them
// (async-blob-writer.ts): every chunk of a resumable body is memory of its own, never reused by
// the socket, the HTTP parser or a resume, so chunks kept to the end still hold their bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LIMITS, parseInsecureOptions, type Ctx } from '../../../../../common/context.ts';
import { createSilentLogger } from '../../../../../common/log.ts';
import { createHttpClient, type HttpClient } from '../../../../../store/remote/http/client.ts';
import { createResumableBody } from '../../../../../store/remote/http/resumable-body.ts';

const BLOB = Buffer.alloc(3_000_000);
for (let i = 0; i < BLOB.length; i++) BLOB[i] = (i * 131 + (i >> 16)) & 0xff;

/** No two chunks share a byte of memory. */
function assertDisjoint(chunks: Buffer[]): void {
  const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
  for (const c of chunks) {
    const ranges = byBuffer.get(c.buffer) ?? [];
    ranges.push([c.byteOffset, c.byteOffset + c.length]);
    byBuffer.set(c.buffer, ranges);
  }
  for (const ranges of byBuffer.values()) {
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i]![0] >= ranges[i - 1]![1], 'two chunks share memory');
  }
}

describe('createResumableBody chunks', () => {
  let server: http.Server;
  let base: string;
  let client: HttpClient;
  let drops = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      // In pieces of odd sizes, so socket reads and body chunks do not line up; /drop breaks
      // off once half-way and then ignores Range (a 200 with the whole body: the skip path).
      res.writeHead(200, { 'content-length': String(BLOB.length) });
      const stopAt = req.url === '/drop' && drops++ === 0 ? BLOB.length / 2 : BLOB.length;
      let off = 0;
      const next = (): void => {
        if (off >= stopAt) return void (stopAt < BLOB.length ? res.destroy() : res.end());
        const n = Math.min(77_777, stopAt - off);
        const piece = BLOB.subarray(off, off + n);
        off += n;
        if (res.write(piece)) setImmediate(next);
        else res.once('drain', next);
      };
      next();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ctx: Ctx = {
      dataDir: '/nonexistent',
      config: { local: '/nonexistent/local', system: '/nonexistent/system' },
      log: await createSilentLogger(),
      host: undefined as never,
      insecure: parseInsecureOptions('http'),
      limits: DEFAULT_LIMITS,
    };
    client = createHttpClient(ctx, { env: {} });
  });

  after(() => {
    client.close();
    server.close();
  });

  for (const [name, url] of [['a whole body', '/whole'], ['a body resumed from a 200', '/drop']] as const) {
    test(`${name}: chunks kept to the end still hold their bytes`, async () => {
      const request = { url: `${base}${url}`, what: 'the blob' };
      const resumes: number[] = [];
      const body = createResumableBody({ client, request, first: await client.request(request), expectedSize: BLOB.length, onResume: (n) => resumes.push(n) });
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      assert.equal(resumes.length, url === '/drop' ? 1 : 0);
      assert.ok(chunks.length > 10, `only ${chunks.length} chunks`);
      assertDisjoint(chunks);
      assert.ok(Buffer.concat(chunks).equals(BLOB));
    });
  }
});
