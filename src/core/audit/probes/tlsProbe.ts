/**
 * TLS probes: which protocol versions and weak suite families a server accepts, and its certificate.
 * Each probe is one handshake attempt on a fresh connection. A suite or version counts as accepted
 * once keys are agreed (Node's `keylog` event), before certificate checks, so no probe has to turn
 * verification off; the certificate is read at the OCSP status step, also before verification.
 * Nothing is sent after the handshake: each connection is closed as soon as it is decided.
 */
import { isIP, type Socket } from 'node:net';
import * as tls from 'node:tls';
import type { TlsFacts, TlsVersionName } from '../types';
import { describeCertificate } from './certificate';

/** Opens a socket that is ready for a TLS ClientHello (after AUTH TLS for explicit FTPS). */
export type TlsOpener = () => Promise<Socket>;

export interface HandshakeOutcome {
  accepted: boolean;
  protocol?: string;
  cipher?: string;
  /** DER of the leaf certificate, when the server sent one. */
  certificate?: Buffer;
  /** Why verification failed (OpenSSL's code), or undefined when the chain and name verified. */
  verifyError?: string;
  /** Why the handshake did not happen (alert, reset, our OpenSSL cannot offer the suites). */
  failure?: string;
}

/** Lowered security level: OpenSSL 3 will not even offer TLS 1.0/1.1 or weak suites otherwise. */
const LEGACY = ':@SECLEVEL=0';

/** Versions below TLS 1.3, each probed alone (TLS 1.3 is known from the first, offer-everything handshake). */
const VERSION_PROBES: ReadonlyArray<{ version: TlsVersionName; ciphers: string }> = [
  { version: 'TLSv1', ciphers: 'DEFAULT' + LEGACY },
  { version: 'TLSv1.1', ciphers: 'DEFAULT' + LEGACY },
  { version: 'TLSv1.2', ciphers: 'ALL' + LEGACY },
];

/** Weak suite families, each probed with an OpenSSL cipher string under TLS ≤ 1.2. */
export const WEAK_SUITE_PROBES: Readonly<Record<string, string>> = {
  NULL: 'eNULL',
  anonymous: 'aNULL:!eNULL',
  export: 'EXPORT',
  RC4: 'RC4',
  '3DES': '3DES',
};
const STATIC_RSA = 'kRSA';
const AEAD = 'AESGCM:CHACHA20:AESCCM:ARIAGCM';
const FORWARD_SECRET = 'kECDHE:kDHE:!aNULL:!eNULL';

/** OpenSSL verify codes (`CERT_HAS_EXPIRED`), not errnos (`ECONNRESET`) nor Node's `ERR_…` codes. */
function isVerifyCode(code: string): boolean {
  return /^[A-Z0-9_]+$/.test(code) && code.includes('_') && !code.startsWith('ERR_');
}

export interface TlsHandshakeOptions {
  host: string;
  timeoutMs: number;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
}

export function tryHandshake(open: TlsOpener, opts: TlsHandshakeOptions): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    const out: HandshakeOutcome = { accepted: false };
    let done = false;
    let socket: tls.TLSSocket | undefined;
    const finish = (failure?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (failure && !out.accepted) out.failure = failure;
      socket?.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => finish('no TLS answer in time'), opts.timeoutMs);
    open().then(
      (raw) => {
        if (done) return raw.destroy();
        try {
          // requestOCSP is a TLSSocket option tls.connect passes through (absent from its typings).
          const options: tls.ConnectionOptions & { requestOCSP: boolean } = {
            socket: raw,
            ...(isIP(opts.host) ? {} : { servername: opts.host }),
            minVersion: opts.minVersion,
            maxVersion: opts.maxVersion,
            ciphers: opts.ciphers,
            requestOCSP: true,
          };
          socket = tls.connect(options);
        } catch (err) {
          raw.destroy();
          return finish(`this OpenSSL cannot offer ${opts.ciphers}: ${(err as Error).message}`);
        }
        const s = socket;
        // Keys agreed means the server accepted this version and suite; verification comes after.
        const record = () => {
          out.accepted = true;
          out.protocol = s.getProtocol() ?? out.protocol;
          out.cipher = s.getCipher()?.name ?? out.cipher;
        };
        s.on('keylog', record);
        s.on('OCSPResponse', () => {
          out.certificate ??= s.getPeerX509Certificate()?.raw;
        });
        s.on('secureConnect', () => {
          out.accepted = true;
          out.certificate ??= s.getPeerX509Certificate()?.raw;
          finish();
        });
        s.on('error', (err: NodeJS.ErrnoException) => {
          if (out.accepted && err.code && isVerifyCode(err.code)) out.verifyError = err.code;
          finish(err.code ? `${err.message} (${err.code})` : err.message);
        });
        s.on('close', () => finish('the server closed the connection'));
      },
      (err: Error) => finish(err.message),
    );
  });
}

