// Turning what Node's http/tls layers throw into one line a user can act on. Pure.
import { SkiffError } from '../../../common/errors.ts';

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  EAI_AGAIN: 'name lookup failed (temporary)',
  ENOTFOUND: 'no such host',
};

const TLS_CODES: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  CERT_NOT_YET_VALID: 'its TLS certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain ends in an untrusted self-signed CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate is signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its TLS certificate is signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'its TLS certificate is signed by an unknown CA',
  CERT_SIGNATURE_FAILURE: 'its TLS certificate has a bad signature',
  CERT_REVOKED: 'its TLS certificate was revoked',
};

/** What went wrong, as far as the one-line message and the http fallback care. */
type FailureKind = 'certificate' | 'not-tls' | 'tls' | 'network' | 'dropped' | 'other';

function classify(code: string, message: string): FailureKind {
  if (code in TLS_CODES) return 'certificate';
  // An https request answered in plain http: OpenSSL sees no TLS record.
  if (code === 'EPROTO' || /wrong version number|packet length too long|ssl3_get_record/i.test(message)) return 'not-tls';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) return 'tls';
  if (code in NETWORK_CODES) return 'network';
  if (code === 'ECONNABORTED' || message === 'aborted' || message === 'socket hang up') return 'dropped';
  return 'other';
}

function codeAndMessage(err: unknown): { code: string; message: string } {
  const e = err as NodeJS.ErrnoException | null;
  return { code: typeof e?.code === 'string' ? e.code : '', message: e instanceof Error ? e.message : String(err) };
}

/**
 * Whether the failure of a first exchange in TLS (Node's error, or the SkiffError made from it)
 * says the host does not speak TLS: it answered with bytes that are no TLS record, or reset or
 * dropped the connection at the ClientHello, as some plain http servers do. Only this lets
 * --insecure-options=http ask the host in plain http; a certificate that fails never does.
 */
export function saysNotTls(err: unknown): boolean {
  const { code, message } = codeAndMessage(err instanceof SkiffError ? err.cause : err);
  const kind = classify(code, message);
  return kind === 'not-tls' || kind === 'dropped' || (kind === 'network' && code === 'ECONNRESET');
}

/**
 * `hostPort` is what the user wrote (HOST or HOST:PORT) and `port` the port it means; `certsDir`
 * the certs.d directory a CA for it would go in, named in the hint.
 */
export function describeNetworkError(err: unknown, hostPort: string, port: number, certsDir: string): SkiffError {
  const { code, message } = codeAndMessage(err);
  switch (classify(code, message)) {
    case 'certificate': {
      // Only an unknown CA is fixed by adding one; an expired or misnamed certificate is the server's to fix.
      const unknownCa = /untrusted|unknown CA|self-signed/.test(TLS_CODES[code]!);
      return new SkiffError('TLS', `cannot trust ${hostPort}: ${TLS_CODES[code]}`, {
        hint: unknownCa
          ? `put its CA in ${certsDir}/ca.crt, or pass --insecure-options=tls to skip the check`
          : 'the server must present a valid certificate for this name; --insecure-options=tls skips the check',
        cause: err,
      });
    }
    case 'not-tls':
      return new SkiffError('TLS', `cannot talk TLS to ${hostPort}: it does not answer in TLS`, {
        hint: 'if it serves plain http, pass --insecure-options=http',
        cause: err,
      });
    case 'tls':
      return new SkiffError('TLS', `TLS with ${hostPort} failed: ${message}`, { cause: err });
    case 'network': {
      // Through HTTPS_PROXY/HTTP_PROXY the socket that failed is the proxy's: say so.
      const peer = err as { address?: string; port?: number } | null;
      if (peer?.address !== undefined && peer.port !== undefined && peer.port !== port) {
        return new SkiffError('NETWORK', `cannot reach ${hostPort} through the proxy ${peer.address}:${peer.port}: ${NETWORK_CODES[code]}`, {
          hint: 'check HTTPS_PROXY, HTTP_PROXY and NO_PROXY',
          cause: err,
        });
      }
      return new SkiffError('NETWORK', `cannot reach ${hostPort}: ${NETWORK_CODES[code]}`, { cause: err });
    }
    case 'dropped':
      return new SkiffError('NETWORK', `${hostPort} closed the connection`, { cause: err });
    case 'other':
      return new SkiffError('NETWORK', `cannot reach ${hostPort}: ${code || message}`, { cause: err });
  }
}
