import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase32, parseTotpSeed, serializeTotpSeed, type TotpSeed } from '../../src/core/totp/seed';
import { formatCode, totpCode, totpSecondsLeft } from '../../src/core/totp/code';
import { UsageError } from '../../src/core/errors';

const base32 = (ascii: string) => {
  // RFC 6238's seeds are ASCII; encode them so the tests go through the same path users do.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of Buffer.from(ascii)) bits += b.toString(2).padStart(8, '0');
  return (bits.match(/.{1,5}/g) ?? []).map((c) => alphabet[parseInt(c.padEnd(5, '0'), 2)]).join('');
};

const RFC_SEEDS = {
  sha1: base32('12345678901234567890'),
  sha256: base32('12345678901234567890123456789012'),
  sha512: base32('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

// RFC 6238 Appendix B: every time, every algorithm, 8 digits.
const RFC_VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

test('codes match the RFC 6238 test vectors for SHA-1, SHA-256 and SHA-512', () => {
  for (const [time, sha1, sha256, sha512] of RFC_VECTORS) {
    const expected = { sha1, sha256, sha512 };
    for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
      const seed: TotpSeed = { secret: RFC_SEEDS[algorithm], digits: 8, period: 30, algorithm };
      assert.equal(totpCode(seed, time), expected[algorithm], `${algorithm} at ${time}`);
    }
  }
});

test('an otpauth URI with algorithm, digits and period is honoured', () => {
  const seed = parseTotpSeed(`otpauth://totp/ACME:alice?secret=${RFC_SEEDS.sha256}&algorithm=SHA256&digits=8&period=30&issuer=ACME`);
  assert.deepEqual({ ...seed, secret: undefined }, { secret: undefined, digits: 8, period: 30, algorithm: 'sha256' });
  assert.equal(totpCode(seed, 59), '46119246');
  const slow = parseTotpSeed(`otpauth://totp/x?secret=${RFC_SEEDS.sha1}&period=60&digits=8`);
  // With a 60-s period, t=119 is step 1 — the RFC's 30-s step 1 is t=59 → same code.
  assert.equal(totpCode(slow, 119), '94287082');
  assert.equal(totpSecondsLeft(slow, 119), 1);
});

test('base32 seeds tolerate spaces, lower case and padding, and are stored normalised', () => {
  const seed = parseTotpSeed('  jbsw y3dp ehpk 3pxp  \n');
  assert.deepEqual(seed, { secret: 'JBSWY3DPEHPK3PXP', digits: 6, period: 30, algorithm: 'sha1' });
  assert.equal(serializeTotpSeed(seed), 'JBSWY3DPEHPK3PXP');
  assert.equal(parseTotpSeed('JBSWY3DPEHPK3PXP====').secret, 'JBSWY3DPEHPK3PXP');
});

test('non-default parameters survive storing and reading back', () => {
  const seed = parseTotpSeed(`otpauth://totp/x?secret=${RFC_SEEDS.sha512}&algorithm=SHA512&digits=8&period=45`);
  assert.deepEqual(parseTotpSeed(serializeTotpSeed(seed)), seed);
});

test('80-bit (10-byte) seeds are accepted and produce codes', () => {
  const seed = parseTotpSeed(base32('1234567890'));
  assert.equal(decodeBase32(seed.secret).length, 10);
  assert.match(totpCode(seed, 59), /^\d{6}$/);
});

test('seeds whose last character carries unused bits (google-authenticator style, 26 chars) work', () => {
  const seed = parseTotpSeed('JBSWY3DPEHPK3PXPJBSWY3DPEH');
  assert.equal(decodeBase32(seed.secret).length, 16);
  assert.match(totpCode(seed), /^\d{6}$/);
});

const rejects = (text: string, pattern: RegExp) => {
  assert.throws(() => parseTotpSeed(text), (err: unknown) => {
    assert.ok(err instanceof UsageError, 'a usage error');
    assert.match(err.message, pattern);
    return true;
  });
};

test('bad seeds are refused with one sentence naming what is wrong, never quoting the seed', () => {
  rejects('', /empty/);
  rejects('JBSWY3DPEHPK3PX1', /position 16 .*not base32/);
  rejects('JBSWY3DPEHPK3P', /only 64 bits.*at least 80 bits/); // 14 chars = 8 bytes
  rejects('otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1', /HOTP/);
  rejects('otpauth://totp/x?issuer=ACME', /secret parameter is missing/);
  rejects('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=5', /digits parameter is not valid/);
  rejects('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5', /algorithm parameter is not valid/);
  rejects('otpauth://totp/x?secret=JBSWY3DPEHPK!PXP', /otpauth.*position 13 /);
  for (const secret of ['JBSWY3DPEHPK3PX1', 'otpauth:/totp?secret=QQQQWWWWEEEERRRR']) {
    try {
      parseTotpSeed(secret);
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(!(err as Error).message.includes(secret.slice(-12)), 'the message must not contain the seed');
    }
  }
});

test('codes are shown in two groups like authenticator apps do', () => {
  assert.equal(formatCode('123456'), '123 456');
  assert.equal(formatCode('12345678'), '1234 5678');
});
