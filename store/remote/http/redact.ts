// What --debug may print of an HTTP exchange: never credentials. Pure.

/** Query parameters whose values are secrets (signed blob URLs, tokens in the query). */
const SECRET_PARAM = /sig|signature|token|key|credential|auth|secret|password|policy/i;

/** The URL with user:password and secret-looking query values replaced by `…`. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '<invalid url>';
  }
  if (u.username || u.password) {
    u.username = u.username ? '…' : '';
    u.password = u.password ? '…' : '';
  }
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) u.searchParams.set(key, '…');
  }
  // URLSearchParams encodes the ellipsis; show it as written.
  return u.href.replaceAll('%E2%80%A6', '…');
}

