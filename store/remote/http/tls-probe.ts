// Whether a host speaks TLS at all, found out without a CA set. Under --insecure-options=http a
// registry is asked in https first and in plain http only when it does not answer in TLS; the
// verified context for that first try (Node's CAs and the system's, ~170 certificates parsed)
// costs 15-25 ms of CPU, all of it wasted on a plain http host. The probe sends the ClientHello
// Node's https would send (same SNI, same protocol defaults: a server cannot tell them apart)
// and nothing else: no request, no credentials. It has no CAs and trusts nothing; it only looks
// at whether the answer is TLS, then destroys the socket. A host that answers in TLS is then
// asked over verified https, exactly as strictly as without the probe.
import net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { saysNotTls } from './network-error.ts';

export type TlsProbeVerdict = 'tls' | 'plain';

export interface TlsProbeTarget {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** How long to wait for the server's answer to the ClientHello. */
  answerTimeoutMs: number;
}

/**
 * 'tls' once the server answers in TLS (the handshake completes, or fails with a TLS alert or
 * error); 'plain' when it answers with bytes that are no TLS record or drops the connection at
 * the ClientHello (what a plain http server does). Rejects with Node's error when the host
 * cannot be reached at all (refused, unknown, timed out): that is no verdict.
 */
export function probeTls(t: TlsProbeTarget): Promise<TlsProbeVerdict> {
  return new Promise((resolve, reject) => {
    // `ca: []` is no CAs at all; leaving it out would load Node's bundled set.
    const secureContext = tls.createSecureContext({ ca: [] });
    const socket: TLSSocket = tls.connect({
      host: t.host,
      port: t.port,
      // https sends the host name as SNI, and no SNI for an address.
      ...(net.isIP(t.host) === 0 ? { servername: t.host } : {}),
      secureContext,
      // Nothing from this handshake is trusted or used: only its shape is looked at.
      rejectUnauthorized: false,
    });
    let timer = setTimeout(() => fail(timedOut('connect')), t.connectTimeoutMs);
    const settle = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const fail = (err: Error): void => {
      settle();
      reject(err);
    };
    socket.once('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(timedOut('read')), t.answerTimeoutMs);
    });
    socket.once('secureConnect', () => {
      settle();
      resolve('tls');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      settle();
      if (saysNotTls(err)) resolve('plain');
      else if (typeof err.code === 'string' && /^ERR_(SSL|TLS)_/.test(err.code)) resolve('tls');
      else reject(err);
    });
    // A close without an error before any verdict: the server hung up on the ClientHello.
    socket.once('close', () => resolve('plain'));
  });
}

function timedOut(what: string): Error {
  return Object.assign(new Error(`${what} timed out`), { code: 'ETIMEDOUT' });
}
