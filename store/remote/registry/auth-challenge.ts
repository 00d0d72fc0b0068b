// Parsing `WWW-Authenticate` (RFC 7235): one or more challenges, each a scheme followed by
// comma-separated auth-params, values bare or quoted. Registries send
// `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"`
// or `Basic realm="Registry"`. Pure.

export interface AuthChallenge {
  /** Lowercased: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lowercased, values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseAuthChallenges(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const headers = typeof header === 'string' ? [header] : header;
  return headers.flatMap(parseOne);
}

function parseOne(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let s = header;
  let current: AuthChallenge | undefined;
  const skip = (re: RegExp): void => {
    s = s.replace(re, '');
  };
  for (skip(/^[\s,]+/); s.length > 0; skip(/^[\s,]+/)) {
    const tok = TOKEN.exec(s);
    if (!tok) return out; // malformed: keep what was understood
    s = s.slice(tok[0].length);
    skip(/^\s*/);
    if (s.startsWith('=') && current !== undefined) {
      skip(/^=\s*/);
      current.params[tok[0].toLowerCase()] = readValue();
    } else {
      // A token not followed by `=` starts the next challenge (token68 forms are not used by registries).
      current = { scheme: tok[0].toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;

  function readValue(): string {
    if (!s.startsWith('"')) {
      const m = /^[^\s,]*/.exec(s)!;
      s = s.slice(m[0].length);
      return m[0];
    }
    let value = '';
    let i = 1;
    for (; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      value += s[i];
    }
    s = s.slice(i + 1);
    return value;
  }
}

/** The challenge skiff answers: Bearer if offered (the token flow), else Basic. */
export function pickChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
