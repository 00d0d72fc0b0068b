// Makes V8 compile ajv's standalone validators when their module is compiled, not on their
// first call. V8 compiles a function lazily, the first time it runs, unless it is wrapped in
// parentheses (its "PIFE" heuristic); Node's compile cache keeps only what was compiled with
// the module, so a lazy function is compiled again in every process. The pod manifest's
// validator alone took ~3 ms of every `skiff run` that way, twice (stage0 and stage1), where
// from the cache it costs ~0.3 ms to check a manifest. esbuild keeps these parentheses.
//
// The rewrite is textual, for ajv's output only: each top-level `function validateN(` at the
// start of a line becomes `var validateN = (function validateN(…){…});`, and the
// `export const x = validateN;` lines, which would now read an unset var, move to the end.

/** Index just past the `}` that closes the `{` at `open`, skipping strings, comments, regexes. */
function closingBrace(code: string, open: number): number {
  let depth = 0;
  const previous = (i: number): string => {
    let j = i - 1;
    while (j >= 0 && /\s/.test(code.charAt(j))) j--;
    return code.charAt(j);
  };
  for (let i = open; i < code.length; i++) {
    const c = code.charAt(i);
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < code.length && code.charAt(i) !== c; i++) if (code.charAt(i) === '\\') i++;
    } else if (c === '/' && code.charAt(i + 1) === '/') {
      i = code.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && code.charAt(i + 1) === '*') {
      i = code.indexOf('*/', i + 2) + 1;
      if (i <= 0) break;
    } else if (c === '/' && /[(,=:[!&|?{};]/.test(previous(i))) {
      // A regex literal (ajv escapes JSON pointers with /~/g and /\//g).
      let inClass = false;
      for (i++; i < code.length && (inClass || code.charAt(i) !== '/'); i++) {
        const r = code.charAt(i);
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
      }
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return i + 1;
    }
  }
  throw new Error(`eagerFunctions: no closing brace for the function body at offset ${open}`);
}

/** ajv standalone code with every top-level validator compiled eagerly (pure). */
export function eagerFunctions(code: string): string {
  const decl = /^function (validate\d+)\(/gm;
  let out = '';
  let pos = 0;
  for (let m = decl.exec(code); m !== null; m = decl.exec(code)) {
    // The parameter list destructures with a default (`{…}={}`): the body opens at `){`.
    const bodyOpen = code.indexOf('){', m.index);
    if (bodyOpen < 0) throw new Error(`eagerFunctions: no body for ${m[1]}`);
    const end = closingBrace(code, bodyOpen + 1);
    out += `${code.slice(pos, m.index)}var ${m[1]} = (${code.slice(m.index, end)});`;
    pos = end;
    decl.lastIndex = end;
  }
  out += code.slice(pos);
  const exports: string[] = [];
  const body = out.replace(/^export const \w+ = validate\d+;\n?/gm, (line) => {
    exports.push(line.trimEnd());
    return '';
  });
  return exports.length === 0 ? body : `${body.trimEnd()}\n${exports.join('\n')}\n`;
}
