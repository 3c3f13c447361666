/**
 * Which server product answered, from what the probes saw: an FTP banner, SYST and FEAT, an SSH
 * software string, hints in a TLS certificate. Patterns are data (PRODUCT_SIGNS); the first sign that
 * matches wins, strongest signs first.
 *
 * One detection for everything: the FTP probe keeps `facts.ftp.product` ({ name: ProductId, version })
 * from `ftpProduct`, the version rules key on the same ids, and the report's product comes from
 * `identifyProduct`. A version is only ever read from a banner or an SSH software string — the
 * server's own words about itself — never guessed from FEAT or SYST.
 *
 * How far a customised banner is seen through (vsftpd `ftpd_banner=`, ProFTPD `ServerIdent on "FTP"`,
 * IIS `suppressDefaultBanner`): each product still gives itself away by replies an admin cannot
 * change from the configuration —
 *   - vsftpd refuses SYST before login with its own text, "530 Please login with USER and PASS.";
 *   - ProFTPD's FEAT lists `MFF modify;UNIX.group;UNIX.mode;` (mod_facts), which no other server here does;
 *   - pure-ftpd's FEAT lists its own `sizd` MLST fact and the `ESTA`/`ESTP` commands;
 *   - IIS answers SYST "215 Windows_NT" and its FEAT lists `AUTH TLS;TLS-C;SSL;TLS-P;` and `PROT C;P;`;
 *   - FileZilla Server answers SYST "215 UNIX emulated by FileZilla".
 * A server none of these match stays unknown: its findings keep the generic fix, which is better
 * than the wrong product's option names.
 */
import type { AuditFacts, FtpFacts, ProductFact, ProductId } from '../types';

/** What a sign looks at. `error` is any reply text the probe kept (SYST refusals, USER refusals). */
export type SignSource = 'banner' | 'syst' | 'feat' | 'ssh' | 'certificate';

export interface ProductSign {
  product: ProductId;
  source: SignSource;
  /** Matched against the source's text (FEAT: one line per feature, `m` flag for `^…$`). Group 1, when present and matched, is the version. */
  pattern: RegExp;
  /** Why this sign is trusted (documentation for maintainers; shown nowhere). */
  note: string;
}

/** Display names, in the products' own spelling. */
export const PRODUCT_NAMES: Readonly<Record<ProductId, string>> = {
  'iis-ftp': 'Microsoft IIS FTP',
  vsftpd: 'vsftpd',
  proftpd: 'ProFTPD',
  'pure-ftpd': 'Pure-FTPd',
  'filezilla-server': 'FileZilla Server',
  openssh: 'OpenSSH',
  'win32-openssh': 'OpenSSH for Windows',
  'proftpd-mod_sftp': 'ProFTPD mod_sftp',
};

const VERSION = String.raw`(\d+(?:\.\d+)*(?:p\d+|[a-z])?)`;

/**
 * Strongest first: the product naming itself (banner, SSH software string), then replies an admin
 * cannot configure away (SYST, FEAT shape), then certificate hints. Within a source, the more
 * specific pattern first (Win32-OpenSSH before OpenSSH).
 */
