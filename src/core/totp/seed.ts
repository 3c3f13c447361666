/**
 * TOTP seeds as users paste them: base32 (spaces and lower case tolerated, as authenticator apps
 * display them) or an `otpauth://totp/...` URI whose digits/period/algorithm are honoured.
 * Error messages never repeat the seed.
 */
import type * as OtpauthUri from '@otplib/uri';
import { UsageError } from '../errors';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpSeed {
  /** Normalised base32: upper case, no spaces, no padding. */
  secret: string;
  digits: number;
  /** Seconds. */
  period: number;
  algorithm: TotpAlgorithm;
}

export const TOTP_DEFAULTS = { digits: 6, period: 30, algorithm: 'sha1' } as const satisfies Omit<TotpSeed, 'secret'>;

/** RFC 4226 asks for at least 128 bits, but many providers issue 80-bit seeds; accept those, no fewer. */
export const MIN_SEED_BYTES = 10;
const MAX_SEED_BYTES = 64;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HOW_TO_FIX = 'paste the seed exactly as your provider shows it, or the whole otpauth:// URI';

/** Decodes base32, ignoring the unused low bits of the last character as authenticator apps do. */
export function decodeBase32(secret: string): Uint8Array {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of secret) {
    buffer = ((buffer << 5) | BASE32_ALPHABET.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

function normaliseBase32(text: string, what: string): string {
  const secret = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (secret === '') throw new UsageError(`The ${what} is empty: ${HOW_TO_FIX}.`, 'bad-totp-seed');
  const bad = [...secret].findIndex((ch) => !BASE32_ALPHABET.includes(ch));
  if (bad >= 0) {
    throw new UsageError(
      `The ${what} has a character at position ${bad + 1} that is not base32 (only letters A–Z and digits 2–7 are allowed): ${HOW_TO_FIX}.`,
      'bad-totp-seed',
    );
  }
  const bytes = decodeBase32(secret).length;
  if (bytes < MIN_SEED_BYTES) {
    throw new UsageError(
      `The ${what} is only ${bytes * 8} bits long; at least ${MIN_SEED_BYTES * 8} bits (16 base32 characters) are needed: check that you copied all of it.`,
      'bad-totp-seed',
    );
  }
  if (bytes > MAX_SEED_BYTES) {
    throw new UsageError(`The ${what} is ${bytes * 8} bits long, more than the ${MAX_SEED_BYTES * 8} allowed: ${HOW_TO_FIX}.`, 'bad-totp-seed');
  }
  return secret;
}

/** Names what is wrong with a URI without quoting it: the library's messages can contain the secret. */
function uriProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const missing = /^Missing required parameter: (\w+)/.exec(message);
  if (missing) return `the ${missing[1]} parameter is missing`;
  const invalid = /^Invalid value for parameter '(\w+)'/.exec(message);
  if (invalid) return `the ${invalid[1]} parameter is not valid`;
  return 'it is not a valid otpauth://totp/ URI';
}

function parseUri(text: string): TotpSeed {
  let parsed;
  try {
    // Loaded here, not with the module: the extension imports this at activation.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    parsed = (require('@otplib/uri') as typeof OtpauthUri).parse(text);
  } catch (err) {
    throw new UsageError(`The otpauth:// URI could not be read (${uriProblem(err)}): copy it again from your provider.`, 'bad-totp-seed');
  }
  if (parsed.type !== 'totp') {
    throw new UsageError('The otpauth:// URI is for a counter-based (HOTP) code; Secure Transfer supports time-based (TOTP) codes only.', 'bad-totp-seed');
  }
  const { secret, digits, period, algorithm } = parsed.params;
  return {
    secret: normaliseBase32(secret, 'secret in the otpauth:// URI'),
    digits: digits ?? TOTP_DEFAULTS.digits,
    period: period ?? TOTP_DEFAULTS.period,
    algorithm: algorithm ?? TOTP_DEFAULTS.algorithm,
  };
}

/** Parses and validates a seed as typed or pasted by a user, or as stored by serializeTotpSeed(). */
export function parseTotpSeed(text: string): TotpSeed {
  const trimmed = text.trim();
  if (/^otpauth:/i.test(trimmed)) return parseUri(trimmed);
  return { secret: normaliseBase32(trimmed, 'TOTP seed'), ...TOTP_DEFAULTS };
}

/** What is stored in the keychain: bare base32 for the common case, a minimal otpauth URI otherwise. */
export function serializeTotpSeed(seed: TotpSeed): string {
  const isDefault = (Object.keys(TOTP_DEFAULTS) as (keyof typeof TOTP_DEFAULTS)[]).every((k) => seed[k] === TOTP_DEFAULTS[k]);
  if (isDefault) return seed.secret;
  const params = new URLSearchParams({
    secret: seed.secret,
    digits: String(seed.digits),
    period: String(seed.period),
    algorithm: seed.algorithm.toUpperCase(),
  });
  return `otpauth://totp/secure-transfer?${params}`;
}
