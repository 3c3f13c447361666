/**
 * The published baselines the audit's rules follow, as data: every rule in ruleTable.ts names one, and
 * reports cite it next to the finding ("Baseline: Mozilla OpenSSH guidelines").
 */
import type { BaselineId } from '../types';

export interface Baseline {
  id: BaselineId;
  name: string;
  url: string;
}

export const BASELINES: Readonly<Record<BaselineId, Baseline>> = {
  'mozilla-openssh': { id: 'mozilla-openssh', name: 'Mozilla OpenSSH guidelines', url: 'https://infosec.mozilla.org/guidelines/openssh' },
  'nist-800-52r2': { id: 'nist-800-52r2', name: 'NIST SP 800-52 Rev. 2 (TLS)', url: 'https://csrc.nist.gov/pubs/sp/800/52/r2/final' },
  rfc4217: { id: 'rfc4217', name: 'RFC 4217 (Securing FTP with TLS)', url: 'https://www.rfc-editor.org/rfc/rfc4217' },
  'nist-800-57': { id: 'nist-800-57', name: 'NIST SP 800-57 Part 1 Rev. 5 (key sizes)', url: 'https://csrc.nist.gov/pubs/sp/800/57/pt1/r5/final' },
  'nist-800-63b': { id: 'nist-800-63b', name: 'NIST SP 800-63B (authenticators)', url: 'https://pages.nist.gov/800-63-3/sp800-63b.html' },
  'cis-controls': { id: 'cis-controls', name: 'CIS Critical Security Controls v8', url: 'https://www.cisecurity.org/controls/v8' },
};
