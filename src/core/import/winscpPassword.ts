/**
 * WinSCP's stored-password obfuscation (source/core/Security.cpp, PWALG_SIMPLE): each byte b is
 * written as two hex digits of (~b ^ 0xA3); the stream is FLAG(0xFF), a dummy byte, LENGTH, SHIFT,
 * SHIFT random bytes, then LENGTH bytes of UTF-8 `key + password` with key = UserName + HostName
 * (older versions wrote no flag: the first byte is then the length and no key is prepended). It is
 * an encoding, not encryption: anyone holding the file holds the password — hence the import.
 * With a master password set, WinSCP encrypts instead (AES) and this cannot decode it.
 */
const MAGIC = 0xa3;
const FLAG = 0xff;
const MAXLEN = 50;

function decodeBytes(hex: string): number[] | undefined {
  if (!/^(?:[0-9A-Fa-f]{2})*$/.test(hex)) return undefined;
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(~(parseInt(hex.slice(i, i + 2), 16) ^ MAGIC) & 0xff);
  return out;
}

/** The password, or undefined when the text is not WinSCP's encoding for this user and host. */
export function decodeWinscpPassword(encoded: string, username: string, host: string): string | undefined {
  const bytes = decodeBytes(encoded.trim());
  if (!bytes || bytes.length < 2) return undefined;
  let i = 0;
  const next = () => (i < bytes.length ? bytes[i++] : undefined);
  const flag = next()!;
  let length: number | undefined;
  if (flag === FLAG) {
    next(); // dummy (0x00 internal; 0x01 = "external", an encrypted password)
    if (bytes[1] !== 0x00) return undefined;
    length = next();
  } else length = flag;
  const shift = next();
  if (length === undefined || shift === undefined) return undefined;
  i += shift;
  if (i + length > bytes.length) return undefined;
  const raw = Buffer.from(bytes.slice(i, i + length));
  if (flag !== FLAG) return raw.toString('utf8');
  const key = Buffer.from(username + host, 'utf8');
  if (raw.length < key.length || !raw.subarray(0, key.length).equals(key)) return undefined;
  return raw.subarray(key.length).toString('utf8');
}

/**
 * WinSCP's EncryptPassword (for test fixtures and round trips). `random` defaults to a fixed
 * sequence: the shift and padding are noise either way.
 */
export function encodeWinscpPassword(password: string, username: string, host: string, random: (n: number) => number = (n) => (n > 0 ? 7 % n : 0)): string {
  const data = Buffer.from(username + host + password, 'utf8');
  const enc = (b: number) => ((~b ^ MAGIC) & 0xff).toString(16).toUpperCase().padStart(2, '0');
  const shift = data.length < MAXLEN ? random(MAXLEN - data.length) & 0xff : 0;
  let out = enc(FLAG) + enc(0x00) + enc(data.length & 0xff) + enc(shift);
  for (let k = 0; k < shift; k++) out += enc(random(256));
  for (const b of data) out += enc(b);
  while (out.length < MAXLEN * 2) out += enc(random(256));
  return out;
}
