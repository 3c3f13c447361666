/**
 * Server-side file hashes: which algorithms we accept, in what order, and how each protocol names
 * them (SFTP `check-file`, FTP `HASH` / `XSHA256`-style commands). Pure: no I/O.
 */

/** Node's `crypto.createHash` names, which are also the SFTP check-file names. */
export type HashAlgorithm = 'sha256' | 'sha512' | 'sha384' | 'sha224' | 'sha1' | 'md5';

export interface RemoteHash {
  algorithm: HashAlgorithm;
  /** Lower-case hex digest of the whole file. */
  hex: string;
}

/** sha256 first, then the strongest: md5 is used only when a server offers nothing better. */
export const HASH_PREFERENCE: readonly HashAlgorithm[] = ['sha256', 'sha512', 'sha384', 'sha224', 'sha1', 'md5'];

/** How FTP servers name each algorithm: in FEAT `HASH` (draft-bryan-ftpext-hash) and as an X-command. */
const FTP_NAMES: Readonly<Record<HashAlgorithm, { hash: string; command?: string }>> = {
  sha256: { hash: 'SHA-256', command: 'XSHA256' },
  sha512: { hash: 'SHA-512', command: 'XSHA512' },
  sha384: { hash: 'SHA-384' },
  sha224: { hash: 'SHA-224' },
  sha1: { hash: 'SHA-1', command: 'XSHA1' },
  md5: { hash: 'MD5', command: 'XMD5' },
};

/** Digest length in hex characters: a reply of another length is not a hash of this kind. */
const HEX_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 64, sha512: 128, sha384: 96, sha224: 56, sha1: 40, md5: 32 };

export function isHashAlgorithm(name: string): name is HashAlgorithm {
  return Object.hasOwn(HEX_LENGTH, name);
}

export function isDigestOf(algorithm: HashAlgorithm, hex: string): boolean {
  return hex.length === HEX_LENGTH[algorithm] && /^[0-9a-f]+$/.test(hex);
}

/** How to ask an FTP server for one algorithm: `OPTS HASH <name>` + `HASH path`, or `XSHA256 path`. */
export type FtpHashPlan = { algorithm: HashAlgorithm; via: 'HASH'; name: string } | { algorithm: HashAlgorithm; via: 'command'; command: string };

/**
 * `offered`: lower-case FEAT names as FtpFeatures lists them ("sha-256" from the HASH line,
 * "xsha256" for the X-command). The HASH command wins for the same algorithm: its reply names the
 * algorithm and the byte range, so a confused server can't pass off another hash.
 */
export function chooseFtpHash(offered: readonly string[], preference: readonly HashAlgorithm[] = HASH_PREFERENCE): FtpHashPlan | undefined {
  const have = new Set(offered.map((o) => o.toLowerCase()));
  for (const algorithm of preference) {
    const names = FTP_NAMES[algorithm];
    if (have.has(names.hash.toLowerCase())) return { algorithm, via: 'HASH', name: names.hash };
    if (names.command && have.has(names.command.toLowerCase())) return { algorithm, via: 'command', command: names.command };
  }
  return undefined;
}

function lastLine(message: string): string {
  return message.trim().split(/\r?\n/).at(-1) ?? '';
}

/**
 * A `213 SHA-256 0-6 5891b5…03 /path` reply → the hex digest, when it is for `algorithm` and covers
 * the file from byte 0 with `size` bytes; otherwise undefined (never a hash of something else).
 */
export function parseFtpHashReply(message: string, algorithm: HashAlgorithm, size: number): string | undefined {
  const m = /^213 (\S+) (\d+)-(\d+) ([0-9A-Fa-f]+)(?: |$)/.exec(lastLine(message));
  if (!m || m[1].toUpperCase() !== FTP_NAMES[algorithm].hash) return undefined;
  if (Number(m[2]) !== 0 || Number(m[3]) !== size) return undefined;
  const hex = m[4].toLowerCase();
  return isDigestOf(algorithm, hex) ? hex : undefined;
}

/** A `250 5891B5…03` reply to XSHA256 and friends → the hex digest, or undefined. */
export function parseFtpCommandHashReply(message: string, algorithm: HashAlgorithm): string | undefined {
  const m = /^25\d[ -](?:.*\s)?([0-9A-Fa-f]+)\s*$/.exec(lastLine(message));
  const hex = m?.[1].toLowerCase();
  return hex !== undefined && isDigestOf(algorithm, hex) ? hex : undefined;
}
