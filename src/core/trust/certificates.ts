/**
 * TLS certificate trust for FTPS: which CAs to trust, how a pin or a remembered certificate is
 * honoured, and what to tell the user when a certificate is refused.
 *
 * Verification is never switched off. A certificate nobody vouches for fails the first handshake
 * (its peer certificate is captured, see certTls.ts); once a pin, the trust store or the user
 * vouches for it, the next handshake trusts exactly that leaf: it is added to `ca` and
 * `checkServerIdentity` requires its fingerprint.
 */
import { serverText } from '../displayText';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { SecurityRefusal, UsageError, type ErrorCode, type ErrorDetails } from '../errors';
import { CA_FILE, readBoundedFile } from '../fsutil';
import type { ServerAddress } from '../profiles/types';
import { hostPort, serverOrigin } from '../profiles/serverAddress';
import { normalizeFingerprint } from '../syntax/fingerprint';
import { sha256Fingerprint } from './fingerprint';
import type { TrustStore } from './trustStore';
import type { TrustDecider, TrustQuestion } from './types';

export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

export interface CertificatePolicy {
  server: Pick<ServerAddress, 'protocol' | 'host' | 'port'>;
  /** Pinned `SHA256:<base64>` (or openssl hex) fingerprints of the server's leaf certificate. */
  pinned?: string[];
  /** A PEM file of CA certificates trusted in addition to the system's. */
  caFile?: string;
  /** The name to verify, when it differs from the host. */
  servername?: string;
  /** Never below TLS 1.2; a profile may raise it to 1.3. */
  minVersion?: TlsMinVersion;
  trustStore: TrustStore;
  decide: TrustDecider;
  /** For tests: the time certificates are judged at. */
  now?: () => Date;
}

/** Why a certificate is not trusted on its own; the order is the order of severity. */
export type CertificateProblem = 'expired' | 'not-yet-valid' | 'invalid' | 'hostname-mismatch' | 'untrusted';

interface ProblemInfo {
  /** SecurityRefusal code. */
  code: ErrorCode;
  /** Part of a sentence: "the certificate …". */
  text: string;
  /** Whether a pin, the trust store or the user may still vouch for the certificate. */
  vouchable: boolean;
}

const PROBLEMS: Readonly<Record<CertificateProblem, ProblemInfo>> = {
  expired: { code: 'certificate-expired', text: 'has expired', vouchable: false },
  'not-yet-valid': { code: 'certificate-not-yet-valid', text: 'is not valid yet (check the clocks)', vouchable: false },
  invalid: { code: 'certificate-invalid', text: 'failed verification', vouchable: false },
  'hostname-mismatch': { code: 'certificate-hostname-mismatch', text: 'does not name this host', vouchable: true },
  untrusted: { code: 'certificate-untrusted', text: 'is self-signed or not issued by a trusted CA', vouchable: true },
};
const SEVERITY = Object.keys(PROBLEMS) as CertificateProblem[];

/** OpenSSL verification codes (as Node reports them) that mean "nobody we trust issued this". */
const UNTRUSTED_CHAIN_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);
/** What our checkServerIdentity reports when the leaf is not the pinned or vouched-for one. */
export const LEAF_MISMATCH_CODE = 'ERR_SECURE_TRANSFER_LEAF_MISMATCH';
/** Codes whose meaning is re-derived from the certificate itself (dates, names, our own pin check). */
const DERIVED_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', LEAF_MISMATCH_CODE]);

/**
 * Leaves vouched for earlier in this process (by server, then fingerprint → PEM), so later
 * connections need one handshake, not two. The trust store keeps fingerprints only.
 */
const vouchedLeaves = new Map<string, Map<string, string>>();

function leavesOf(server: Pick<ServerAddress, 'host' | 'port'>): Map<string, string> {
  const key = hostPort(server);
  let leaves = vouchedLeaves.get(key);
  if (!leaves) vouchedLeaves.set(key, (leaves = new Map()));
  return leaves;
}