export interface TlsProbeResult {
  facts: TlsFacts;
  /** The leaf certificate, so a follow-up session can pin exactly it. */
  certificateDer?: Buffer;
}

/** Whether this machine's OpenSSL can offer any suite of a cipher string (decided locally, no connection). */
function canOffer(ciphers: string): boolean {
  try {
    tls.createSecureContext({ ciphers, minVersion: 'TLSv1', maxVersion: 'TLSv1.2' });
    return true;
  } catch {
    return false;
  }
}

/**
 * One handshake offering everything learns the best version and the certificate; the others probe
 * only what that cannot tell (older versions, weak families), all at once. TLS 1.3 implies forward
 * secrecy and AEAD, so those two probes run only without it. Fewer connections keep slow forking
 * servers (ProFTPD sets up TLS per connection) within the audit's time.
 */
export async function probeTls(open: TlsOpener, host: string, timeoutMs: number): Promise<TlsProbeResult> {
  const notes: string[] = [];
  const first = await tryHandshake(open, { host, timeoutMs, minVersion: 'TLSv1', ciphers: 'DEFAULT' + LEGACY });
  const best = first.accepted ? (first.protocol as TlsVersionName | undefined) : undefined;
  const has13 = best === 'TLSv1.3';
  const versionProbes = VERSION_PROBES.filter((p) => p.version !== best);
  const families = Object.entries(WEAK_SUITE_PROBES).filter(([family, ciphers]) => {
    if (canOffer(ciphers + LEGACY)) return true;
    notes.push(`${family} suites were not tested: this machine's OpenSSL cannot offer them.`);
    return false;
  });
  const suite = (ciphers: string) => tryHandshake(open, { host, timeoutMs, minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: ciphers + LEGACY });
  const skipped = Promise.resolve<HandshakeOutcome>({ accepted: false });
  const [versionResults, weakResults, staticRsa, aead, forwardSecret] = await Promise.all([
    Promise.all(versionProbes.map((p) => tryHandshake(open, { host, timeoutMs, minVersion: p.version, maxVersion: p.version, ciphers: p.ciphers }))),
    Promise.all(families.map(([, ciphers]) => suite(ciphers))),
    suite(STATIC_RSA),
    has13 ? skipped : suite(AEAD),
    has13 ? skipped : suite(FORWARD_SECRET),
  ]);
  const versions: TlsFacts['versions'] = { 'TLSv1.3': has13 };
  if (best) versions[best] = true;
  versionProbes.forEach((p, i) => (versions[p.version] = versionResults[i].accepted));
  const weakSuites: Record<string, string> = {};
  families.forEach(([family], i) => {
    if (weakResults[i].accepted) weakSuites[family] = weakResults[i].cipher ?? family;
  });
  if (staticRsa.accepted) weakSuites['static-RSA'] = staticRsa.cipher ?? 'kRSA';
  const anyLegacy = versions.TLSv1 || versions['TLSv1.1'] || versions['TLSv1.2'];
  const certificateDer = first.certificate ?? versionResults.find((r) => r.certificate)?.certificate;
  if (!first.accepted) notes.push(`The TLS handshake failed: ${first.failure ?? 'no answer'}.`);
  const facts: TlsFacts = {
    versions,
    weakSuites,
    cbcOnly: !has13 && !!anyLegacy && !aead.accepted,
    forwardSecrecy: has13 || forwardSecret.accepted,
    negotiated: first.protocol && first.cipher ? { protocol: first.protocol, cipher: first.cipher } : undefined,
    // A name mismatch is judged from the certificate itself (hostnameMatches), not as a chain problem.
    certificate: certificateDer ? describeCertificate(certificateDer, host, first.verifyError) : undefined,
    notes,
  };
  return { facts, certificateDer };
}
