// Turns the first ajv error into one line a user can act on: the JSON pointer of the bad
// value, what it must be, and what it was. Regex patterns are named in words, because
// `must match pattern "^[a-z0-9]([a-z0-9._~/-]*[a-z0-9])?$"` tells nobody what to change.
import type { SchemaError } from './generated/validators.mjs';

/** Every `pattern` used in common/schemas/*.schema.json, in words (a unit test keeps them in step). */
export const PATTERN_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  '^[a-z0-9]([a-z0-9._~/-]*[a-z0-9])?$':
    'must be an AC identifier: lowercase letters, digits and -._~/, starting and ending with a letter or digit',
  '^[a-z0-9]+([-./][a-z0-9]+)*$': 'must be an AC name: lowercase letters and digits, separated by single - . or /',
  '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$':
    'must be a semantic version such as 0.8.11',
  '^/': 'must be an absolute path',
  '^(sha512-[0-9a-f]{128}|sha256:[0-9a-f]{64})$': 'must be a full image ID (sha512-<128 hex> or sha256:<64 hex>)',
  '^[^=\\u0000]+$': 'must be a variable name without "="',
  '^0?[0-7]{3,4}$': 'must be an octal file mode such as 0755',
  '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$':
    'must be a media type such as application/vnd.oci.image.manifest.v1+json',
  '^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$': 'must be a digest such as sha256:<hex>',
});

const MAX_SHOWN = 80;

export function describeSchemaError(err: SchemaError, data: unknown): string {
  const at = err.instancePath === '' ? '/' : err.instancePath;
  const value = valueAt(data, err.instancePath);
  const p = err.params;
  switch (err.keyword) {
    case 'required':
      return `${err.instancePath}/${escapePointer(String(p.missingProperty))} is required`;
    case 'pattern': {
      const pattern = String(p.pattern);
      return `${at} ${PATTERN_DESCRIPTIONS[pattern] ?? `must match ${pattern}`}, not ${showValue(value)}`;
    }
    case 'enum':
      return `${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, not ${showValue(value)}`;
    case 'const':
      return `${at} must be ${JSON.stringify(p.allowedValue)}, not ${showValue(value)}`;
    case 'type':
      // ajv reports `type: ["array", "null"]` as "must be array,null".
      return `${at} must be ${String(p.type).split(',').join(' or ')}, not ${typeName(value)}`;
    default:
      return `${at} ${err.message ?? `fails ${err.keyword}`}`;
  }
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The value a JSON pointer names, or undefined when it names nothing. */
export function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function showValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'string' ? 'a string' : typeof value === 'number' ? 'a number' : `a ${typeof value}`} (${showValue(value)})`;
}
