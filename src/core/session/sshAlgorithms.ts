/**
 * What the SSH client offers, filtered by policy.forbiddenAlgorithms: a forbidden algorithm is never
 * offered, so it can never be negotiated. aes128-gcm stays first (fastest here, and secure).
 */
import type { Algorithms } from 'ssh2';

interface Ssh2Defaults {
  DEFAULT_KEX: string[];
  DEFAULT_SERVER_HOST_KEY: string[];
  DEFAULT_CIPHER: string[];
  DEFAULT_MAC: string[];
  DEFAULT_COMPRESSION: string[];
}

export const SSH_ALGORITHM_KINDS = ['kex', 'serverHostKey', 'cipher', 'hmac', 'compress'] as const;
export type SshAlgorithmKind = (typeof SSH_ALGORITHM_KINDS)[number];

/** ssh2's own default lists (what it offers when nothing is configured). */
export function ssh2Defaults(): Record<SshAlgorithmKind, string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const c = require('ssh2/lib/protocol/constants') as Ssh2Defaults;
  const cipher = [...c.DEFAULT_CIPHER].sort((a, b) => Number(b === 'aes128-gcm@openssh.com') - Number(a === 'aes128-gcm@openssh.com'));
  return { kex: [...c.DEFAULT_KEX], serverHostKey: [...c.DEFAULT_SERVER_HOST_KEY], cipher, hmac: [...c.DEFAULT_MAC], compress: [...c.DEFAULT_COMPRESSION] };
}

/**
 * The algorithm lists without the forbidden ones; `emptied` names a kind where nothing is left
 * (the connection can't be made under this policy).
 */
export function withoutForbidden(isForbidden: (algorithm: string) => boolean): { algorithms: Algorithms; emptied?: SshAlgorithmKind } {
  const defaults = ssh2Defaults();
  const lists = Object.fromEntries(SSH_ALGORITHM_KINDS.map((k) => [k, defaults[k].filter((a) => !isForbidden(a))])) as Record<SshAlgorithmKind, string[]>;
  const emptied = SSH_ALGORITHM_KINDS.find((k) => lists[k].length === 0);
  return { algorithms: lists as unknown as Algorithms, emptied };
}
