/**
 * When each rule fires: one small detector per rule id, each turning facts into evidence. The rule
 * table says what a finding means; this table only decides whether (and how severe, for algorithm
 * rules) it applies. A detector returns one hit per thing found, so each weak algorithm is its own finding.
 */
import type { AuditFacts, AuditTarget, CertificateFact, KnownIdentity, Severity, SshFacts } from '../types';
import { isCbcCipher, isEtmMac, isPostQuantumKex, judgeAlgorithm, type AlgorithmCategory } from './sshAlgorithms';
import { isWeakSignature } from '../probes/certificate';
import { VERSION_RULES, versionMatches, detectProduct, type VersionRule } from './versionRules';

export interface Hit {
  evidence: string;
  /** What the finding is about, named in a report's row (an algorithm, a key, a TLS version); server text. */
  subject?: string;
  /** Overrides the rule's default severity (algorithm and version rules). */
  severity?: Severity;
  reference?: string;
}

export interface DetectorInput {
  target: AuditTarget;
  facts: AuditFacts;
  known: KnownIdentity[];
  now: number;
}

type Detector = (input: DetectorInput) => Hit[];

const EXPIRY_WARNING_DAYS = 30;
const union = (d: { clientToServer: string[]; serverToClient: string[] }) => [...new Set([...d.clientToServer, ...d.serverToClient])];

/** The names a server offers in one algorithm category (both directions merged). */
function offered(ssh: SshFacts, category: AlgorithmCategory): string[] {
  const k = ssh.kexinit;
  if (!k) return [];
  const lists: Record<AlgorithmCategory, string[]> = {
    kex: k.kex,
    hostKey: k.serverHostKey,
    cipher: union(k.ciphers),
    mac: union(k.macs),
    compression: union(k.compression),
  };
  return lists[category];
}

const CATEGORY_LABEL: Readonly<Record<AlgorithmCategory, string>> = {
  kex: 'key exchange',
  hostKey: 'host key algorithm',
  cipher: 'cipher',
  mac: 'MAC',
  compression: 'compression',
};

/** Findings for one category at a severity (the `info` ones go to the unknown/compression rules). */
function weakAlgorithms(category: AlgorithmCategory): Detector {
  return ({ facts }) =>
    facts.ssh
      ? offered(facts.ssh, category).flatMap((name) => {
          const v = judgeAlgorithm(category, name);
          const isUnknownOrInfo = v.severity === 'ok' || v.severity === 'info';
          return isUnknownOrInfo ? [] : [{ evidence: `${CATEGORY_LABEL[category]} ${name} offered: ${v.reason}`, subject: name, severity: v.severity as Severity }];
        })
      : [];
}

const ALL_CATEGORIES: AlgorithmCategory[] = ['kex', 'hostKey', 'cipher', 'mac', 'compression'];

function unknownAlgorithms({ facts }: DetectorInput): Hit[] {
  if (!facts.ssh) return [];
  const ssh = facts.ssh;
  return ALL_CATEGORIES.flatMap((c) =>
    offered(ssh, c)
      .filter((name) => judgeAlgorithm(c, name).severity === 'info' && !(c === 'compression' && name === 'zlib'))
      .map((name) => ({ evidence: `${CATEGORY_LABEL[c]} ${name} offered`, subject: name })),
  );
}

function terrapin({ facts }: DetectorInput): Hit[] {
  const ssh = facts.ssh;
  if (!ssh?.kexinit || ssh.strictKex) return [];
  const ciphers = offered(ssh, 'cipher');
  const macs = offered(ssh, 'mac');
  const chacha = ciphers.filter((c) => c === 'chacha20-poly1305@openssh.com');
  const cbc = ciphers.filter(isCbcCipher);
  const etm = macs.filter(isEtmMac);
  const reasons = [
    ...(chacha.length ? ['chacha20-poly1305@openssh.com offered'] : []),
    ...(cbc.length && etm.length ? [`CBC cipher ${cbc[0]} with EtM MAC ${etm[0]} offered`] : []),
  ];
  return reasons.length ? [{ evidence: `No kex-strict-s-v00@openssh.com marker; ${reasons.join('; ')}` }] : [];
}

function hostKeys(filter: (k: SshFacts['hostKeys'][number]) => boolean, describe: string): Detector {
  return ({ facts }) =>
    (facts.ssh?.hostKeys ?? []).filter(filter).map((k) => ({ evidence: `${describe}: ${k.keyType} ${k.bits ?? '?'} bits (${k.fingerprint})`, subject: `${k.keyType} ${k.bits ?? '?'} bits` }));
}

/**
 * Changed when no key the server shows matches any known fingerprint, or when a typed record (trust
 * store, known_hosts) names a key type the server still serves with a different key.
 */
