import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheEntryName, createCodeCache, entryData, entryHeader, entrySource } from '../../../common/code-cache.ts';

// Sources in these tests were all written just now: a clock 10 s ahead lets them be cached.
const LATER = () => Date.now() + 10_000;

// A module with one big function that runs only when asked: V8 compiles it lazily, so only a
// cache taken after the call holds it.
const SOURCE = [
  'exports.where = () => ({ filename: __filename, dirname: __dirname, hasRequire: typeof require("node:path").join === "function" });',
  'exports.big = function big(n) {',
  ...Array.from({ length: 200 }, (_, i) => `  n = (n * ${i + 3} + ${i}) % 1000003;`),
  '  return n;',
  '};',
  'exports.thisIsExports = this === exports;',
].join('\n');

describe('code cache: entry format (pure)', () => {
  it('names an entry by the base name and a hash of the whole path', () => {
    const a = cacheEntryName('/a/dist/stage0/run.cjs');
    assert.match(a, /^run\.cjs-[0-9a-f]{16}\.v8$/);
    assert.equal(cacheEntryName('/a/dist/stage0/run.cjs'), a);
    assert.notEqual(cacheEntryName('/b/dist/stage0/run.cjs'), a);
    assert.match(cacheEntryName('/x/we ird\n.cjs'), /^we_ird_\.cjs-[0-9a-f]{16}\.v8$/);
  });

  it('gives the data only to the header it was written with', () => {
    const header = entryHeader('/p/run.cjs', '1:2:3:4:5', 'v24.0.0 x64');
    const bytes = Buffer.concat([Buffer.from(header), Buffer.from([1, 2, 3])]);
    assert.deepEqual([...entryData(bytes, header)!], [1, 2, 3]);
    assert.equal(entryData(bytes, entryHeader('/p/run.cjs', '1:2:3:4:6', 'v24.0.0 x64')), undefined);
    assert.equal(entryData(bytes, entryHeader('/p/run.cjs', '1:2:3:4:5', 'v25.0.0 x64')), undefined);
    assert.equal(entryData(Buffer.from(header), header), undefined, 'a header without data');
    assert.equal(entryData(undefined, header), undefined);
    assert.equal(entrySource(bytes), '/p/run.cjs');
    assert.equal(entrySource(Buffer.from('something else\n{}\n')), undefined);
    assert.equal(entrySource(Buffer.from('skiff-code-cache 1\n{"file":1}\n')), undefined);
  });
});

describe('code cache: loading and saving', () => {
  let dir: string;
  let cacheDir: string;
  let file: string;
  const entryFile = () => path.join(cacheDir, cacheEntryName(file));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-code-cache-'));
    cacheDir = path.join(dir, 'cache');
    file = path.join(dir, 'mod.cjs');
    fs.writeFileSync(file, SOURCE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the file as CommonJS: exports, this, require from its directory, __filename, __dirname', () => {
    const mod = createCodeCache(undefined).load(file) as { where(): unknown; thisIsExports: boolean };
    assert.deepEqual(mod.where(), { filename: file, dirname: dir, hasRequire: true });
    assert.equal(mod.thisIsExports, true);
  });

  it('keeps the functions compiled after loading: an entry saved after a call is larger', () => {
    const first = createCodeCache(cacheDir, LATER);
    first.load(file);
    first.save();
    const before = fs.statSync(entryFile()).size;
    fs.rmSync(entryFile());
    const second = createCodeCache(cacheDir, LATER);
    assert.equal((second.load(file) as { big(n: number): number }).big(7) > 0, true);
    second.save();
    assert.ok(fs.statSync(entryFile()).size > before + 1000, `${fs.statSync(entryFile()).size} against ${before} bytes`);
    assert.equal(fs.statSync(entryFile()).mode & 0o777, 0o600);
  });

  it('uses a valid entry and writes nothing more; a changed source gets a new one', () => {
    const first = createCodeCache(cacheDir, LATER);
    first.load(file);
    first.save();
    const ino = fs.statSync(entryFile()).ino;
    const second = createCodeCache(cacheDir, LATER);
    assert.equal((second.load(file) as { big(n: number): number }).big(7), (createCodeCache(undefined).load(file) as { big(n: number): number }).big(7));
    second.save();
    assert.equal(fs.statSync(entryFile()).ino, ino, 'the entry was accepted, so not written again');
    fs.writeFileSync(file, SOURCE.replace('n * 3 +', 'n * 4 +'));
    const third = createCodeCache(cacheDir, LATER);
    third.load(file);
    third.save();
    assert.notEqual(fs.statSync(entryFile()).ino, ino, 'same length, another stamp: a new entry');
    assert.equal(entrySource(fs.readFileSync(entryFile())), file);
  });

  it('ignores an entry others can write, and replaces it', () => {
    const first = createCodeCache(cacheDir, LATER);
    first.load(file);
    first.save();
    fs.chmodSync(entryFile(), 0o666);
    const ino = fs.statSync(entryFile()).ino;
    const second = createCodeCache(cacheDir, LATER);
    second.load(file);
    second.save();
    assert.notEqual(fs.statSync(entryFile()).ino, ino);
    assert.equal(fs.statSync(entryFile()).mode & 0o777, 0o600);
  });

  it('writes no entry for a source changed in the last two seconds', () => {
    const cache = createCodeCache(cacheDir);
    cache.load(file);
    cache.save();
    assert.equal(fs.existsSync(entryFile()), false);
  });

  it('drops entries whose source is gone when it writes one', () => {
    const other = path.join(dir, 'other.cjs');
    fs.writeFileSync(other, 'exports.x = 1;');
    const first = createCodeCache(cacheDir, LATER);
    first.load(other);
    first.save();
    const otherEntry = path.join(cacheDir, cacheEntryName(other));
    assert.equal(fs.existsSync(otherEntry), true);
    fs.writeFileSync(path.join(cacheDir, 'unrelated.v8'), 'not an entry');
    fs.rmSync(other);
    const second = createCodeCache(cacheDir, LATER);
    second.load(file);
    second.save();
    assert.equal(fs.existsSync(otherEntry), false);
    assert.equal(fs.existsSync(path.join(cacheDir, 'unrelated.v8')), false, 'no header: not ours to keep');
    assert.equal(fs.existsSync(entryFile()), true);
    // An entry of a live source under another name (an older naming) goes too.
    fs.copyFileSync(entryFile(), path.join(cacheDir, 'renamed.v8'));
    fs.appendFileSync(file, '\n');
    const third = createCodeCache(cacheDir, LATER);
    third.load(file);
    third.save();
    assert.equal(fs.existsSync(path.join(cacheDir, 'renamed.v8')), false);
    assert.equal(fs.existsSync(entryFile()), true);
  });

  it('without a directory, or with one it cannot create, still loads and never throws on save', () => {
    const none = createCodeCache(undefined, LATER);
    none.load(file);
    none.save();
    fs.writeFileSync(path.join(dir, 'blocker'), '');
    const blocked = createCodeCache(path.join(dir, 'blocker', 'cache'), LATER);
    blocked.load(file);
    assert.doesNotThrow(() => blocked.save());
  });

  it('imports an ES module for the code it loaded', async () => {
    const esm = path.join(dir, 'm.mjs');
    fs.writeFileSync(esm, 'export const answer = 42;');
    const ns = (await createCodeCache(undefined).import(pathToFileURL(esm).href)) as { answer: number };
    assert.equal(ns.answer, 42);
  });
});