export const PRODUCT_SIGNS: readonly ProductSign[] = [
  // ── SSH software strings (RFC 4253 §4.2 "SSH-2.0-softwareversion") ──
  { product: 'win32-openssh', source: 'ssh', pattern: new RegExp(String.raw`^SSH-[\d.]+-OpenSSH_for_Windows_${VERSION}`, 'i'), note: 'Win32-OpenSSH names itself "OpenSSH_for_Windows_8.1"' },
  { product: 'openssh', source: 'ssh', pattern: new RegExp(String.raw`^SSH-[\d.]+-OpenSSH_${VERSION}`, 'i'), note: 'OpenSSH names itself "OpenSSH_9.2p1"' },
  { product: 'proftpd-mod_sftp', source: 'ssh', pattern: new RegExp(String.raw`^SSH-[\d.]+-mod_sftp(?:/${VERSION})?`, 'i'), note: 'mod_sftp names itself "mod_sftp" or "mod_sftp/1.1.1" (the module version, not ProFTPD\'s)' },
  // ── FTP banners naming the product ──
  { product: 'iis-ftp', source: 'banner', pattern: /^220[ -]Microsoft FTP Service/im, note: 'IIS default greeting' },
  { product: 'vsftpd', source: 'banner', pattern: new RegExp(String.raw`\bvsFTPd ${VERSION}`, 'i'), note: 'vsftpd default greeting "220 (vsFTPd 3.0.3)"' },
  { product: 'proftpd', source: 'banner', pattern: new RegExp(String.raw`\bProFTPD(?: ${VERSION})?\b`, 'i'), note: 'ProFTPD greeting "220 ProFTPD 1.3.8 Server (…)" or, with ServerIdent off-version, "ProFTPD Server"' },
  { product: 'pure-ftpd', source: 'banner', pattern: new RegExp(String.raw`\bPure-FTPd(?: ${VERSION})?`, 'i'), note: 'pure-ftpd greeting "Welcome to Pure-FTPd [privsep] [TLS]"' },
  { product: 'filezilla-server', source: 'banner', pattern: new RegExp(String.raw`\bFileZilla Server(?: version)? ${VERSION}`, 'i'), note: 'FileZilla Server greeting "220-FileZilla Server 1.8.0" / "220-FileZilla Server version 0.9.60 beta"' },
  // ── SYST before login ──
  { product: 'filezilla-server', source: 'syst', pattern: /^215 UNIX emulated by FileZilla/i, note: 'FileZilla Server\'s SYST reply' },
  { product: 'vsftpd', source: 'syst', pattern: /^530 Please login with USER and PASS\.$/, note: 'vsftpd refuses SYST (and every other command but USER, PASS, FEAT, AUTH…) before login with this exact text' },
  // ── FEAT shapes ──
  { product: 'iis-ftp', source: 'feat', pattern: /^AUTH TLS;TLS-C;SSL;TLS-P;$/m, note: 'IIS lists its AUTH mechanisms on one line (RFC 4217 wants one per AUTH line)' },
  { product: 'iis-ftp', source: 'feat', pattern: /^PROT C;P;$/m, note: 'IIS lists PROT levels on one line' },
  { product: 'proftpd', source: 'feat', pattern: /^MFF modify;UNIX\.group;UNIX\.mode;$/m, note: 'ProFTPD mod_facts\' MFF facts' },
  { product: 'pure-ftpd', source: 'feat', pattern: /^MLST .*\bsizd\*;/m, note: 'pure-ftpd\'s own MLST fact "sizd" (directory size)' },
  { product: 'pure-ftpd', source: 'feat', pattern: /^ESTP$/m, note: 'pure-ftpd\'s ESTP command' },
  // After the FEAT shapes: other Windows FTP servers may answer SYST this way too, so IIS needs its FEAT or banner first.
  { product: 'iis-ftp', source: 'syst', pattern: /^215 Windows_NT$/, note: 'IIS SYST reply; weaker than the FEAT shape (other Windows servers say it too)' },
];

/** A sign's source text, bounded: FEAT one feature per line. */
function sourceText(facts: AuditFacts, source: SignSource): string | undefined {
  const ftp = facts.ftp;
  switch (source) {
    case 'ssh':
      return facts.ssh?.banner;
    case 'banner':
      return ftp?.banner.join('\n');
    case 'syst':
      return ftp?.syst;
    case 'feat':
      return ftp && ftp.feat.length > 0 ? ftp.feat.join('\n') : undefined;
    case 'certificate': {
      const c = ftp?.tls?.certificate;
      return c ? `${c.subject}\n${c.issuer}` : undefined;
    }
  }
}

const SOURCE_LABEL: Readonly<Record<SignSource, string>> = { ssh: 'SSH software', banner: 'banner', syst: 'SYST', feat: 'FEAT', certificate: 'certificate' };

/** Evidence is server text: bounded here, escaped by whoever displays it. */
const MAX_EVIDENCE = 120;

function firstMatch(facts: AuditFacts): { sign: ProductSign; match: RegExpExecArray } | undefined {
  for (const sign of PRODUCT_SIGNS) {
    const text = sourceText(facts, sign.source);
    const match = text === undefined ? null : sign.pattern.exec(text);
    if (match) return { sign, match };
  }
  return undefined;
}

/** The product these facts show, or undefined when no sign matches (the generic fixes stay). */
export function identifyProduct(facts: AuditFacts): ProductFact | undefined {
  const found = firstMatch(facts);
  if (!found) return undefined;
  const { sign, match } = found;
  const line = (sign.source === 'feat' || sign.source === 'ssh' ? match[0] : lineAt(sourceText(facts, sign.source) ?? '', match.index)).trim();
  const quoted = line.length > MAX_EVIDENCE ? `${line.slice(0, MAX_EVIDENCE)}…` : line;
  return {
    id: sign.product,
    name: PRODUCT_NAMES[sign.product],
    ...(match[1] ? { version: match[1] } : {}),
    evidence: `${SOURCE_LABEL[sign.source]} "${quoted}"`,
  };
}

function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end < 0 ? undefined : end);
}

/**
 * The FTP probe's `facts.ftp.product`: the product id (the name version rules key on) and the
 * version the banner announced, if any. `ftp-banner-version` fires on that version only.
 */
export function ftpProduct(ftp: FtpFacts): FtpFacts['product'] {
  const p = identifyProduct({ ftp });
  return p ? { name: p.id, ...(p.version ? { version: p.version } : {}) } : undefined;
}

/** The product and version an SSH software string names (version rules use it). */
export function sshProduct(banner: string): { name: ProductId; version?: string } | undefined {
  const p = identifyProduct({ ssh: { banner } as NonNullable<AuditFacts['ssh']> });
  return p ? { name: p.id, ...(p.version ? { version: p.version } : {}) } : undefined;
}
