import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FileInfo, FileType, FTPError, parseList } from 'basic-ftp';
import { isSafeEntryName, parseListDate, parseMlstReply, parseMlsxTime, toRemoteEntries } from '../../src/core/session/ftpsListing';
import { assertSafeFtpPath, ftpError } from '../../src/core/session/ftpsErrors';
import { ftpTime, parseFeatures } from '../../src/core/session/ftpsFileSystem';
import { NotFoundError, SecureTransferError, UsageError } from '../../src/core/errors';

const NOW = new Date('2026-11-25T12:00:00Z');

describe('listing names from an untrusted server', () => {
  test('., .., and names with /, NUL or line breaks are dropped', () => {
    for (const bad of ['', '.', '..', 'a/b', '../etc', 'x\0y', 'evil\r\nDELE x', 'line\nbreak']) assert.equal(isSafeEntryName(bad), false, JSON.stringify(bad));
    for (const good of ['a.txt', '...', '.hidden', 'Grüße 日本.txt', ' leading space', 'back\\slash']) assert.equal(isSafeEntryName(good), true, good);
  });

  test('a hostile LIST keeps only the safe entries, with types, sizes, permissions and link targets', () => {
    const text = [
      'drwxr-xr-x    2 1000     1000         4096 Nov 24 10:30 .',
      'drwxr-xr-x    2 1000     1000         4096 Nov 24 10:30 ..',
      '-rw-r--r--    1 1000     1000           12 Nov 24 10:30 ok.txt',
      '-rw-r--r--    1 1000     1000           12 Jan 02  2019 ../../etc/passwd',
      'drwx------    2 1000     1000         4096 Mar 01  2024 sub',
      'lrwxrwxrwx    1 1000     1000            6 Nov 24 10:30 link -> ok.txt',
    ].join('\r\n');
    const entries = toRemoteEntries(parseList(text), NOW);
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.size, e.permissions]),
      [
        ['ok.txt', 'file', 12, 0o644],
        ['sub', 'directory', 4096, 0o700],
        ['link', 'symlink', 6, 0o777],
      ],
    );
    assert.equal(entries[0].mtime, Date.UTC(2026, 10, 24, 10, 30));
    assert.equal(entries[1].mtime, Date.UTC(2024, 2, 1));
    assert.equal(entries[2].target, 'ok.txt');
    // LIST shows minutes, or only the day for older files: the entries say how coarse their time is.
    assert.deepEqual(entries.map((e) => e.mtimePrecision), [60_000, 86_400_000, 60_000]);
  });

  test('MLSD facts give the exact modification time; cdir/pdir are skipped', () => {
    const text = [
      'type=cdir;modify=20240101000000; .',
      'type=pdir;modify=20240101000000; ..',
      'type=file;size=5;modify=20241231235959.500;unix.mode=0640; report.csv',
      'type=dir;modify=20240101000000; dir',
    ].join('\r\n');
    const entries = toRemoteEntries(parseList(text), NOW);
    assert.deepEqual(entries.map((e) => e.name), ['report.csv', 'dir']);
    assert.equal(entries[0].mtime, Date.UTC(2024, 11, 31, 23, 59, 59, 500));
    assert.equal(entries[0].mtimePrecision, undefined, 'MLSD times are exact');
    assert.equal(entries[0].permissions, 0o640);
  });

  test('an entry from a name containing a line break never survives, even if the parser produced it', () => {
    const info = new FileInfo('a\nb');
    info.type = FileType.File;
    assert.deepEqual(toRemoteEntries([info]), []);
  });
});

describe('dates', () => {
  test('LIST dates without a year take the latest year not in the future', () => {
    assert.equal(parseListDate('Nov 24 10:30', NOW), Date.UTC(2026, 10, 24, 10, 30));
    assert.equal(parseListDate('Dec 24 10:30', NOW), Date.UTC(2025, 11, 24, 10, 30));
    assert.equal(parseListDate('Jan  2  2019', NOW), Date.UTC(2019, 0, 2));
  });
  test('DOS dates with AM/PM', () => {
    assert.equal(parseListDate('11-24-26  03:05PM', NOW), Date.UTC(2026, 10, 24, 15, 5));
    assert.equal(parseListDate('01-02-1999  12:00AM', NOW), Date.UTC(1999, 0, 2, 0, 0));
  });
  test('unknown formats give 0 (unknown), not a wrong date', () => {
    assert.equal(parseListDate('yesterday', NOW), 0);
    assert.equal(parseMlsxTime('2024'), 0);
  });
});

