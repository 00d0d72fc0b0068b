// The rewrite that puts ajv's validators in Node's compile cache: the code means the same
// afterwards, and every validator is a parenthesised function expression V8 compiles eagerly.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eagerFunctions } from '../../../scripts/eager-functions.ts';

// Shaped like ajv's standalone output: the export first, braces in strings, a comment that
// holds a quote, and the regex literals ajv uses for JSON pointers.
const SAMPLE = `"use strict";
export const check = validate1;
const schema1 = {"type":"object"};
function validate2(data, {instancePath="", rootData=data}={}){
/*# sourceURL="https://x/y.json" */;
if(typeof data !== "string"){
validate2.errors = [{instancePath,message:"must be a string with } and { in it"}];
return false;
}
validate2.errors = null;
return true;
}
function validate1(data, {instancePath="", rootData=data}={}){
let errors = 0;
for(const key0 in data){
if(!validate2(data[key0], {instancePath:instancePath+"/" + key0.replace(/~/g, "~0").replace(/\\//g, "~1")})){
validate1.errors = [{instancePath: instancePath + "/" + key0.replace(/~/g, "~0").replace(/\\//g, "~1"), message:'a \\'quoted\\' }'}];
errors++;
}
}
if(errors === 0){ validate1.errors = null; }
return errors === 0;
}
export const other = validate2;
`;

async function load(code: string): Promise<Record<string, (data: unknown) => boolean>> {
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, (data: unknown) => boolean>;
}

describe('eagerFunctions', () => {
  test('wraps each top-level validator in parentheses and moves the exports after them', () => {
    const out = eagerFunctions(SAMPLE);
    assert.doesNotMatch(out, /^function /m);
    assert.match(out, /^var validate2 = \(function validate2\(data/m);
    assert.match(out, /^var validate1 = \(function validate1\(data/m);
    assert.match(out, /return errors === 0;\n}\);\n/);
    assert.match(out, /\nexport const check = validate1;\nexport const other = validate2;\n$/);
  });

  test('the rewritten module validates as the original does', async () => {
    const [before, after] = await Promise.all([load(SAMPLE), load(eagerFunctions(SAMPLE))]);
    for (const data of [{ a: 'x', 'b/c': 'y' }, { 'a~/b': 1 }, {}]) {
      const want = before.check!(data);
      assert.equal(after.check!(data), want);
      assert.deepEqual((after.check as unknown as { errors: unknown }).errors, (before.check as unknown as { errors: unknown }).errors);
    }
    assert.equal(after.other!(3), false);
  });

  test('refuses code whose braces do not close', () => {
    assert.throws(() => eagerFunctions('function validate1(data, {a}={}){\nif (x) {\n'), /no closing brace/);
  });
});
