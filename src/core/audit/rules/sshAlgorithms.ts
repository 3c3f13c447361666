/**
 * What is wrong with each SSH algorithm a server may offer, in the spirit of ssh-audit's database.
 * `ok` marks algorithms known to be sound, so that anything absent is reported as unknown (info).
 * Every algorithm ssh-audit 2.5 marks as a failure is medium or above here (the tests cross-check).
 */
import type { Severity } from '../types';

export type AlgorithmCategory = 'kex' | 'hostKey' | 'cipher' | 'mac' | 'compression';

export interface AlgorithmVerdict {
  severity: Severity | 'ok';
  reason: string;
}

const OK = (reason = 'sound'): AlgorithmVerdict => ({ severity: 'ok', reason });
const NIST = 'NIST P-curve whose constants are unexplained (ssh-audit fails it); prefer curve25519 or ed25519';
const SHA1 = 'uses SHA-1, which is broken for collisions';
const CBC = 'CBC mode: plaintext recovery (CVE-2008-5161) and Terrapin with EtM MACs; removed from OpenSSH server defaults';
const EAM = 'encrypt-and-MAC mode (not encrypt-then-MAC)';

export const SSH_ALGORITHMS: Readonly<Record<AlgorithmCategory, Readonly<Record<string, AlgorithmVerdict>>>> = {
  kex: {
    'diffie-hellman-group1-sha1': { severity: 'high', reason: '1024-bit modulus (Logjam) and SHA-1' },
    'diffie-hellman-group-exchange-sha1': { severity: 'high', reason: `${SHA1}; the server may pick groups as small as 1024 bits` },
    'diffie-hellman-group14-sha1': { severity: 'medium', reason: SHA1 },
    'rsa1024-sha1': { severity: 'high', reason: '1024-bit RSA key exchange with SHA-1' },
    'rsa2048-sha256': { severity: 'low', reason: 'RSA key exchange without forward secrecy' },
    'gss-group1-sha1-toWM5Slw5Ew8Mqkay+al2g==': { severity: 'high', reason: '1024-bit modulus and SHA-1' },
    'gss-gex-sha1-toWM5Slw5Ew8Mqkay+al2g==': { severity: 'high', reason: SHA1 },
    'gss-group14-sha1-toWM5Slw5Ew8Mqkay+al2g==': { severity: 'medium', reason: SHA1 },
    'ecdh-sha2-nistp256': { severity: 'medium', reason: NIST },
    'ecdh-sha2-nistp384': { severity: 'medium', reason: NIST },
    'ecdh-sha2-nistp521': { severity: 'medium', reason: NIST },
    'diffie-hellman-group14-sha256': OK('2048-bit modulus, SHA-256'),
    'diffie-hellman-group15-sha512': OK(),
    'diffie-hellman-group16-sha512': OK(),
    'diffie-hellman-group17-sha512': OK(),
    'diffie-hellman-group18-sha512': OK(),
    'diffie-hellman-group-exchange-sha256': OK(),
    'curve25519-sha256': OK(),
    'curve25519-sha256@libssh.org': OK(),
    'curve448-sha512': OK(),
    'sntrup761x25519-sha512': OK('post-quantum hybrid'),
    'sntrup761x25519-sha512@openssh.com': OK('post-quantum hybrid'),
    'mlkem768x25519-sha256': OK('post-quantum hybrid'),
    // Pseudo-algorithms that signal extensions, not key exchanges.
    'kex-strict-s-v00@openssh.com': OK('strict key exchange (Terrapin countermeasure)'),
    'ext-info-s': OK('extension negotiation'),
    'ext-info-in-auth@openssh.com': OK('extension negotiation'),
  },
  hostKey: {
    'ssh-dss': { severity: 'high', reason: 'DSA: 1024-bit keys and SHA-1, removed from OpenSSH' },
    'ssh-dss-cert-v01@openssh.com': { severity: 'high', reason: 'DSA: 1024-bit keys and SHA-1, removed from OpenSSH' },
    'ssh-rsa': { severity: 'medium', reason: `signatures use SHA-1; prefer rsa-sha2-256/512` },
    'ssh-rsa-cert-v01@openssh.com': { severity: 'medium', reason: 'signatures use SHA-1; prefer rsa-sha2-256/512' },
    'ecdsa-sha2-nistp256': { severity: 'medium', reason: NIST },
    'ecdsa-sha2-nistp384': { severity: 'medium', reason: NIST },
    'ecdsa-sha2-nistp521': { severity: 'medium', reason: NIST },
    'ecdsa-sha2-nistp256-cert-v01@openssh.com': { severity: 'medium', reason: NIST },
    'ecdsa-sha2-nistp384-cert-v01@openssh.com': { severity: 'medium', reason: NIST },
    'ecdsa-sha2-nistp521-cert-v01@openssh.com': { severity: 'medium', reason: NIST },
    'sk-ecdsa-sha2-nistp256@openssh.com': { severity: 'medium', reason: NIST },
    'rsa-sha2-256': OK(),
    'rsa-sha2-512': OK(),
    'rsa-sha2-256-cert-v01@openssh.com': OK(),
    'rsa-sha2-512-cert-v01@openssh.com': OK(),
    'ssh-ed25519': OK(),
    'ssh-ed25519-cert-v01@openssh.com': OK(),
    'sk-ssh-ed25519@openssh.com': OK(),
    'ssh-ed448': OK(),
  },
  cipher: {
    none: { severity: 'high', reason: 'no encryption at all' },
    des: { severity: 'high', reason: '56-bit DES, broken' },
    'des-cbc': { severity: 'high', reason: '56-bit DES, broken' },
    'des-cbc@ssh.com': { severity: 'high', reason: '56-bit DES, broken' },
    '3des-cbc': { severity: 'high', reason: '3DES: 64-bit blocks (Sweet32) in CBC mode' },
    '3des-ctr': { severity: 'high', reason: '3DES: 64-bit blocks (Sweet32)' },
    arcfour: { severity: 'high', reason: 'RC4 keystream biases' },
    arcfour128: { severity: 'high', reason: 'RC4 keystream biases' },
    arcfour256: { severity: 'high', reason: 'RC4 keystream biases' },
    'blowfish-cbc': { severity: 'high', reason: 'Blowfish: 64-bit blocks (Sweet32) in CBC mode' },
    'blowfish-ctr': { severity: 'high', reason: 'Blowfish: 64-bit blocks (Sweet32)' },
    'cast128-cbc': { severity: 'high', reason: 'CAST-128: 64-bit blocks in CBC mode' },
    'cast128-ctr': { severity: 'high', reason: 'CAST-128: 64-bit blocks' },
    'idea-cbc': { severity: 'high', reason: 'IDEA: 64-bit blocks in CBC mode' },
    'aes128-cbc': { severity: 'medium', reason: CBC },
    'aes192-cbc': { severity: 'medium', reason: CBC },
    'aes256-cbc': { severity: 'medium', reason: CBC },
    'rijndael-cbc@lysator.liu.se': { severity: 'medium', reason: CBC },
    'twofish-cbc': { severity: 'medium', reason: CBC },
    'twofish128-cbc': { severity: 'medium', reason: CBC },
    'twofish256-cbc': { severity: 'medium', reason: CBC },
    'aes128-ctr': OK(),
    'aes192-ctr': OK(),
    'aes256-ctr': OK(),
    'aes128-gcm@openssh.com': OK(),
    'aes256-gcm@openssh.com': OK(),
    'chacha20-poly1305@openssh.com': OK('sound (see the Terrapin rule for servers without strict kex)'),
  },
  mac: {
    none: { severity: 'high', reason: 'no integrity protection at all' },
    'hmac-md5': { severity: 'medium', reason: `MD5, ${EAM}` },
    'hmac-md5-96': { severity: 'medium', reason: `MD5 truncated to 96 bits, ${EAM}` },
    'hmac-md5-etm@openssh.com': { severity: 'medium', reason: 'MD5' },
    'hmac-md5-96-etm@openssh.com': { severity: 'medium', reason: 'MD5 truncated to 96 bits' },
    'hmac-sha1': { severity: 'medium', reason: `SHA-1, ${EAM}` },
    'hmac-sha1-96': { severity: 'medium', reason: `SHA-1 truncated to 96 bits, ${EAM}` },
    'hmac-sha1-etm@openssh.com': { severity: 'medium', reason: 'SHA-1' },
    'hmac-sha1-96-etm@openssh.com': { severity: 'medium', reason: 'SHA-1 truncated to 96 bits' },
    'hmac-ripemd160': { severity: 'medium', reason: `RIPEMD-160, ${EAM}` },
    'hmac-ripemd160@openssh.com': { severity: 'medium', reason: `RIPEMD-160, ${EAM}` },
    'hmac-ripemd160-etm@openssh.com': { severity: 'medium', reason: 'RIPEMD-160' },
    'umac-32@openssh.com': { severity: 'medium', reason: `32-bit tag, ${EAM}` },
    'umac-64@openssh.com': { severity: 'low', reason: `64-bit tag, ${EAM}` },
    'umac-64-etm@openssh.com': { severity: 'low', reason: '64-bit tag' },
    'umac-128@openssh.com': { severity: 'low', reason: EAM },
    'hmac-sha2-256': { severity: 'low', reason: EAM },
    'hmac-sha2-512': { severity: 'low', reason: EAM },
    'hmac-sha2-256-96': { severity: 'low', reason: `truncated to 96 bits, ${EAM}` },
    'hmac-sha2-512-96': { severity: 'low', reason: `truncated to 96 bits, ${EAM}` },
    'umac-128-etm@openssh.com': OK(),
    'hmac-sha2-256-etm@openssh.com': OK(),
    'hmac-sha2-512-etm@openssh.com': OK(),
  },
  compression: {
    none: OK(),
    'zlib@openssh.com': OK('compression only after authentication'),
    zlib: { severity: 'info', reason: 'compression before authentication widens the pre-auth attack surface' },
  },
};

export const UNKNOWN_ALGORITHM: AlgorithmVerdict = { severity: 'info', reason: 'not in the audit database; check it is what you meant to offer' };

export function judgeAlgorithm(category: AlgorithmCategory, name: string): AlgorithmVerdict {
  return SSH_ALGORITHMS[category][name] ?? UNKNOWN_ALGORITHM;
}

export const isCbcCipher = (name: string): boolean => /-cbc(@|$)/.test(name);
export const isEtmMac = (name: string): boolean => name.endsWith('-etm@openssh.com');
export const isPostQuantumKex = (name: string): boolean => /^(sntrup761|mlkem768)/.test(name);
