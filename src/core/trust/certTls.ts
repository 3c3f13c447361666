/**
 * TLS handshakes that keep the server's certificate when they fail, so the user can be shown (and
 * can pin) exactly what was refused. Verification stays on: a refused handshake is destroyed by
 * Node before any application byte is sent.
 */
import * as tls from 'node:tls';
import { CancelledError } from '../errors';
import type { CertificateVerifier } from './certificates';

/** A handshake that failed; `peerCertificate` is set when the server got as far as presenting one. */
export class TlsHandshakeError extends Error {
  constructor(
    override readonly cause: Error,
    readonly peerCertificate?: tls.PeerCertificate,
  ) {
    super(cause.message);
    this.name = 'TlsHandshakeError';
  }

  /** OpenSSL's verification code (`DEPTH_ZERO_SELF_SIGNED_CERT`) or Node's (`ERR_TLS_CERT_ALTNAME_INVALID`). */
  get code(): string | undefined {
    return (this.cause as NodeJS.ErrnoException).code;
  }
}

/**
 * OpenSSL's reason in words ("wrong version number") instead of its multi-line error string
 * ("80…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…c:354:").
 */
export function tlsFailureReason(err: Error): string {
  const openssl = /SSL routines:[^:]*:([^:]+):/.exec(err.message);
  if (openssl) return openssl[1].trim();
  return err.message.split('\n')[0].trim().replace(/\.$/, '');
}

export interface OpenedTls {
  socket: tls.TLSSocket;
  /** The newest session ticket seen so far (TLS 1.3 sends them after the handshake). */
  latestSession(): Buffer | undefined;
}

/**
 * `tls.connect` that resolves once the handshake is verified. The server certificate is captured
 * just before Node's own verification (`secure` runs our listener first), because a refused socket
 * is destroyed before its error is emitted.
 */
export function openTls(options: tls.ConnectionOptions, timeoutMs: number, signal?: AbortSignal): Promise<OpenedTls> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    let peer: tls.PeerCertificate | undefined;
    let session: Buffer | undefined;
    const socket = tls.connect(options);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', finish);
      socket.removeListener('secureConnect', onSecure);
      if (!err) return resolve({ socket, latestSession: () => session });
      socket.destroy();
      reject(err instanceof CancelledError ? err : new TlsHandshakeError(err, peer));
    };
    const onSecure = (): void => finish();
    const onAbort = (): void => finish(new CancelledError());
    const timer = setTimeout(() => finish(new Error(`the TLS handshake took longer than ${timeoutMs} ms`)), timeoutMs);
    socket.prependListener('secure', () => {
      const cert = socket.getPeerCertificate(true);
      if (cert?.raw) peer = cert;
    });
    socket.on('session', (s: Buffer) => (session = s));
    socket.once('secureConnect', onSecure);
    socket.once('error', finish);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` (a whole connection: TCP, any STARTTLS step, handshake) with the verifier's TLS
 * options. When a handshake refuses a certificate, the verifier decides (pin, trust store, user);
 * if somebody vouches for it, the attempt runs again trusting exactly that leaf.
 */
export async function withTrustedTls<T>(
  verifier: CertificateVerifier,
  attempt: (options: tls.ConnectionOptions) => Promise<T>,
): Promise<T> {
  const maxAttempts = 3;
  for (let n = 1; ; n++) {
    try {
      return await attempt(verifier.tlsOptions());
    } catch (err) {
      if (!(err instanceof TlsHandshakeError) || !err.peerCertificate || n >= maxAttempts) throw err;
      await verifier.vouchFor(err.peerCertificate, err.code);
    }
  }
}
