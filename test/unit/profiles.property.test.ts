/**
 * Profile validation under arbitrary input (fast-check): whatever JSON or text a shared profile
 * file holds, validation either accepts it or throws the project's UsageError whose message — and
 * every problem's — is one line. Never a TypeError, never a stack trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkProfileFile, validateProfileFile, validateUserProfiles, ProfileValidationError } from '../../src/core/profiles/validate';
import { checkProfileFileText, parseProfileFileText } from '../../src/core/profiles/load';
import { SecureTransferError } from '../../src/core/errors';

const FILE = '/work/project/.vscode/secure-transfer.json';

function assertOneLine(message: string): void {
  assert.ok(message.length > 0, 'empty message');
  assert.ok(!/[\r\n]/.test(message), `message spans lines: ${JSON.stringify(message)}`);
  assert.ok(!/\n\s+at /.test(message), 'message holds a stack trace');
}

/** Runs `fn`; it may return, or throw the project's error with one-line messages — nothing else. */
function acceptsOrRefusesCleanly(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SecureTransferError, `threw ${String((err as Error)?.stack ?? err)}`);
    assertOneLine(err.message);
    if (err instanceof ProfileValidationError) for (const p of err.problems) assertOneLine(p.message);
  }
}

const KEYS = ['name', 'protocol', 'host', 'port', 'username', 'remotePath', 'fingerprints', 'identityFile', 'agent', 'caFile', 'tlsServerName', 'minTlsVersion', 'mfa', 'appendTotpToPassword', 'localRoot', 'uploadOnSave', 'ignore', 'connectTimeout', 'password', 'rejectUnauthorized', 'policy', 'profiles', '__proto__', 'constructor', 'toString'];
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('sftp', 'ftp', 'ftps', 'ftpes', 'SFTP', 'example.com', 'SHA256:abc', '', ' ', '\u0000', 'a\nb', -1, 0, 65536, 1e308, NaN, Infinity, null, true),
);
/** Profile-shaped objects: real keys, wrong-typed or hostile values, unknown keys. */
const hostileText = fc.string({ unit: 'binary', maxLength: 12 });
const profileLike = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 }), hostileText), fc.oneof(anyValue, hostileText), { maxKeys: 10 });
const fileLike = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ profiles: fc.array(profileLike, { maxLength: 4 }) }),
  fc.record({ profiles: fc.oneof(anyValue, profileLike), policy: fc.oneof(anyValue, profileLike) }, { requiredKeys: [] }),
);

test('any JSON as a profile file: accepted, or one clear UsageError with one-line problems', () => {
  fc.assert(
    fc.property(fileLike, (json) => {
      acceptsOrRefusesCleanly(() => validateProfileFile(json, FILE));
      const check = checkProfileFile(json, FILE);
      for (const p of check.problems) assertOneLine(p.message);
      assert.ok(check.problems.length > 0 || check.profiles.length >= 0);
    }),
    { numRuns: 1500 },
  );
});

test('any value as the user-settings profile list: accepted or refused cleanly', () => {
  fc.assert(
    fc.property(fc.oneof(fc.array(profileLike, { maxLength: 4 }), anyValue), (value) => {
      acceptsOrRefusesCleanly(() => validateUserProfiles(value));
    }),
    { numRuns: 800 },
  );
});

test('any text as the profile file (JSONC): accepted or refused cleanly, and the checker never throws', () => {
  const jsonish = fc.string({ unit: fc.constantFrom(...'{}[]":,/*\n\\ 0123abc-truefalsenul'.split('')), maxLength: 80 });
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), jsonish, fileLike.map((v) => JSON.stringify(v) ?? '')), (text) => {
      acceptsOrRefusesCleanly(() => parseProfileFileText(text, FILE));
      const check = checkProfileFileText(text, FILE);
      for (const p of check.problems) assertOneLine(p.message);
    }),
    { numRuns: 1500 },
  );
});

test('a problem message names the file it is about', () => {
  fc.assert(
    fc.property(fc.record({ profiles: fc.array(profileLike, { minLength: 1, maxLength: 3 }) }), (json) => {
      for (const p of checkProfileFile(json, FILE).problems) assert.ok(p.message.includes(FILE), `"${p.message}" does not say where`);
    }),
    { numRuns: 500 },
  );
});
