/**
 * OpenSSH's algorithm lists (9.2, the client this project tests against) and its rule for a config
 * value: `+list` appends to the default list, `-list` removes matching names (wildcards allowed),
 * `^list` puts names first, a plain list replaces the default. Wildcards in the other forms are
 * matched against everything OpenSSH supports (kex.c kex_assemble_names). The result is only ever
 * used to NARROW what this client offers (connect.ts intersects it with ssh2's list after
 * policy.forbiddenAlgorithms), so naming an algorithm here never enables one.
 */
import { matchPattern } from './pattern';

export type SshConfigAlgorithmKeyword = 'ciphers' | 'kexalgorithms' | 'macs' | 'hostkeyalgorithms';

/** `ssh -G -F /dev/null x` of OpenSSH 9.2 (myproposal.h KEX_CLIENT_*). */
export const OPENSSH_DEFAULT_ALGORITHMS: Record<SshConfigAlgorithmKeyword, readonly string[]> = {
  ciphers: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
  kexalgorithms: [
    'sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com', 'curve25519-sha256', 'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521', 'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'diffie-hellman-group14-sha256',
  ],
  macs: [
    'umac-64-etm@openssh.com', 'umac-128-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com', 'umac-64@openssh.com', 'umac-128@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha1',
  ],
  hostkeyalgorithms: [
    'ssh-ed25519-cert-v01@openssh.com', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
    'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'ssh-ed25519', 'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
    'rsa-sha2-512', 'rsa-sha2-256',
  ],
};

/** `ssh -Q cipher|kex|mac|HostKeyAlgorithms` of OpenSSH 9.2: what a pattern may match. */
export const OPENSSH_SUPPORTED_ALGORITHMS: Record<SshConfigAlgorithmKeyword, readonly string[]> = {
  ciphers: ['3des-cbc', 'aes128-cbc', 'aes192-cbc', 'aes256-cbc', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'],
  kexalgorithms: [
    'diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512', 'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group-exchange-sha256', 'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521', 'curve25519-sha256', 'curve25519-sha256@libssh.org', 'sntrup761x25519-sha512',
    'sntrup761x25519-sha512@openssh.com',
  ],
  macs: [
    'hmac-sha1', 'hmac-sha1-96', 'hmac-sha2-256', 'hmac-sha2-512', 'hmac-md5', 'hmac-md5-96', 'umac-64@openssh.com', 'umac-128@openssh.com',
    'hmac-sha1-etm@openssh.com', 'hmac-sha1-96-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com',
    'hmac-md5-etm@openssh.com', 'hmac-md5-96-etm@openssh.com', 'umac-64-etm@openssh.com', 'umac-128-etm@openssh.com',
  ],
  hostkeyalgorithms: [
    'ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
    'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
    'ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
    'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'webauthn-sk-ecdsa-sha2-nistp256@openssh.com', 'ssh-dss', 'ssh-dss-cert-v01@openssh.com',
    'ssh-rsa', 'ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-256', 'rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-512',
    'rsa-sha2-512-cert-v01@openssh.com',
  ],
};

function cat(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const n of b) if (!out.includes(n)) out.push(n);
  return out;
}

/**
 * The list OpenSSH would use for `value` (one keyword's first value), or undefined with the reason
 * when OpenSSH would refuse it (negated pattern, nothing left).
 */
export function assembleAlgorithms(keyword: SshConfigAlgorithmKeyword, value: string): { list?: string[]; problem?: string } {
  const def = OPENSSH_DEFAULT_ALGORITHMS[keyword];
  const all = OPENSSH_SUPPORTED_ALGORITHMS[keyword];
  const names = (s: string) => s.split(',').filter((n) => n !== '');
  if (value.startsWith('-')) {
    const patterns = names(value.slice(1));
    const list = def.filter((n) => !patterns.some((p) => matchPattern(n, p)));
    return list.length > 0 ? { list } : { problem: 'removes every algorithm' };
  }
  let wanted: string[];
  if (value.startsWith('+')) wanted = cat(def, names(value.slice(1)));
  else if (value.startsWith('^')) wanted = cat(names(value.slice(1)), def);
  else wanted = names(value);
  let list: string[] = [];
  for (const p of wanted) {
    if (p.startsWith('!')) return { problem: 'uses a negated pattern, which OpenSSH refuses here' };
    list = cat(list, all.filter((n) => matchPattern(n, p)));
  }
  return list.length > 0 ? { list } : { problem: 'names no algorithm OpenSSH knows' };
}
