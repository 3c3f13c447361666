/**
 * The audit's vocabulary: what probes observe (facts), what rules conclude (findings) and the report
 * both end up in. Everything here is plain data so reports serialise as they are.
 */
import type { Duplex } from 'node:stream';
import type { Protocol } from '../profiles/types';
import type { Severity } from '../policy/types';

/** One scale for audit findings and the policy's `blockOnSeverity`: defined once, in the policy types. */
export type { Severity };
export { SEVERITIES } from '../policy/types';

/**
 * Opens one probe connection to host:port and returns the stream (a TCP socket, a proxy tunnel, a
 * ProxyCommand's stdin/stdout, a jump host's `direct-tcpip` channel). Each call is a new connection.
 */
export type ProbeDial = (host: string, port: number) => Promise<Duplex>;

/** What a rule is, independent of any server (rules are data: see rules/ruleTable.ts). */
export interface AuditRule {
  id: string;
  /** The default severity; algorithm rules take each finding's severity from the algorithm table. */
  severity: Severity;
  title: string;
  why: string;
  /** The generic fix, used when the product is unknown or the remediation table has no row for it. */
  remediation: string;
  references: string[];
  /** The published baseline this rule follows (rules/baselines.ts). */
  baseline: BaselineId;
  /** `probe`: judged from the read-only probes; `login`: judged inside a logged-in session (auditLogin). */
  stage?: 'probe' | 'login';
}

/** The baselines rules cite (rules/baselines.ts holds their names and addresses). */
export type BaselineId = 'mozilla-openssh' | 'nist-800-52r2' | 'rfc4217' | 'nist-800-57' | 'nist-800-63b' | 'cis-controls';

/**
 * The server products the audit tells apart; each finding's fix is given in the product's own terms
 * (rules/remediation.ts). `win32-openssh` is Microsoft's port of OpenSSH; `proftpd-mod_sftp` is
 * ProFTPD's SFTP module (its SSH software string names mod_sftp).
 */
export type ProductId = 'iis-ftp' | 'vsftpd' | 'proftpd' | 'pure-ftpd' | 'filezilla-server' | 'openssh' | 'win32-openssh' | 'proftpd-mod_sftp';

export interface ProductFact {
  id: ProductId;
  /** Display name: "Microsoft IIS FTP", "vsftpd", "OpenSSH for Windows"… */
  name: string;
  version?: string;
  /** What told it (server text, escaped before display): `banner "220 Microsoft FTP Service"`, `SYST "215 Windows_NT"`. */
  evidence: string;
}

/** A server's grade: A (best) … F, rules as data in rules/grades.ts (docs/audit-grades.md). */
export type Grade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  /** What the server said or did that triggered the rule (server-supplied text: escape before display). */
  evidence: string;
  /**
   * What this finding is about when a rule fires once per thing (an algorithm, a host key, a TLS
   * version or suite, a product version): reports name it in the rule's row. Server text.
   */
  subject?: string;
  why: string;
  /** The fix in the detected product's own terms where the remediation table has them, else the rule's generic one. */
  remediation: string;
  /** The documentation the product-specific fix was checked against (absent for the generic fix). */
  remediationSource?: string;
  references: string[];
  /** The baseline the rule follows (rules/baselines.ts). */
  baseline?: BaselineId;
  /** `login`: seen inside a logged-in session (auditLogin), not by the read-only probes. */
  stage?: 'probe' | 'login';
}

/** The protocols an audit understands: the connectable ones plus plain `ftp` (audit only, never login). */
export type AuditProtocol = Protocol | 'ftp';

export interface AuditTarget {
  protocol: AuditProtocol;
  host: string;
  port: number;
  /** Only used as the user name of SSH's `none` request, which reveals the auth methods offered. */
  username?: string;
}

export type SshDirection = { clientToServer: string[]; serverToClient: string[] };

export interface SshKexInit {
  cookie: string;
  kex: string[];
  serverHostKey: string[];
  ciphers: SshDirection;
  macs: SshDirection;
  compression: SshDirection;
  languages: SshDirection;
  firstKexPacketFollows: boolean;
}

export interface SshHostKeyFact {
  /** The algorithm the handshake used (`rsa-sha2-512`), and the key blob's own type (`ssh-rsa`). */
  algorithm: string;
  keyType: string;
  /** RSA modulus or DSA p bits; ECDSA curve size; 256 for ed25519. */
  bits?: number;
  curve?: string;
  fingerprint: string;
}

