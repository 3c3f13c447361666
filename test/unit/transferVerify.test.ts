/**
 * Resume verification's pure parts: choosing a hash algorithm, reading FTP HASH / XSHA256 replies
 * and SFTP VERSION / check-file packets, telling older partials of a target apart from everything
 * else, and the engine's mismatch → retransfer once → fail rule (over a stand-in session: the
 * protocols themselves are tested against real servers in test/integration/transfer-verify.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SecureTransferError } from '../../src/core/errors';
import { chooseFtpHash, parseFtpCommandHashReply, parseFtpHashReply } from '../../src/core/session/remoteHash';
import { advertisesCheckFile, mayOfferCheckFile, parseCheckFileReply, parseVersion } from '../../src/core/session/sftpCheckFile';
import type { FileTransferOptions, RemoteFileSystem, RemoteHash } from '../../src/core/session/remoteFileSystem';
import { download } from '../../src/core/transfer/engine';
import { PartialIndex, isOlderPartialOf, isPartialName, partialName, retryPartialName } from '../../src/core/transfer/partialName';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

test('FTP: sha256 is chosen when offered, else the strongest; md5 only when nothing better is offered', () => {
  // ProFTPD mod_digest's FEAT, as parseFeatures lists it.
  const proftpd = ['crc32', 'md5', 'sha-1', 'sha-256', 'sha-512', 'xcrc', 'xmd5', 'xsha1', 'xsha256', 'xsha512'];
  assert.deepEqual(chooseFtpHash(proftpd), { algorithm: 'sha256', via: 'HASH', name: 'SHA-256' });
  assert.deepEqual(chooseFtpHash(['md5', 'sha-1', 'sha-512']), { algorithm: 'sha512', via: 'HASH', name: 'SHA-512' });
  assert.deepEqual(chooseFtpHash(['xmd5', 'xsha1']), { algorithm: 'sha1', via: 'command', command: 'XSHA1' });
  assert.deepEqual(chooseFtpHash(['xmd5']), { algorithm: 'md5', via: 'command', command: 'XMD5' });
  assert.equal(chooseFtpHash(['xcrc', 'crc32']), undefined, 'CRC is no hash to verify with');
  assert.equal(chooseFtpHash([]), undefined);
});

test('FTP: a HASH reply counts only for the asked algorithm over the whole file; X-command replies need the right length', () => {
  const hex = sha256('hello\n');
  const reply = `213-Computing SHA-256 digest\n213 SHA-256 0-6 ${hex} /home/u/x.txt`;
  assert.equal(parseFtpHashReply(reply, 'sha256', 6), hex);
  assert.equal(parseFtpHashReply(reply, 'sha256', 7), undefined, 'a range that is not the whole file');
  assert.equal(parseFtpHashReply(reply.replace('SHA-256 0', 'SHA-1 0'), 'sha256', 6), undefined, 'another algorithm');
  assert.equal(parseFtpHashReply(reply.replace(' 0-6', ' 2-6'), 'sha256', 6), undefined, 'a range from the middle');
  assert.equal(parseFtpHashReply('550 /nope: No such file or directory', 'sha256', 6), undefined);

  assert.equal(parseFtpCommandHashReply(`250-Computing SHA256 digest\n250 ${hex.toUpperCase()}`, 'sha256'), hex);
  assert.equal(parseFtpCommandHashReply(`250 ${hex.slice(0, 40)}`, 'sha256'), undefined, 'a SHA-1-sized digest is no SHA-256');
  assert.equal(parseFtpCommandHashReply('500 XSHA256 not understood', 'sha256'), undefined);
});

function sshString(s: string | Buffer): Buffer {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

test('SFTP: check-file is found in v3 extensions or in the v5+ supported2 field; OpenSSH has none', () => {
  // What ProFTPD 1.3.8 sends for version 6 (fixed supported2 fields, then 0 attribute extensions, 4 extensions).
  const supported2 = Buffer.concat([u32(0x800000ad), u32(0), u32(0x187), u32(0x1f), u32(0), Buffer.from([0, 1, 0x0c, 1]), u32(0), u32(4), ...['check-file', 'copy-file', 'space-available', 'vendor-id'].map((n) => sshString(n))]);
  const version = Buffer.concat([u32(6), sshString('versions'), sshString('2,3,4,5,6'), sshString('supported2'), sshString(supported2), sshString('posix-rename@openssh.com'), sshString('1')]);
  const info = parseVersion(version);
  assert.equal(info.version, 6);
  assert.ok(advertisesCheckFile(info.extensions));
  assert.ok(!advertisesCheckFile(parseVersion(Buffer.concat([u32(3), sshString('posix-rename@openssh.com'), sshString('1')])).extensions));
  assert.throws(() => parseVersion(Buffer.concat([u32(6), sshString('supported2'), sshString(supported2.subarray(0, 20))])), 'a truncated supported2 is an error, not a guess');

  const openssh = { 'posix-rename@openssh.com': '1', 'limits@openssh.com': '1', 'statvfs@openssh.com': '2' };
  assert.equal(mayOfferCheckFile(openssh), false, 'no side channel is opened for OpenSSH');
  assert.equal(mayOfferCheckFile({ versions: '2,3,4,5,6' }), true);
  assert.equal(mayOfferCheckFile({ 'check-file-name': '1' }), true);
});

test('SFTP: a check-file reply gives the algorithm and a digest of its length, or nothing', () => {
  const digest = createHash('sha256').update('hello\n').digest();
  assert.deepEqual(parseCheckFileReply(Buffer.concat([sshString('sha256'), digest])), { algorithm: 'sha256', hex: digest.toString('hex') });
  assert.equal(parseCheckFileReply(Buffer.concat([sshString('sha256'), digest.subarray(0, 20)])), undefined);
  assert.equal(parseCheckFileReply(Buffer.concat([sshString('crc32'), Buffer.alloc(4)])), undefined);
});

test('an older partial of the same target is recognised; the current one, other targets and other hidden files are not', () => {
  const current = partialName('index.html', 'sftp:/srv/index.html:10:1000', '/site/index.html');
  const older = partialName('index.html', 'sftp:/srv/index.html:9:900', '/site/index.html');
  const otherTarget = partialName('index.html', 'sftp:/srv/index.html:9:900', '/other/index.html');
  const otherName = partialName('about.html', 'sftp:/srv/about.html:9:900', '/site/about.html');
  assert.ok(isPartialName(current) && isPartialName(older));
  assert.ok(isOlderPartialOf(older, current));
  assert.ok(!isOlderPartialOf(current, current));
  assert.ok(!isOlderPartialOf(otherTarget, current), 'same name, other target path');
  assert.ok(!isOlderPartialOf(otherName, current));
  for (const unrelated of ['.index.html.swp', '.index.html', 'index.html', `.index.html.st-${'z'.repeat(12)}.part`, `${current}.bak`]) {
    assert.ok(!isOlderPartialOf(unrelated, current), unrelated);
  }
});

test('a file sent again after a hash mismatch goes under a fresh partial name of the same target', () => {
  const first = partialName('index.html', 'local:/src/index.html:10:1000', '/site/index.html');
  const retry = retryPartialName(first);
  assert.ok(isPartialName(retry));
  assert.notEqual(retry, first);
  assert.ok(isOlderPartialOf(first, retry), 'the first partial counts as a stale partial of the retry');
  assert.equal(retryPartialName(first), retry, 'deterministic');
});

test('one index of a folder listing answers every file: each gets only the older partials of its own target', () => {
  const mk = (n: number, version: number) => partialName(`f${n}.bin`, `local:/src/f${n}.bin:${version}:1`, `/dst/f${n}.bin`);
  const names = ['f1.bin', '.f1.bin.swp', mk(1, 1), mk(1, 2), mk(1, 3), mk(2, 1), mk(3, 7)];
  const index = new PartialIndex(names);
  assert.deepEqual(index.olderThan(mk(1, 3)).sort(), [mk(1, 1), mk(1, 2)].sort());
  assert.deepEqual(index.olderThan(mk(2, 5)), [mk(2, 1)]);
  assert.deepEqual(index.olderThan(mk(3, 7)), [], 'the current one is not older than itself');
  assert.deepEqual(index.olderThan(mk(4, 1)), []);
  assert.deepEqual(index.olderThan('f1.bin'), [], 'not a partial name');
});

/** A stand-in server holding one file, whose hash may lie: it exercises the engine's rule only. */
function fakeServer(content: Buffer, serverHash: () => RemoteHash | undefined): RemoteFileSystem & { downloads: number[] } {
  const downloads: number[] = [];
  const rfs = {
    downloads,
    protocol: 'sftp' as const,
    homeDir: '/',
    capabilities: { atomicRename: true, hashes: ['sha256'] },
    connected: true,
    onClose() {},
    async close() {},
    async stat(p: string) {
      return { name: path.posix.basename(p), type: 'file' as const, size: content.length, mtime: 1_000 };
    },
    async downloadFile(_from: string, local: string, opts?: FileTransferOptions) {
      const offset = opts?.offset ?? 0;
      downloads.push(offset);
      const fh = await fs.open(local, offset > 0 ? 'r+' : 'w');
      await fh.write(content, offset, content.length - offset, offset);
      await fh.close();
      opts?.onProgress?.({ bytes: content.length - offset });
    },
    async hashFile() {
      return serverHash();
    },
  };
  return rfs as unknown as RemoteFileSystem & { downloads: number[] };
}

