// The download blob writer against a temp data dir: a blob appears under its digest only once
// complete and verified, a wrong digest or an abort leaves nothing, and write() pushes back
// while too much waits for the disk. Small batch, backlog and sync sizes exercise each path.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { digestOf, type Digest } from '../../../common/ids.ts';
import * as layout from '../../../common/layout.ts';
import { createAsyncBlobWriter } from '../../../store/async-blob-writer.ts';
import { ensureStore } from '../../../store/store-dirs.ts';

const SMALL = { batchBytes: 3000, maxPending: 10_000, syncEvery: 20_000 };

function chunksOf(total: number, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < total; off += size) {
    const n = Math.min(size, total - off);
    const c = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) c[i] = ((off + i) * 131) & 0xff;
    out.push(c);
  }
  return out;
}

const sha256Of = (chunks: Buffer[]): Digest => digestOf('sha256', createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));

describe('createAsyncBlobWriter', () => {
  let dataDir: string;
  const tmpEntries = (): string[] => fs.readdirSync(layout.casTmpDir(dataDir));
  const blobs = (): string[] => fs.readdirSync(layout.casAlgoDir(dataDir, 'sha256'));

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-async-blob-'));
    ensureStore(dataDir);
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('commits the bytes under their digest, batched and synced along the way', async () => {
    const chunks = chunksOf(100_000, 1_000);
    const expected = sha256Of(chunks);
    await using w = createAsyncBlobWriter(dataDir, 'sha256', SMALL);
    for (const c of chunks) await w.write(c);
    assert.equal(w.size, 100_000);
    assert.equal(await w.commit(expected), expected);
    assert.ok(fs.readFileSync(layout.casBlobPath(dataDir, expected)).equals(Buffer.concat(chunks)));
    assert.deepEqual(tmpEntries(), []);
  });

  test('a blob smaller than one batch is written at commit', async () => {
    const chunks = [Buffer.from('hello '), Buffer.from('world')];
    await using w = createAsyncBlobWriter(dataDir, 'sha256');
    for (const c of chunks) assert.equal(w.write(c), undefined);
    const digest = await w.commit();
    assert.equal(fs.readFileSync(layout.casBlobPath(dataDir, digest), 'utf8'), 'hello world');
  });

  test('a wrong digest stores nothing and says which digest it got', async () => {
    const chunks = chunksOf(50_000, 4_096);
    const got = sha256Of(chunks);
    const wrong = digestOf('sha256', 'ab'.repeat(32));
    await using w = createAsyncBlobWriter(dataDir, 'sha256', SMALL);
    for (const c of chunks) await w.write(c);
    await assert.rejects(w.commit(wrong), {
      code: 'DIGEST_MISMATCH',
      message: `content has digest ${got}, expected ${wrong}`,
      hint: 'the source is corrupt or was tampered with; nothing was stored',
    });
    assert.deepEqual(blobs(), []);
    assert.deepEqual(tmpEntries(), []);
  });

  test('an abort with writes under way leaves nothing, and later writes are refused', async () => {
    const w = createAsyncBlobWriter(dataDir, 'sha256', { batchBytes: 1, maxPending: 1 << 30 });
    for (const c of chunksOf(200_000, 10_000)) w.write(c);
    assert.equal(tmpEntries().length, 1);
    await w.abort();
    assert.deepEqual(tmpEntries(), []);
    assert.throws(() => w.write(Buffer.from('x')), { code: 'IO', message: /aborted$/ });
    await w.abort();
    assert.deepEqual(blobs(), []);
  });

  test('leaving the scope without a commit (a failed download) removes the temp file', async () => {
    await assert.rejects(async () => {
      await using w = createAsyncBlobWriter(dataDir, 'sha256', SMALL);
      for (const c of chunksOf(30_000, 1_000)) await w.write(c);
      throw new Error('connection reset');
    }, /connection reset/);
    assert.deepEqual(tmpEntries(), []);
    assert.deepEqual(blobs(), []);
  });

  test('write() pushes back once maxPending bytes wait, and lets go below half of it', async () => {
    await using w = createAsyncBlobWriter(dataDir, 'sha256', { batchBytes: 1 << 20, maxPending: 8_000, syncEvery: 1 << 30 });
    // Below one batch nothing goes to the disk on its own, so the backlog only grows...
    assert.equal(w.write(Buffer.alloc(4_000, 1)), undefined);
    assert.equal(w.write(Buffer.alloc(3_999, 2)), undefined);
    // ...until it reaches maxPending: then write() waits, and the small batch is flushed anyway.
    const full = w.write(Buffer.alloc(1, 3));
    assert.ok(full instanceof Promise);
    await full;
    assert.equal(w.write(Buffer.alloc(10, 4)), undefined);
    const digest = await w.commit();
    const onDisk = fs.readFileSync(layout.casBlobPath(dataDir, digest));
    assert.equal(onDisk.length, 8_010);
    assert.deepEqual([onDisk[0], onDisk[4_000], onDisk[7_999], onDisk[8_009]], [1, 2, 3, 4]);
  });

  test('commit twice, or write after commit, is refused', async () => {
    await using w = createAsyncBlobWriter(dataDir, 'sha256');
    w.write(Buffer.from('x'));
    await w.commit();
    await assert.rejects(w.commit(), { code: 'INTERNAL' });
    assert.throws(() => w.write(Buffer.from('y')), { code: 'INTERNAL' });
  });

  test('two writers of the same blob both succeed and keep one copy', async () => {
    const chunks = chunksOf(20_000, 1_000);
    const expected = sha256Of(chunks);
    const a = createAsyncBlobWriter(dataDir, 'sha256', SMALL);
    const b = createAsyncBlobWriter(dataDir, 'sha256', SMALL);
    for (const c of chunks) {
      await a.write(c);
      await b.write(c);
    }
    assert.deepEqual(await Promise.all([a.commit(expected), b.commit(expected)]), [expected, expected]);
    assert.deepEqual(blobs(), [expected.slice('sha256:'.length)]);
    assert.deepEqual(tmpEntries(), []);
  });
});
