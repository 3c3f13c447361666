/**
 * Fingerprints of keys and certificates in OpenSSH's format (`SHA256:` + unpadded base64 of the
 * SHA-256 digest). Checking and normalizing the written form is core/syntax/fingerprint.ts.
 */
import { createHash } from 'node:crypto';

export function sha256Fingerprint(data: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(data).digest('base64').replace(/=+$/, '');
}
