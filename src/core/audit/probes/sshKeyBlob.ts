/** Type and size of an SSH public key from its wire blob (RFC 4253 §6.6, RFC 5656, RFC 8709). */
import { SshReader } from './kexinit';

export interface KeyBlobInfo {
  keyType: string;
  bits?: number;
  curve?: string;
}

const CURVE_BITS: Readonly<Record<string, number>> = { nistp256: 256, nistp384: 384, nistp521: 521 };

/** Reads only what sizes the key; the rest of each blob is ignored. */
const SIZERS: Readonly<Record<string, (r: SshReader) => Omit<KeyBlobInfo, 'keyType'>>> = {
  'ssh-rsa': (r) => {
    r.string(); // e
    return { bits: r.mpintBits() };
  },
  'ssh-dss': (r) => ({ bits: r.mpintBits() }),
  'ssh-ed25519': () => ({ bits: 256 }),
  'ssh-ed448': () => ({ bits: 456 }),
};

export function describeKeyBlob(blob: Buffer): KeyBlobInfo {
  const r = new SshReader(blob);
  const keyType = r.string().toString('latin1');
  if (keyType.startsWith('ecdsa-sha2-')) {
    const curve = r.string().toString('latin1');
    return { keyType, curve, bits: CURVE_BITS[curve] };
  }
  const sizer = SIZERS[keyType];
  return { keyType, ...(sizer ? sizer(r) : {}) };
}
