/**
 * The syntax of fingerprints, OpenSSH's format: `SHA256:` + unpadded base64 of the SHA-256 digest.
 * Pure syntax for profiles, URLs, flags and trust; computing one is core/trust/fingerprint.ts.
 */
import { UsageError } from '../errors';

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const HEX_FINGERPRINT = /^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/;

export function isFingerprint(s: string): boolean {
  return FINGERPRINT.test(s);
}

/**
 * Accepts `SHA256:<base64>` (OpenSSH) or a hex SHA-256 with or without colons (openssl x509
 * -fingerprint -sha256) and returns the OpenSSH form, so users can paste either.
 */
export function normalizeFingerprint(input: string, where = 'the fingerprint'): string {
  const s = input.trim();
  if (FINGERPRINT.test(s)) return s;
  const withoutPrefix = s.replace(/^sha256[:=]/i, '');
  if (HEX_FINGERPRINT.test(withoutPrefix)) {
    const bytes = Buffer.from(withoutPrefix.replace(/:/g, ''), 'hex');
    return 'SHA256:' + bytes.toString('base64').replace(/=+$/, '');
  }
  throw new UsageError(
    `${where} "${s.slice(0, 80)}" is not a SHA-256 fingerprint: use OpenSSH's form SHA256:<43 base64 characters> (ssh-keygen -lf key.pub) or the 64-hex-digit form of openssl x509 -fingerprint -sha256.`,
    'bad-fingerprint',
  );
}