export interface SshFacts {
  banner: string;
  /** Lines a server may send before its identification string (RFC 4253 §4.2). */
  preBannerLines: string[];
  protocolVersion: string;
  software: string;
  supportsSsh1: boolean;
  kexinit?: SshKexInit;
  strictKex: boolean;
  hostKeys: SshHostKeyFact[];
  /** Host key algorithms offered that this probe could not inspect (e.g. certificates, FIDO keys). */
  uninspectedHostKeyAlgorithms: string[];
  /** The answer to a `none` auth request; undefined when the probe could not ask. */
  authMethods?: string[];
  /** Problems met while probing (a timeout, a refused handshake): shown, never fatal. */
  notes: string[];
}

export type TlsVersionName = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface CertificateFact {
  subject: string;
  issuer: string;
  subjectAltName?: string;
  validFrom: string;
  validTo: string;
  daysLeft: number;
  selfSigned: boolean;
  /** OpenSSL's verify code when the chain is not trusted (`DEPTH_ZERO_SELF_SIGNED_CERT`…). */
  chainError?: string;
  hostnameMatches: boolean;
  keyType: string;
  keyBits?: number;
  signatureAlgorithm: string;
  fingerprint: string;
}

export interface TlsFacts {
  versions: Partial<Record<TlsVersionName, boolean>>;
  /** Weak suite families (`NULL`, `anonymous`, `export`, `RC4`, `3DES`, `static-RSA`) → an accepted suite name. */
  weakSuites: Record<string, string>;
  /** True when only CBC suites can be negotiated (no AEAD at all). */
  cbcOnly: boolean;
  forwardSecrecy: boolean;
  negotiated?: { protocol: string; cipher: string };
  certificate?: CertificateFact;
  notes: string[];
}

export interface FtpFacts {
  banner: string[];
  product?: { name: string; version?: string };
  /** The reply to SYST in clear before login (`215 Windows_NT`, `215 UNIX Type: L8`); server text. */
  syst?: string;
  feat: string[];
  authTls: boolean;
  /** Reply code to AUTH TLS in clear (explicit FTPS; 234 = go ahead). */
  authTlsReply?: number;
  /** Reply code to `USER anonymous` sent in clear on its own connection (undefined: not asked). */
  cleartextUserReply?: number;
  /**
   * Reply code to `PROT C` after AUTH TLS + PBSZ 0, before login. Servers such as vsftpd answer 200
   * here and refuse clear transfers later (522), so this alone decides nothing.
   */
  protCReply?: number;
  /**
   * After the opt-in anonymous login: PROT C, then a LIST over a clear data connection. `listed` is
   * true when the listing really crossed in clear — the only proof that clear data is allowed.
   */
  protCTransfer?: { protReply: number; listReply?: number; listed: boolean };
  cccOffered: boolean;
  /** Reply code to PASS after USER anonymous (checked by default; `--no-anonymous` skips it). */
  anonymousLoginReply?: number;
  /**
   * Where anonymous login works: whether the anonymous area could be listed (over TLS), and whether the
   * anonymous login works without TLS (USER anonymous / PASS in clear).
   */
  anonymous?: { listed?: boolean; listing?: string[]; withoutTls?: boolean };
  /** Opt-in: what a plaintext service on port 21 of the same host said. */
  plaintextPort?: { port: number; banner?: string; userReply?: number };
  tls?: TlsFacts;
  notes: string[];
}

export interface AuditFacts {
  ssh?: SshFacts;
  ftp?: FtpFacts;
}

export type { LoginFacts } from '../session/loginFacts';

/** Fingerprints the user already vouched for: pins, trust-store records, known_hosts entries. */
export interface KnownIdentity {
  fingerprint: string;
  /** Host key type (`ssh-ed25519`) when known; pins without a type match any key of the server. */
  keyType?: string;
  source: string;
}

export interface AuditReport {
  server: string;
  target: AuditTarget;
  probedAt: string;
  durationMs: number;
  findings: Finding[];
  facts: AuditFacts;
  /** The server product, where the probes could tell (rules/products.ts). */
  product?: ProductFact;
  /** The grade of these findings (rules/grades.ts). */
  grade?: Grade;
}

/**
 * What a logged-in session showed (auditLogin): findings of the connected session, never from an
 * extra login. Kept next to the probe report of the same server.
 */
export interface LoginAuditReport {
  server: string;
  checkedAt: string;
  findings: Finding[];
  facts: import('../session/loginFacts').LoginFacts;
}
