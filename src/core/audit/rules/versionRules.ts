/**
 * Version rules, as data. Only the exact backdoored builds are critical: distributions backport
 * fixes without changing the version string (why ssh-audit dropped version matching), so every
 * other match says "possibly affected" and is low at most.
 */
import type { Severity } from '../types';
import { ftpProduct, sshProduct } from './products';

export interface VersionRule {
  /** Case-insensitive product name as the version detector reports it. */
  product: string;
  /** `exact`: this version only; `range`: from ≤ version ≤ to (inclusive, either may be open). */
  match: { exact: string } | { from?: string; to?: string };
  ruleId: 'version-backdoored' | 'version-possibly-affected';
  severity: Severity;
  advisory: string;
  reference: string;
}

export const VERSION_RULES: readonly VersionRule[] = [
  {
    product: 'vsftpd',
    match: { exact: '2.3.4' },
    ruleId: 'version-backdoored',
    severity: 'critical',
    advisory: 'vsFTPd 2.3.4 smiley-face backdoor (CVE-2011-2523)',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2011-2523',
  },
  {
    product: 'proftpd',
    match: { exact: '1.3.3c' },
    ruleId: 'version-backdoored',
    severity: 'critical',
    advisory: 'ProFTPD 1.3.3c source tarball backdoor (Nov–Dec 2010)',
    reference: 'https://www.exploit-db.com/exploits/15662',
  },
  {
    product: 'vsftpd',
    match: { to: '3.0.2' },
    ruleId: 'version-possibly-affected',
    severity: 'low',
    advisory: 'deny_file bypass (CVE-2015-1419)',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2015-1419',
  },
  {
    product: 'proftpd',
    match: { from: '1.3.5', to: '1.3.5' },
    ruleId: 'version-possibly-affected',
    severity: 'low',
    advisory: 'mod_copy unauthenticated file copy (CVE-2015-3306)',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2015-3306',
  },
  {
    product: 'proftpd',
    match: { to: '1.3.7' },
    ruleId: 'version-possibly-affected',
    severity: 'low',
    advisory: 'mod_sftp Terrapin and memory-safety fixes shipped in 1.3.8b (CVE-2023-48795, CVE-2024-48651)',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2024-48651',
  },
  {
    product: 'openssh',
    match: { from: '8.5', to: '9.7' },
    ruleId: 'version-possibly-affected',
    severity: 'low',
    advisory: 'regreSSHion signal-handler race (CVE-2024-6387)',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2024-6387',
  },
  {
    product: 'openssh',
    match: { to: '4.3' },
    ruleId: 'version-possibly-affected',
    severity: 'low',
    advisory: 'the original signal-handler race (CVE-2006-5051)',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2006-5051',
  },
];

/** Compares dotted versions with an optional letter/patch suffix: 1.3.3 < 1.3.3a < 1.3.3c < 1.3.4; 9.2p1 ≈ 9.2. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.toLowerCase().replace(/p\d+$/, '').split(/[.]/).map((p) => /^(\d+)([a-z]*)/.exec(p) ?? ['', '0', '']);
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [, na = '0', sa = ''] = pa[i] ?? [];
    const [, nb = '0', sb = ''] = pb[i] ?? [];
    if (Number(na) !== Number(nb)) return Number(na) - Number(nb);
    if (sa !== sb) return sa < sb ? -1 : 1;
  }
  return 0;
}

export function versionMatches(rule: VersionRule, version: string): boolean {
  const m = rule.match;
  if ('exact' in m) return version.toLowerCase() === m.exact.toLowerCase();
  return (m.from === undefined || compareVersions(version, m.from) >= 0) && (m.to === undefined || compareVersions(version, m.to) <= 0);
}

/**
 * Product and version from an FTP banner or an SSH software string: the same signs as the report's
 * product (rules/products.ts), so there is one detection, not two. `name` is the ProductId.
 */
export function detectProduct(text: string): { name: string; version?: string } | undefined {
  return /^SSH-/.test(text) ? sshProduct(text) : ftpProduct({ banner: text.split(/\r?\n/), feat: [], authTls: false, cccOffered: false, notes: [] });
}
