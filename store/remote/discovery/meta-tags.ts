// The `ac-discovery` and `ac-discovery-pubkeys` meta tags of a discovery page. Pages are
// whatever a web server returns (a CMS theme, an error page, junk), so this is a small
// tolerant scanner rather than a parser: it finds `<meta …>` start tags outside comments and
// raw-text elements (a `<meta>` inside a script is text, as browsers and Go's tokenizer see it),
// reads their attributes however they are quoted, and ignores everything else. Pure.

export interface AcMeta {
  name: 'ac-discovery' | 'ac-discovery-pubkeys';
  /** The name prefix this tag applies to (`example.com`). */
  prefix: string;
  /** A URL template (ac-discovery) or a key URL (ac-discovery-pubkeys). */
  value: string;
}

/** Elements whose content is text, never markup. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript']);

/** Every ac-discovery / ac-discovery-pubkeys tag in document order. */
export function parseAcMetaTags(html: string): AcMeta[] {
  const out: AcMeta[] = [];
  for (const attrs of scanMetaTags(html)) {
    const name = attrs.get('name')?.trim().toLowerCase();
    if (name !== 'ac-discovery' && name !== 'ac-discovery-pubkeys') continue;
    const content = attrs.get('content')?.trim() ?? '';
    const space = content.search(/\s/);
    if (space === -1) continue; // a prefix with nothing after it
    const prefix = content.slice(0, space);
    const value = content.slice(space).trim();
    if (prefix !== '' && value !== '') out.push({ name, prefix, value });
  }
  return out;
}

/** The attributes of each `<meta>` start tag (lowercased names, entity-decoded values). */
export function scanMetaTags(html: string): Map<string, string>[] {
  const tags: Map<string, string>[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    const nameMatch = /^<([A-Za-z][A-Za-z0-9-]*)/.exec(html.slice(lt, lt + 64));
    if (!nameMatch) {
      i = lt + 1;
      continue;
    }
    const tagName = nameMatch[1]!.toLowerCase();
    const { attrs, end } = readAttributes(html, lt + nameMatch[0].length);
    i = end;
    if (tagName === 'meta') tags.push(attrs);
    else if (RAW_TEXT.has(tagName)) i = skipRawText(html, i, tagName);
  }
  return tags;
}

function skipRawText(html: string, from: number, tagName: string): number {
  const close = html.toLowerCase().indexOf(`</${tagName}`, from);
  return close === -1 ? html.length : close;
}

/** Reads attributes from just after the tag name up to the closing `>` (or the end of input). */
function readAttributes(html: string, from: number): { attrs: Map<string, string>; end: number } {
  const attrs = new Map<string, string>();
  let i = from;
  const skipSpace = (): void => {
    while (i < html.length && /[\s/]/.test(html[i]!)) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= html.length) return { attrs, end: i };
    if (html[i] === '>') return { attrs, end: i + 1 };
    const nameStart = i;
    while (i < html.length && !/[\s/>=]/.test(html[i]!)) i++;
    const name = html.slice(nameStart, i).toLowerCase();
    while (i < html.length && /\s/.test(html[i]!)) i++;
    let value = '';
    if (html[i] === '=') {
      i++;
      while (i < html.length && /\s/.test(html[i]!)) i++;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        value = html.slice(i + 1, close === -1 ? html.length : close);
        i = close === -1 ? html.length : close + 1;
      } else {
        const valueStart = i;
        while (i < html.length && !/[\s>]/.test(html[i]!)) i++;
        value = html.slice(valueStart, i);
      }
    }
    // The first of a repeated attribute counts, as in HTML.
    if (name !== '' && !attrs.has(name)) attrs.set(name, decodeEntities(value));
  }
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** The entities a URL in an attribute plausibly carries; unknown ones stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}
