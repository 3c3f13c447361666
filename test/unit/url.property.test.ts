import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatUrl, parseTarget, parseUrl, type RemoteUrl } from '../../src/core/profiles/url';
import { SecureTransferError } from '../../src/core/errors';
import type { Protocol } from '../../src/core/profiles/types';

const hasControlChar = (s: string) => [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f');
const text = (extra: (s: string) => boolean = () => true) => fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !hasControlChar(s) && extra(s));
const segment = text((s) => !s.includes('/'));
const segments = fc.array(segment, { maxLength: 4 }).map((parts) => parts.join('/'));
const path = fc.oneof(fc.constant(''), fc.constant('~'), segments.map((p) => `~/${p}`), segments.map((p) => `/${p}`));
const fingerprint = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => 'SHA256:' + Buffer.from(b).toString('base64').replace(/=+$/, ''));
const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6()).map((h) => h.toLowerCase());

const remoteUrl: fc.Arbitrary<RemoteUrl> = fc
  .record({
    protocol: fc.constantFrom<Protocol>('sftp', 'ftpes', 'ftps'),
    host,
    port: fc.integer({ min: 1, max: 65535 }),
    username: fc.option(text(), { nil: undefined }),
    fingerprints: fc.array(fingerprint, { maxLength: 2 }),
    path,
  })
  // WinSCP's fingerprint parameter lives in the user part: no user, no fingerprints.
  .map((u) => {
    const { username, ...rest } = u;
    return username === undefined ? { ...rest, fingerprints: [] } : { ...rest, username };
  });

test('parseUrl(formatUrl(u)) gives u back', () => {
  fc.assert(
    fc.property(remoteUrl, (u) => {
      assert.deepEqual(parseUrl(formatUrl(u)), u);
    }),
    { numRuns: 500 },
  );
});

test('formatUrl(parseUrl(s)) is stable: formatting a parsed URL again changes nothing', () => {
  fc.assert(
    fc.property(remoteUrl, (u) => {
      const once = formatUrl(parseUrl(formatUrl(u)));
      assert.equal(formatUrl(parseUrl(once)), once);
    }),
    { numRuns: 200 },
  );
});

const urlish = fc.string({ unit: fc.constantFrom(...'@:;/[]%~=-_.aZ09 %#?\n'.split('')), maxLength: 40 });
const anyTarget = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.tuple(fc.constantFrom('sftp://', 'ftpes://', 'ftps://', 'ftp://', 'profile:', 'SFTP://', 'sftp:', 'ssh://', ''), urlish).map(([a, b]) => a + b),
  fc.tuple(fc.constantFrom('sftp://', 'ftps://'), urlish, fc.constantFrom('@', '@[', ':', '/'), urlish).map((p) => p.join('')),
);

test('the parser never throws anything but a SecureTransferError, whatever it is given', () => {
  fc.assert(
    fc.property(anyTarget, (s) => {
      try {
        parseTarget(s);
      } catch (err) {
        assert.ok(err instanceof SecureTransferError, `threw ${String(err)} for ${JSON.stringify(s)}`);
        assert.ok(!(err as Error).message.includes('\n    at '), 'no stack trace in the message');
      }
    }),
    { numRuns: 2000 },
  );
});

test('a password in a URL is never echoed in the error', () => {
  // Known limit: digits then "/" (user:123/x@host) reads as host:port/path, as in every URL parser.
  const password = fc
    .string({ unit: fc.constantFrom(...'abcXYZ019!$&*+,=/@'.split('')), minLength: 6, maxLength: 20 })
    .filter((p) => /[a-zA-Z0-9]{4}/.test(p) && !/^\d+\//.test(p));
  fc.assert(
    fc.property(fc.constantFrom('sftp', 'ftps', 'ftp', 'ftpes'), password, (scheme, pw) => {
      const url = `${scheme}://deploy:${pw}@files.example.com/site`;
      assert.throws(
        () => parseUrl(url),
        (err: unknown) => err instanceof SecureTransferError && !err.message.includes(pw),
      );
    }),
    { numRuns: 500 },
  );
});
