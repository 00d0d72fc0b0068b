// The ahead-of-time build itself: every schema compiles under ajv's strict mode, the module is
// plain ESM (no require) with one export per schema, and the patterns users may hit have words.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSchemas, rewriteRuntimeRequires, SCHEMA_EXPORTS } from '../../../../scripts/build-schemas.ts';
import { PATTERN_DESCRIPTIONS } from '../../../../common/schemas/schema-errors.ts';

const SCHEMAS_DIR = path.join(import.meta.dirname, '..', '..', '..', '..', 'common', 'schemas');

describe('buildSchemas', () => {
  test('writes one ESM module of validators and its typings', async () => {
    // Inside the repo (generated/ is gitignored) so the module can resolve ajv's runtime.
    fs.mkdirSync(path.join(SCHEMAS_DIR, 'generated'), { recursive: true });
    const out = fs.mkdtempSync(path.join(SCHEMAS_DIR, 'generated', 'test-'));
    try {
      await buildSchemas(out);
      const code = fs.readFileSync(path.join(out, 'validators.mjs'), 'utf8');
      assert.doesNotMatch(code, /\brequire\(/);
      assert.match(code, /^import ajvRuntime_ucs2length from "ajv\/dist\/runtime\/ucs2length\.js";$/m);
      // Compiled with the module, so Node's compile cache keeps them (scripts/eager-functions.ts).
      assert.doesNotMatch(code, /^function validate/m);
      assert.match(code, /^var validate\d+ = \(function validate\d+\(/m);
      const mod = (await import(pathToFileURL(path.join(out, 'validators.mjs')).href)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(mod).sort(), Object.keys(SCHEMA_EXPORTS).sort());
      for (const name of Object.keys(SCHEMA_EXPORTS)) assert.equal(typeof mod[name], 'function', name);
      const dts = fs.readFileSync(path.join(out, 'validators.d.mts'), 'utf8');
      for (const name of Object.keys(SCHEMA_EXPORTS)) assert.match(dts, new RegExp(`export declare const ${name}: SchemaValidator;`));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('refuses a schema whose $id does not match its file name', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-schemas-src-'));
    try {
      fs.writeFileSync(path.join(dir, 'x.schema.json'), JSON.stringify({ $id: 'https://skiff.dev/schemas/y.schema.json', type: 'object' }));
      await assert.rejects(buildSchemas(path.join(dir, 'out'), dir), /x\.schema\.json: \$id must be https:\/\/skiff\.dev\/schemas\/x\.schema\.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rewriteRuntimeRequires', () => {
  test('turns runtime requires into imports after "use strict"', () => {
    const out = rewriteRuntimeRequires('"use strict";const f = require("ajv/dist/runtime/equal").default;');
    assert.equal(out, '"use strict";\nimport ajvRuntime_equal from "ajv/dist/runtime/equal.js";\nconst f = ajvRuntime_equal.default;');
  });

  test('fails loudly on a require it does not know', () => {
    assert.throws(() => rewriteRuntimeRequires('const x = require("other");'), /still call require/);
  });
});

describe('schema files', () => {
  const files = fs.readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json'));

  test('every pattern has a description for error messages', () => {
    const patterns = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'pattern' && typeof v === 'string') patterns.add(v);
          else walk(v);
        }
      }
    };
    for (const f of files) walk(JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, f), 'utf8')));
    assert.ok(patterns.size > 5);
    for (const p of patterns) assert.ok(PATTERN_DESCRIPTIONS[p], `no description for pattern ${p}`);
    for (const p of Object.keys(PATTERN_DESCRIPTIONS)) assert.ok(patterns.has(p), `description for unused pattern ${p}`);
  });

  test('are draft-07 with an $id named after the file', () => {
    for (const f of files) {
      const s = JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, f), 'utf8')) as { $schema: string; $id: string };
      assert.equal(s.$schema, 'http://json-schema.org/draft-07/schema#', f);
      assert.equal(s.$id, `https://skiff.dev/schemas/${f}`, f);
    }
  });
});