function hostKeyChanged({ facts, known }: DetectorInput): Hit[] {
  const keys = facts.ssh?.hostKeys ?? [];
  if (keys.length === 0 || known.length === 0) return [];
  const seen = new Set(keys.map((k) => k.fingerprint));
  if (known.some((k) => seen.has(k.fingerprint))) {
    // A typed record for a key type the server still serves must match that key.
    return known
      .filter((k) => k.keyType && !seen.has(k.fingerprint))
      .flatMap((k) => keys.filter((key) => key.keyType === k.keyType).map((key) => ({ evidence: `${k.keyType} key is ${key.fingerprint}, but ${k.source} has ${k.fingerprint}` })));
  }
  return [{ evidence: `The server's keys (${[...seen].join(', ')}) match none of ${known.map((k) => `${k.fingerprint} (${k.source})`).join(', ')}` }];
}

function versions(ruleId: VersionRule['ruleId']): Detector {
  return ({ facts }) => {
    const products = [facts.ftp?.product, facts.ssh ? detectProduct(facts.ssh.banner) : undefined];
    return products.flatMap((p) => {
      const version = p?.version;
      if (!p || !version) return [];
      return VERSION_RULES.filter((r) => r.ruleId === ruleId && r.product === p.name && versionMatches(r, version)).map((r) => ({
        severity: r.severity,
        reference: r.reference,
        subject: `${p.name} ${version}`,
        evidence: `${p.name} ${version}: ${r.advisory}${ruleId === 'version-possibly-affected' ? ' — possibly affected; distributions backport fixes' : ''}`,
      }));
    });
  };
}

const ftp = (f: (ftpFacts: NonNullable<AuditFacts['ftp']>, input: DetectorInput) => Hit[]): Detector => (input) => (input.facts.ftp ? f(input.facts.ftp, input) : []);
const tlsOf = (input: DetectorInput) => input.facts.ftp?.tls;
const cert = (f: (c: CertificateFact, input: DetectorInput) => Hit[]): Detector => (input) => {
  const c = tlsOf(input)?.certificate;
  return c ? f(c, input) : [];
};
const ACCEPTS_LOGIN = new Set([230, 331, 332]);
/** The anonymous area's names quoted in evidence (the facts keep up to 20). */
const ANON_EVIDENCE_NAMES = 10;