describe('MLST replies', () => {
  test('a file', () => {
    const e = parseMlstReply('250-Start of list for /home/u/a.txt\n type=file;size=42;modify=20240102030405;unix.mode=0600; /home/u/a.txt\n250 End of list', 'a.txt');
    assert.deepEqual(e, { name: 'a.txt', type: 'file', size: 42, mtime: Date.UTC(2024, 0, 2, 3, 4, 5), permissions: 0o600 });
  });
  test('a directory reported as cdir, and a reply without facts', () => {
    assert.equal(parseMlstReply('250-x\n type=cdir;modify=20240102030405; /home/u\n250 End', 'u')?.type, 'directory');
    assert.equal(parseMlstReply('250 nothing here', 'u'), undefined);
  });
});

describe('FEAT', () => {
  test('MLST and the offered hash algorithms', () => {
    const f = parseFeatures(new Map([['MLST', 'type*;size*;'], ['HASH', 'SHA-256*;SHA-1;MD5'], ['XSHA256', '']]));
    assert.equal(f.mlst, true);
    assert.deepEqual(f.hashes, ['sha-256', 'sha-1', 'md5', 'xsha256']);
    assert.deepEqual(parseFeatures(new Map()), { mlst: false, hashes: [], mfmt: false, mdtm: false });
  });
  test('how times can be set: MFMT (ProFTPD, pure-ftpd), else MDTM (vsftpd, which lists no MFMT)', () => {
    assert.deepEqual(pickTimes(parseFeatures(new Map([['MDTM', ''], ['MFMT', ''], ['SIZE', '']]))), { mfmt: true, mdtm: true });
    assert.deepEqual(pickTimes(parseFeatures(new Map([['MDTM', ''], ['SIZE', '']]))), { mfmt: false, mdtm: true });
  });
});

const pickTimes = (f: { mfmt: boolean; mdtm: boolean }) => ({ mfmt: f.mfmt, mdtm: f.mdtm });

describe('ftpTime (MFMT / MDTM arguments)', () => {
  test('UTC, whole seconds (truncated, as a file system keeps them), 14 digits', () => {
    assert.equal(ftpTime(Date.UTC(2021, 0, 2, 3, 4, 5, 999)), '20210102030405');
    assert.equal(ftpTime(0), '19700101000000');
    assert.equal(ftpTime(Date.UTC(9999, 11, 31, 23, 59, 59)), '99991231235959');
  });
  test('nothing a server would misread: no negative times, no 5-digit years, no NaN', () => {
    assert.equal(ftpTime(-1000), undefined);
    assert.equal(ftpTime(Date.UTC(10000, 0, 1)), undefined);
    assert.equal(ftpTime(Number.NaN), undefined);
  });
});

describe('errors and paths', () => {
  const where = 'ftpes://h:21';
  test('550 that says "no such file" is a NotFoundError', () => {
    const err = ftpError(new FTPError({ code: 550, message: '550 /x: No such file or directory' }), 'download', '/x', where);
    assert.ok(err instanceof NotFoundError);
    assert.match(err.message, /\/x does not exist on ftpes:\/\/h:21/);
  });
  test('a vague 550 is NotFound only when a probe found the path missing', () => {
    const vague = new FTPError({ code: 550, message: '550 Failed to open file.' });
    assert.ok(ftpError(vague, 'download', '/x', where, true) instanceof NotFoundError);
    const refused = ftpError(vague, 'download', '/x', where, false);
    assert.ok(refused instanceof SecureTransferError && !(refused instanceof NotFoundError));
    assert.equal((refused as SecureTransferError).code, 'ftp-550');
  });
  test('other replies become one sentence with the FTP code and the path', () => {
    const err = ftpError(new FTPError({ code: 553, message: '553 Could not create file.\r\n' }), 'upload to', '/ro/f', where) as SecureTransferError;
    assert.equal(err.message, 'ftpes://h:21 refused to upload to /ro/f: 553 Could not create file..');
    assert.equal(err.code, 'ftp-553');
  });
  test('socket errors name the operation and the path, in our words (not basic-ftp\'s)', () => {
    const err = ftpError(new Error('Timeout (control socket)'), 'list', '/d', where) as SecureTransferError;
    assert.equal(err.message, 'Could not list /d on ftpes://h:21: the server stopped answering (a data or control connection timed out); check the network and retry.');
  });
  test('OpenSSL error strings become their reason in words', () => {
    const ssl = new Error('80BC:error:0A00041A:SSL routines:ssl3_read_bytes:tlsv1 alert decode error:../ssl/rec_layer_s3.c:1601:SSL alert number 50\n');
    const err = ftpError(ssl, 'upload to', '/f', where) as SecureTransferError;
    assert.equal(err.message, 'Could not upload to /f on ftpes://h:21: the TLS connection failed (tlsv1 alert decode error): check that the server offers TLS 1.2 or newer on data connections.');
  });
  test('CR, LF and NUL in a path are refused before anything is sent', () => {
    for (const p of ['/a\r\nDELE /b', '/a\nb', '/a\0b', '']) assert.throws(() => assertSafeFtpPath(p), UsageError);
    assertSafeFtpPath('/ok/Grüße 日本.txt');
  });
});
