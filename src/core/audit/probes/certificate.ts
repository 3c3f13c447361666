/** What the audit reports about a TLS certificate, read from Node's X509Certificate and the raw DER. */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { sha256Fingerprint } from '../../trust/fingerprint';
import type { CertificateFact } from '../types';

const DAY_MS = 86_400_000;

/** Signature algorithm OIDs (dotted) → names; anything else is shown as its OID. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

const CURVE_BITS: Readonly<Record<string, number>> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256 };

/** Reads one DER TLV header at `pos`: tag, content start and content length. */
function derHeader(der: Buffer, pos: number): { tag: number; start: number; length: number } {
  const tag = der[pos];
  let length = der[pos + 1];
  let start = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[start + i];
    start += n;
  }
  return { tag, start, length };
}

function decodeOid(bytes: Buffer): string {
  const parts = [Math.floor(bytes[0] / 40), bytes[0] % 40];
  let value = 0;
  for (const b of bytes.subarray(1)) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE { OID, … }, signature }. */
export function signatureAlgorithmOf(der: Buffer): string {
  try {
    const cert = derHeader(der, 0);
    const tbs = derHeader(der, cert.start);
    const algSeq = derHeader(der, tbs.start + tbs.length);
    const oid = derHeader(der, algSeq.start);
    const dotted = decodeOid(der.subarray(oid.start, oid.start + oid.length));
    return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
  } catch {
    return 'unknown';
  }
}

export function isWeakSignature(algorithm: string): boolean {
  return /sha1|md5/i.test(algorithm);
}

export function describeCertificate(raw: Buffer, host: string, chainError: string | undefined, now = Date.now()): CertificateFact {
  const cert = new X509Certificate(raw);
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyType = (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  const keyBits = details.modulusLength ?? (details.namedCurve ? CURVE_BITS[details.namedCurve] : undefined);
  const selfSigned = cert.subject === cert.issuer && (() => {
    try {
      return cert.verify(cert.publicKey);
    } catch {
      return false;
    }
  })();
  const hostnameMatches = isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    subjectAltName: cert.subjectAltName,
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    daysLeft: Math.floor((new Date(cert.validTo).getTime() - now) / DAY_MS),
    selfSigned,
    chainError,
    hostnameMatches,
    keyType: details.namedCurve ? `${keyType} ${details.namedCurve}` : keyType,
    keyBits,
    signatureAlgorithm: signatureAlgorithmOf(raw),
    fingerprint: sha256Fingerprint(raw),
  };
}