export const DETECTORS: Readonly<Record<string, Detector>> = {
  'ssh-protocol-1': ({ facts }) => (facts.ssh?.supportsSsh1 ? [{ evidence: `Banner: ${facts.ssh.banner}` }] : []),
  'ssh-weak-kex': weakAlgorithms('kex'),
  'ssh-weak-host-key-algorithm': weakAlgorithms('hostKey'),
  'ssh-weak-cipher': weakAlgorithms('cipher'),
  'ssh-weak-mac': weakAlgorithms('mac'),
  'ssh-compression-before-auth': ({ facts }) => (facts.ssh && offered(facts.ssh, 'compression').includes('zlib') ? [{ evidence: 'compression zlib offered' }] : []),
  'ssh-unknown-algorithm': unknownAlgorithms,
  'ssh-terrapin': terrapin,
  'ssh-dsa-host-key': hostKeys((k) => k.keyType === 'ssh-dss', 'DSA host key'),
  'ssh-rsa-host-key-small': hostKeys((k) => k.keyType === 'ssh-rsa' && (k.bits ?? 0) < 2048, 'RSA host key'),
  'ssh-rsa-host-key-below-3072': hostKeys((k) => k.keyType === 'ssh-rsa' && (k.bits ?? 0) >= 2048 && (k.bits ?? 0) < 3072, 'RSA host key'),
  'ssh-no-authentication': ({ facts }) => (facts.ssh?.authMethods?.includes('none') ? [{ evidence: 'The `none` authentication request succeeded' }] : []),
  'ssh-password-auth': ({ facts }) => {
    const methods = facts.ssh?.authMethods ?? [];
    return methods.includes('password') ? [{ evidence: `Authentication methods offered: ${methods.join(', ')}` }] : [];
  },
  'ssh-no-post-quantum-kex': ({ facts }) =>
    facts.ssh?.kexinit && !facts.ssh.kexinit.kex.some(isPostQuantumKex) ? [{ evidence: `Key exchanges offered: ${facts.ssh.kexinit.kex.join(', ')}` }] : [],
  'ssh-host-key-changed': hostKeyChanged,

  'ftp-no-auth-tls': ftp((f) => (!f.authTls ? [{ evidence: `AUTH TLS was answered ${f.authTlsReply ?? 'with nothing'}; FEAT: ${f.feat.join(', ') || '(none)'}` }] : [])),
  'ftp-cleartext-login': ftp((f) =>
    f.cleartextUserReply !== undefined && ACCEPTS_LOGIN.has(f.cleartextUserReply) ? [{ evidence: `USER before AUTH TLS was answered ${f.cleartextUserReply} (go on with PASS)` }] : [],
  ),
  'ftp-anonymous-login': ftp((f) => (f.anonymousLoginReply === 230 ? [{ evidence: 'USER anonymous / PASS audit@ was answered 230 (logged in)' }] : [])),
  // Only a listing that really crossed in clear counts: a 200 to PROT C alone is often revoked at transfer time (522).
  'ftp-prot-c-accepted': ftp((f) =>
    f.protCTransfer?.listed ? [{ evidence: `PROT C was answered ${f.protCTransfer.protReply} and LIST sent the listing over a clear data connection (${f.protCTransfer.listReply})` }] : [],
  ),
  // Where anonymous login works: a listing that crossed with names in it (an empty area publishes
  // nothing yet, and servers disagree on how to say "empty": vsftpd lists nothing, ProFTPD answers 450).
  'ftp-anonymous-listing': ftp((f) => {
    const names = f.anonymous?.listed ? (f.anonymous.listing ?? []) : [];
    if (names.length === 0) return [];
    const shown = names.slice(0, ANON_EVIDENCE_NAMES);
    const more = names.length > shown.length ? ` and ${names.length - shown.length} more` : '';
    return [{ evidence: `Logged in as anonymous, NLST listed ${names.length === 1 ? 'one name' : `${names.length} names`}: ${shown.join(', ')}${more}` }];
  }),
  'ftp-anonymous-cleartext': ftp((f) =>
    f.anonymous?.withoutTls ? [{ evidence: 'USER anonymous / PASS audit@ sent in clear, before any AUTH TLS, was answered 230 (logged in)' }] : [],
  ),
  'ftp-ccc-offered': ftp((f) => (f.cccOffered ? [{ evidence: 'FEAT lists CCC' }] : [])),
  'ftp-plaintext-port-open': ftp((f) => {
    const p = f.plaintextPort;
    return p?.userReply !== undefined && ACCEPTS_LOGIN.has(p.userReply) ? [{ evidence: `Port ${p.port} answered "${p.banner ?? ''}" and took USER in clear (${p.userReply})` }] : [];
  }),
  'ftp-implicit-tls': ({ target }) => (target.protocol === 'ftps' ? [{ evidence: `Implicit FTPS on port ${target.port}` }] : []),
  'ftp-banner-version': ftp((f) => (f.product?.version ? [{ evidence: `Banner: ${f.banner.join(' ')}` }] : [])),
  'version-backdoored': versions('version-backdoored'),
  'version-possibly-affected': versions('version-possibly-affected'),

  'tls-legacy-version': (input) => {
    const v = tlsOf(input)?.versions ?? {};
    const old = (['TLSv1', 'TLSv1.1'] as const).filter((n) => v[n]);
    return old.map((n) => ({ evidence: `${n} handshake accepted`, subject: n }));
  },
  'tls-weak-suite': (input) =>
    Object.entries(tlsOf(input)?.weakSuites ?? {})
      .filter(([family]) => family !== 'static-RSA')
      .map(([family, suite]) => ({ evidence: `${family} suite accepted: ${suite}`, subject: suite })),
  'tls-cbc-only': (input) => (tlsOf(input)?.cbcOnly ? [{ evidence: 'No AEAD suite and no TLS 1.3 could be negotiated' }] : []),
  'tls-no-forward-secrecy': (input) => {
    const t = tlsOf(input);
    return t && !t.forwardSecrecy && Object.values(t.versions).some(Boolean) ? [{ evidence: 'No ECDHE/DHE suite and no TLS 1.3 could be negotiated' }] : [];
  },
  'tls-static-rsa-suites': (input) => {
    const suite = tlsOf(input)?.weakSuites['static-RSA'];
    return suite ? [{ evidence: `Static RSA key exchange accepted: ${suite}` }] : [];
  },
  'tls-cert-expired': cert((c, { now }) =>
    c.daysLeft < 0 || Date.parse(c.validFrom) > now ? [{ evidence: `Valid ${c.validFrom} to ${c.validTo} (${c.subject})` }] : [],
  ),
  'tls-cert-expiring': cert((c) => (c.daysLeft >= 0 && c.daysLeft <= EXPIRY_WARNING_DAYS ? [{ evidence: `Expires ${c.validTo}: ${c.daysLeft} days left` }] : [])),
  'tls-cert-hostname-mismatch': cert((c, { target }) =>
    c.hostnameMatches ? [] : [{ evidence: `Certificate for ${c.subject}${c.subjectAltName ? ` (${c.subjectAltName})` : ''} does not name ${target.host}` }],
  ),
  'tls-cert-untrusted': cert((c) =>
    c.chainError ? [{ evidence: `${c.selfSigned ? 'Self-signed' : 'Untrusted chain'} (${c.chainError}); issuer ${c.issuer}; fingerprint ${c.fingerprint}` }] : [],
  ),
  'tls-cert-weak-key': cert((c) => {
    const min = c.keyType.startsWith('EC') ? 256 : 2048;
    return c.keyBits !== undefined && c.keyBits < min && !c.keyType.startsWith('ED') ? [{ evidence: `${c.keyType} ${c.keyBits} bits` }] : [];
  }),
  'tls-cert-sha1-signature': cert((c) => (isWeakSignature(c.signatureAlgorithm) ? [{ evidence: `Signature algorithm ${c.signatureAlgorithm}` }] : [])),
  'tls-cert-changed': cert((c, { known }) =>
    known.length && !known.some((k) => k.fingerprint === c.fingerprint)
      ? [{ evidence: `Certificate is ${c.fingerprint}, but ${known.map((k) => `${k.source} has ${k.fingerprint}`).join('; ')}` }]
      : [],
  ),
};
