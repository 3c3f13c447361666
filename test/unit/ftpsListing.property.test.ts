/**
 * FTP listing and reply parsing under arbitrary server input (fast-check): the parsers never throw
 * anything unexpected, listings never yield a name that leaves its folder or breaks a command line,
 * numbers stay finite, and every error about a reply is one printable line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FileInfo, FileType, FTPError } from 'basic-ftp';

import { isSafeEntryName, tolerantParseList as parseList, parseListDate, parseMlstReply, parseMlsxTime, toRemoteEntries } from '../../src/core/session/ftpsListing';
import { ftpError, replyText } from '../../src/core/session/ftpsErrors';
import { parseFeatures } from '../../src/core/session/ftpsFileSystem';
import { SecureTransferError } from '../../src/core/errors';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const hostileName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('..', '.', '', '/', '../x', '/etc/x', 'a/b', 'a\\b', 'n\0ul', 'new\nline', 'cr\rx', '\u001b[31mred', 'x'.repeat(300)),
);
const facts = fc.array(fc.tuple(fc.constantFrom('type', 'size', 'modify', 'unix.mode', 'perm', 'Type', 'x'), fc.string({ unit: 'binary', maxLength: 16 })), { maxLength: 5 });
const mlsdLine = fc.tuple(facts, hostileName).map(([f, name]) => `${f.map(([k, v]) => `${k}=${v}`).join(';')}; ${name}`);
const unixLine = fc
  .tuple(fc.constantFrom('-', 'd', 'l', 'x'), fc.string({ unit: fc.constantFrom('r', 'w', 'x', '-'), minLength: 9, maxLength: 9 }), fc.nat(), fc.string({ maxLength: 12 }), hostileName)
  .map(([t, perms, size, date, name]) => `${t}${perms}    1 u g ${size} ${date} ${name}`);
const dosLine = fc.tuple(fc.string({ maxLength: 16 }), fc.oneof(fc.constant('<DIR>'), fc.nat().map(String)), hostileName).map(([d, s, n]) => `${d} ${s} ${n}`);
const listing = fc.array(fc.oneof(mlsdLine, unixLine, dosLine, fc.string({ unit: 'binary', maxLength: 40 })), { maxLength: 12 }).map((lines) => lines.join('\r\n'));

function assertSafeEntries(text: string): void {
  let files: FileInfo[];
  try {
    files = parseList(text);
  } catch (err) {
    // basic-ftp refuses formats it does not know; FtpsFileSystem maps that to a SecureTransferError.
    assert.ok(err instanceof Error && /only supports MLSD, Unix- or DOS-style/.test(err.message), `parseList threw ${String(err)}`);
    return;
  }
  for (const e of toRemoteEntries(files)) {
    assert.ok(isSafeEntryName(e.name), `unsafe name ${JSON.stringify(e.name)}`);
    assert.ok(!e.name.includes('/') && !e.name.includes('\0') && !/[\r\n]/.test(e.name) && e.name !== '..' && e.name !== '.');
    assert.ok(Number.isFinite(e.size) && e.size >= 0, `size ${e.size}`);
    assert.ok(Number.isFinite(e.mtime), `mtime ${e.mtime}`);
    if (e.permissions !== undefined) assert.ok(e.permissions >= 0 && e.permissions <= 0o777);
  }
}

test('any listing text: parsed entries are always safe names with finite sizes and times', () => {
  fc.assert(fc.property(listing, assertSafeEntries), { numRuns: 2000 });
});

test('any FileInfo a parser could produce: toRemoteEntries keeps only contained names', () => {
  const info = fc.record({ name: hostileName, type: fc.constantFrom(FileType.File, FileType.Directory, FileType.SymbolicLink, FileType.Unknown, 42 as FileType), size: fc.oneof(fc.integer(), fc.double()), raw: fc.string({ maxLength: 20 }) });
  fc.assert(
    fc.property(fc.array(info, { maxLength: 10 }), (infos) => {
      const files = infos.map((i) => Object.assign(new FileInfo(i.name), { type: i.type, size: i.size, rawModifiedAt: i.raw }));
      const entries = toRemoteEntries(files);
      assert.equal(entries.length, infos.filter((i) => isSafeEntryName(i.name)).length);
      for (const e of entries) {
        assert.ok(isSafeEntryName(e.name));
        assert.ok(['file', 'directory', 'symlink', 'other'].includes(e.type));
        assert.ok(Number.isFinite(e.size) && e.size >= 0 && Number.isFinite(e.mtime));
      }
    }),
    { numRuns: 1000 },
  );
});

test('dates and MLST replies: any text parses to a finite number or nothing, never throws', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), hostileName, (text, name) => {
      assert.ok(Number.isFinite(parseListDate(text)));
      assert.ok(Number.isFinite(parseMlsxTime(text)));
      const entry = parseMlstReply(`250-Listing\r\n ${text}\r\n250 End`, name);
      if (entry) assert.ok(Number.isFinite(entry.size) && entry.size >= 0 && Number.isFinite(entry.mtime));
      parseMlstReply(text, name);
    }),
    { numRuns: 2000 },
  );
});

test('FEAT replies: any lines give a list of hash names without throwing', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 30 })), { maxLength: 8 }), (pairs) => {
      const features = parseFeatures(new Map(pairs));
      assert.equal(typeof features.mlst, 'boolean');
      for (const h of features.hashes) assert.equal(typeof h, 'string');
    }),
    { numRuns: 1000 },
  );
});

test('any reply a server sends becomes one printable line in the error the user sees', () => {
  const reply = fc.string({ unit: 'binary', maxLength: 200 });
  fc.assert(
    fc.property(fc.integer({ min: 100, max: 999 }), reply, (code, message) => {
      const err = ftpError(new FTPError({ code, message: `${code} ${message}` }), 'list', '/some/folder', 'ftpes://example.com:21');
      assert.ok(err instanceof SecureTransferError);
      assert.doesNotMatch(err.message, CONTROL, `control characters reach the user: ${JSON.stringify(err.message)}`);
      assert.doesNotMatch(replyText(new FTPError({ code, message })), /[\r\n]/);
    }),
    { numRuns: 2000 },
  );
});