export function certificateFingerprint(raw: Uint8Array): string {
  return sha256Fingerprint(raw);
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate block in a PEM text (other blocks, e.g. keys, are ignored). */
export function pemBlocks(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

export function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** The fingerprint of the first certificate in a PEM text (what `openssl x509 -fingerprint -sha256` shows). */
export function fingerprintOfPem(pem: string): string {
  return certificateFingerprint(new X509Certificate(pem).raw);
}

export async function readCaFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = (await readBoundedFile(file, CA_FILE)).toString('utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`The CA file ${file} cannot be read (${code}): set "caFile" to a readable PEM file of CA certificates.`, 'bad-ca-file');
  }
  const blocks = pemBlocks(text);
  if (blocks.length === 0) {
    throw new UsageError(`The CA file ${file} contains no PEM certificate: "caFile" must hold "-----BEGIN CERTIFICATE-----" blocks.`, 'bad-ca-file');
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw new UsageError(`The CA file ${file} contains a certificate that cannot be parsed: replace it with a valid PEM certificate.`, 'bad-ca-file');
    }
  }
  return blocks;
}

/** `RSA 2048`, `EC prime256v1`, `ED25519`: what the question and the trust store show. */
export function describeKey(raw: Uint8Array): string {
  const key = new X509Certificate(Buffer.from(raw)).publicKey;
  const type = (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  const details = key.asymmetricKeyDetails;
  if (details?.modulusLength) return `${type} ${details.modulusLength}`;
  if (details?.namedCurve) return `${type} ${details.namedCurve}`;
  return type;
}

export interface CertificateFacts {
  fingerprint: string;
  keyType: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** The leaf as PEM, to be trusted exactly when somebody vouches for it. */
  pem: string;
}

export function certificateFacts(cert: tls.PeerCertificate): CertificateFacts {
  const x509 = new X509Certificate(cert.raw);
  return {
    fingerprint: certificateFingerprint(cert.raw),
    keyType: describeKey(cert.raw),
    subject: oneLine(x509.subject),
    issuer: oneLine(x509.issuer),
    validFrom: new Date(x509.validFrom).toISOString(),
    validTo: new Date(x509.validTo).toISOString(),
    pem: derToPem(cert.raw),
  };
}

/** A distinguished name on one line. Its values are whatever the certificate's maker wrote: escaped here. */
function oneLine(dn: string): string {
  return serverText(dn.split('\n').filter(Boolean).join(', '));
}

/**
 * Everything wrong with a certificate, from the handshake's verification code and the certificate
 * itself (dates and names are checked here too: OpenSSL reports only one code).
 */
export function assessCertificate(
  cert: tls.PeerCertificate,
  hostname: string,
  verifyCode: string | undefined,
  now = new Date(),
): CertificateProblem[] {
  const x509 = new X509Certificate(cert.raw);
  const problems = new Set<CertificateProblem>();
  if (now.getTime() > new Date(x509.validTo).getTime() || verifyCode === 'CERT_HAS_EXPIRED') problems.add('expired');
  if (now.getTime() < new Date(x509.validFrom).getTime() || verifyCode === 'CERT_NOT_YET_VALID') problems.add('not-yet-valid');
  if (tls.checkServerIdentity(hostname, cert) !== undefined) problems.add('hostname-mismatch');
  if (verifyCode && UNTRUSTED_CHAIN_CODES.has(verifyCode)) problems.add('untrusted');
  else if (verifyCode && !DERIVED_CODES.has(verifyCode)) problems.add('invalid');
  return SEVERITY.filter((p) => problems.has(p));
}

/**
 * What to do with a certificate the handshake did not accept on its own: trust exactly this leaf
 * (and maybe remember it), let ordinary CA verification decide (a CA-valid certificate met a stale
 * vouched-for leaf), or refuse.
 */
export type Verdict =
  | { trust: 'leaf'; remember: boolean }
  | { trust: 'ca' }
  | { trust: false; code: ErrorCode; message: string; details?: ErrorDetails };

/**
 * Builds the TLS options for one server and judges certificates that fail them. One instance per
 * connection attempt sequence; it remembers which leaf was vouched for.
 */
export class CertificateVerifier {
  private trustedLeaf?: { fingerprint: string; pem: string };

  private constructor(
    private readonly policy: CertificatePolicy,
    private readonly pins: string[],
    private readonly extraCAs: string[],
  ) {
    const cached = [...leavesOf(policy.server).entries()].find(([fp]) => this.pins.includes(fp));
    if (cached) this.trustedLeaf = { fingerprint: cached[0], pem: cached[1] };
  }

  static async create(policy: CertificatePolicy): Promise<CertificateVerifier> {
    const pins = (policy.pinned ?? []).map((p) => normalizeFingerprint(p, `The pinned fingerprint for ${policy.server.host}`));
    const extraCAs = policy.caFile ? await readCaFile(policy.caFile) : [];
    const verifier = new CertificateVerifier(policy, pins, extraCAs);
    if (!verifier.trustedLeaf && pins.length === 0) await verifier.reuseRememberedLeaf();
    return verifier;
  }

  get hostname(): string {
    return this.policy.servername ?? this.policy.server.host;
  }

  /** The fingerprint that was vouched for (pin, trust store or decision), if any. */
  get vouchedFingerprint(): string | undefined {
    return this.trustedLeaf?.fingerprint;
  }

  /** Options for `tls.connect` (also used for every data connection). */
  tlsOptions(): tls.ConnectionOptions {
    const extra = [...this.extraCAs, ...(this.trustedLeaf ? [this.trustedLeaf.pem] : [])];
    return {
      host: this.policy.server.host,
      // SNI must be a DNS name; an IP literal is verified without it.
      ...(isIpLiteral(this.hostname) ? {} : { servername: this.hostname }),
      minVersion: this.policy.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
      // Without extra CAs Node's default store (including NODE_EXTRA_CA_CERTS) applies untouched.
      ...(extra.length > 0 ? { ca: [...tls.rootCertificates, ...extra] } : {}),
      checkServerIdentity: (host, cert) => this.checkIdentity(host, cert),
    };
  }

  /**
   * Runs after the chain verified. A pin (or a vouched leaf) is the identity: the fingerprint must
   * match, whatever the name says. Otherwise the usual hostname check applies.
   */
  private checkIdentity(host: string, cert: tls.PeerCertificate): Error | undefined {
    const accepted = this.trustedLeaf ? [this.trustedLeaf.fingerprint] : this.pins;
    if (accepted.length > 0) {
      if (accepted.includes(certificateFingerprint(cert.raw))) return undefined;
      return Object.assign(new Error('The certificate is not the trusted one.'), { code: LEAF_MISMATCH_CODE });
    }
    return tls.checkServerIdentity(host, cert);
  }

  /**
   * Decides about a certificate a handshake refused. Resolves when somebody vouches for it (the next
   * handshake then trusts exactly this leaf); rejects with a SecurityRefusal otherwise.
   */
  async vouchFor(cert: tls.PeerCertificate, verifyCode: string | undefined): Promise<void> {
    const facts = certificateFacts(cert);
    const now = this.policy.now?.() ?? new Date();
    const verdict = await this.judge(facts, assessCertificate(cert, this.hostname, verifyCode, now));
    if (verdict.trust === false) throw new SecurityRefusal(verdict.message, verdict.code, { details: verdict.details });
    if (verdict.trust === 'leaf' && this.trustedLeaf?.fingerprint === facts.fingerprint) {
      // Trusted exactly and still refused: the chain cannot be built from the leaf alone.
      throw new SecurityRefusal(
        `${this.where()} presented the trusted certificate ${facts.fingerprint}, but TLS still refused it (${verifyCode ?? 'unknown reason'}): its issuer is missing, so add the issuing CA with "caFile".`,
        'certificate-chain-incomplete',
      );
    }
    if (verdict.trust === 'ca') {
      this.trustedLeaf = undefined;
      return;
    }
    if (verdict.remember) {
      await this.policy.trustStore.remember({
        kind: 'certificate',
        protocol: this.policy.server.protocol,
        host: this.policy.server.host,
        port: this.policy.server.port,
        fingerprint: facts.fingerprint,
        keyType: facts.keyType,
      });
    }
    this.trustedLeaf = { fingerprint: facts.fingerprint, pem: facts.pem };
    leavesOf(this.policy.server).set(facts.fingerprint, facts.pem);
  }

  private async judge(facts: CertificateFacts, problems: CertificateProblem[]): Promise<Verdict> {
    if (this.pins.length > 0) {
      if (!this.pins.includes(facts.fingerprint)) return this.changed(facts, this.pins, 'pinned');
      const hard = problems.find((p) => !PROBLEMS[p].vouchable);
      return hard ? this.refuse(facts, [hard]) : { trust: 'leaf', remember: false };
    }
    // Only a stale vouched-for leaf refuses a certificate the CAs and the hostname check accept.
    if (problems.length === 0) return { trust: 'ca' };
    const hard = problems.find((p) => !PROBLEMS[p].vouchable);
    if (hard) return this.refuse(facts, problems);
    const records = await this.policy.trustStore.find('certificate', this.policy.server.host, this.policy.server.port);
    if (records.some((r) => r.fingerprint === facts.fingerprint)) return { trust: 'leaf', remember: false };
    if (records.length > 0) return this.changed(facts, records.map((r) => r.fingerprint), 'remembered');
    const decision = await this.policy.decide(this.question(facts, problems));
    if (decision === 'reject') return this.refuse(facts, problems);
    return { trust: 'leaf', remember: decision === 'remember' };
  }

  private question(facts: CertificateFacts, problems: CertificateProblem[]): TrustQuestion {
    return {
      kind: 'certificate',
      server: { protocol: this.policy.server.protocol, host: this.policy.server.host, port: this.policy.server.port },
      fingerprint: facts.fingerprint,
      keyType: facts.keyType,
      reason: `The certificate ${problems.map((p) => PROBLEMS[p].text).join(' and ')}.`,
      details: { subject: facts.subject, issuer: facts.issuer, validFrom: facts.validFrom, validTo: facts.validTo },
    };
  }

  private refuse(facts: CertificateFacts, problems: CertificateProblem[]): Verdict {
    const first = problems[0] ?? 'untrusted';
    const fix = PROBLEMS[first].vouchable
      ? `if you trust it, pin it with "fingerprints": ["${facts.fingerprint}"] in the profile (or --fingerprint ${facts.fingerprint})`
      : 'the server administrator must install a valid certificate';
    return {
      trust: false,
      code: PROBLEMS[first].code,
      message: `${this.where()} refused: its certificate ${problems.map((p) => PROBLEMS[p].text).join(' and ')} (${this.describe(facts)}); ${fix}.`,
    };
  }

  private changed(facts: CertificateFacts, expected: string[], how: 'pinned' | 'remembered'): Verdict {
    const fix =
      how === 'pinned'
        ? 'if the server really has a new certificate, verify it with the administrator and update the pinned fingerprint'
        : 'if the server really has a new certificate, verify it with the administrator and forget the remembered one (Replace Pinned Key…)';
    return {
      trust: false,
      code: 'certificate-changed',
      details: { server: { host: this.policy.server.host, port: this.policy.server.port }, expected, presented: facts.fingerprint },
      message: `${this.where()} refused: its certificate CHANGED — expected ${expected.join(' or ')} (${how}) but got ${facts.fingerprint} (${this.describe(facts)}); this may be an attack, so ${fix}.`,
    };
  }

  private describe(facts: CertificateFacts): string {
    return `fingerprint ${facts.fingerprint}, subject ${facts.subject}, issuer ${facts.issuer}, valid ${facts.validFrom} to ${facts.validTo}`;
  }

  private where(): string {
    return serverOrigin(this.policy.server);
  }

  /** A leaf remembered earlier in this process for this server skips the failing first handshake. */
  private async reuseRememberedLeaf(): Promise<void> {
    const records = await this.policy.trustStore.find('certificate', this.policy.server.host, this.policy.server.port);
    for (const r of records) {
      const pem = leavesOf(this.policy.server).get(r.fingerprint);
      if (pem) {
        this.trustedLeaf = { fingerprint: r.fingerprint, pem };
        return;
      }
    }
  }
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