async function withCorruptPartial(content: Buffer): Promise<{ dir: string; target: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-verify-'));
  const target = path.join(dir, 'file.bin');
  const partial = path.join(dir, partialName('file.bin', `sftp:/srv/file.bin:${content.length}:1000`, target));
  const prefix = Buffer.from(content.subarray(0, content.length / 2));
  prefix[3] ^= 0xff; // a flipped byte in what was "already transferred"
  await fs.writeFile(partial, prefix);
  await fs.writeFile(target, 'old\n');
  return { dir, target };
}

test('engine: a resumed file that differs from the server hash is sent again from byte 0, once, and then put in place', async () => {
  const content = Buffer.from('0123456789abcdef'.repeat(64));
  const { dir, target } = await withCorruptPartial(content);
  const server = fakeServer(content, () => ({ algorithm: 'sha256', hex: sha256(content) }));
  const result = await download(server, '/srv/file.bin', target);
  assert.deepEqual(server.downloads, [content.length / 2, 0], 'resumed, then once from the start');
  assert.deepEqual(await fs.readFile(target), content);
  assert.equal(result.verifiedByHash, 1);
  assert.deepEqual((await fs.readdir(dir)).filter(isPartialName), []);
});

test('engine: when the second transfer still differs from the server hash, it fails in one sentence and nothing is put in place', async () => {
  const content = Buffer.from('0123456789abcdef'.repeat(64));
  const { dir, target } = await withCorruptPartial(content);
  const server = fakeServer(content, () => ({ algorithm: 'sha256', hex: sha256('something else') }));
  const err = await download(server, '/srv/file.bin', target).catch((e: unknown) => e);
  assert.ok(err instanceof SecureTransferError, String(err));
  assert.equal(err.code, 'hash-mismatch');
  assert.match(err.message, /^\S*file\.bin still differs from the server's hash after a full second transfer, so it was not put in place: .*\.$/);
  assert.ok(!err.message.includes('\n'));
  assert.deepEqual(server.downloads, [content.length / 2, 0]);
  assert.equal(await fs.readFile(target, 'utf8'), 'old\n', 'the old file stays');
  assert.deepEqual((await fs.readdir(dir)).filter(isPartialName), [], 'the bad result is not kept for resuming');
});

test('engine: without a server hash a resume is checked by size only (no second transfer)', async () => {
  const content = Buffer.from('0123456789abcdef'.repeat(64));
  const { target } = await withCorruptPartial(content);
  const server = fakeServer(content, () => undefined);
  const result = await download(server, '/srv/file.bin', target);
  assert.deepEqual(server.downloads, [content.length / 2]);
  assert.equal(result.verifiedByHash, 0);
  assert.equal(result.resumed, 1);
});
