/**
 * Resumed transfers verified by the server's own hash, against REAL servers: ProFTPD mod_sftp
 * (SFTP check-file) and ProFTPD mod_tls + mod_digest (FTP HASH). A byte is flipped inside the
 * already-transferred prefix of a partial before resuming: only hash verification notices, so the
 * result is correct only if verification works. OpenSSH's sftp-server offers no hash: resume is
 * checked by size only. Older partials of the same target are deleted; other hidden files are not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MiB, scratchDir, sha256File, startProftpd, startSshd, stopAll, TEST_USER, writeRandomFile, type RunningServer } from '../harness';
import { connectSftp } from '../../src/core/session/sftp';
import { connectFtps } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import { ReconnectingFileSystem } from '../../src/core/session/reconnecting';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { CancelledError } from '../../src/core/errors';
import { download, upload } from '../../src/core/transfer/engine';
import { isPartialName } from '../../src/core/transfer/partialName';

after(stopAll);

async function trustStore(): Promise<TrustStore> {
  const { local } = await scratchDir('verify-trust');
  return new TrustStore(path.join(local, 'trust.json'));
}

async function openSftp(server: RunningServer): Promise<RemoteFileSystem> {
  return connectSftp({
    server: { protocol: 'sftp', host: server.host, port: server.port, username: TEST_USER.name },
    credentials: staticCredentials(TEST_USER.password),
    trust: { pinned: server.hostKeys!.map((k) => k.fingerprint), knownHostsFiles: [], trustStore: await trustStore(), decide: refuseUnknown },
    connectTimeoutMs: 10_000,
  });
}

async function openFtps(server: RunningServer): Promise<RemoteFileSystem> {
  return connectFtps({
    server: { protocol: 'ftpes', host: server.host, port: server.port, username: TEST_USER.name },
    credentials: staticCredentials(TEST_USER.password),
    tls: { pinned: [server.cert!.fingerprint], trustStore: await trustStore(), decide: refuseUnknown },
    connectTimeoutMs: 10_000,
  });
}

async function partialsIn(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter(isPartialName);
}

/** Flips one byte of `file` in place (ownership and size unchanged). */
async function flipByte(file: string, at: number): Promise<void> {
  const fh = await fs.open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    b[0] ^= 0xff;
    await fh.write(b, 0, 1, at);
  } finally {
    await fh.close();
  }
}

type Direction = 'upload' | 'download';

/**
 * Starts a transfer of a `size`-byte file, aborts it after `abortAt` bytes (leaving a partial),
 * flips a byte near the start of that partial, then runs the transfer again on a fresh session.
 */
async function abortCorruptResume(open: () => Promise<RemoteFileSystem>, direction: Direction, size: number, abortAt: number) {
  const { local, remote } = await scratchDir(`verify-${direction}`);
  const source = direction === 'upload' ? path.join(local, 'data.bin') : path.posix.join(remote, 'data.bin');
  const target = direction === 'upload' ? path.posix.join(remote, 'copy.bin') : path.join(local, 'copy.bin');
  const want = await writeRandomFile(source, size);
  const run = (rfs: RemoteFileSystem, signal?: AbortSignal, onProgress?: (p: { bytes: number }) => void) =>
    direction === 'upload' ? upload(rfs, source, target, { signal, onProgress }) : download(rfs, source, target, { signal, onProgress });

  const first = await open();
  const ac = new AbortController();
  try {
    const err = await run(first, ac.signal, (p) => p.bytes > abortAt && ac.abort()).catch((e: unknown) => e);
    assert.ok(err instanceof CancelledError, `the first transfer was cut: ${String(err)}`);
  } finally {
    await first.close().catch(() => undefined);
  }
  const [partial] = await partialsIn(path.dirname(target));
  assert.ok(partial, 'the aborted transfer left a partial to resume');
  const partialPath = path.join(path.dirname(target), partial);
  assert.ok((await fs.stat(partialPath)).size > 1024, 'the partial holds a prefix');
  await flipByte(partialPath, 1000);

  const rfs = await open();
  try {
    const result = await run(rfs);
    return { result, want, got: await sha256File(target), left: await partialsIn(path.dirname(target)) };
  } finally {
    await rfs.close();
  }
}

const HASHING: Array<{ label: string; start: () => Promise<RunningServer>; open: (s: RunningServer) => Promise<RemoteFileSystem>; offers: string; size: number; abortAt: number }> = [
  // SFTP uploads resume 64 × 255 KiB before the partial's end: cut well past that.
  { label: 'SFTP (ProFTPD mod_sftp, check-file)', start: () => startProftpd({ mode: 'sftp' }), open: openSftp, offers: 'sha256', size: 40 * MiB, abortAt: 28 * MiB },
  { label: 'FTPS (ProFTPD mod_tls + mod_digest, HASH)', start: () => startProftpd({ mode: 'ftps', digest: true, allowStoreRestart: true }), open: openFtps, offers: 'sha-256', size: 64 * MiB, abortAt: 8 * MiB },
];

for (const { label, start, open, offers, size, abortAt } of HASHING) {
  describe(`resume verified by the server's hash over ${label}`, () => {
    let server: RunningServer;
    before(async () => {
      server = await start();
    });

    test('the server hashes a file it holds, and says which algorithm', async () => {
      const { remote } = await scratchDir('verify-hash');
      const file = path.posix.join(remote, 'hello.txt');
      await fs.writeFile(file, 'hello\n');
      const rfs = await open(server);
      try {
        assert.deepEqual(await rfs.hashFile!(file), { algorithm: 'sha256', hex: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03' });
        assert.ok(rfs.capabilities.hashes.includes(offers), `capabilities.hashes: ${rfs.capabilities.hashes.join(', ')}`);
      } finally {
        await rfs.close();
      }
      // The extension's connections are ReconnectingFileSystem: the hash reaches through it (resumes
      // checked, sync plans compared by checksum).
      const wrapped = await ReconnectingFileSystem.connect(() => open(server));
      try {
        assert.deepEqual(await wrapped.hashFile(file), { algorithm: 'sha256', hex: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03' });
      } finally {
        await wrapped.close();
      }
    });

    for (const direction of ['upload', 'download'] as const) {
      test(`a ${direction} resumed onto a partial with a flipped byte is caught by the hash and sent again: the result is identical`, async () => {
        const { result, want, got, left } = await abortCorruptResume(() => open(server), direction, size, abortAt);
        assert.equal(got, want, 'the corrupted prefix did not survive');
        assert.equal(result.resumed, 1);
        assert.equal(result.verifiedByHash, 1);
        assert.ok(result.movedBytes >= size, `the whole file was sent again after the mismatch (${result.movedBytes} bytes moved)`);
        assert.deepEqual(left, [], 'no partial is left');
      });
    }
  });
}

describe('resume over SFTP (OpenSSH sftp-server, no hash)', () => {
  let sshd: RunningServer;
  before(async () => {
    sshd = await startSshd();
  });

  test('offers no hash, and a resume is checked by size only', async () => {
    const rfs = await openSftp(sshd);
    try {
      assert.deepEqual(rfs.capabilities.hashes, []);
      const { remote } = await scratchDir('verify-openssh-hash');
      await fs.writeFile(path.posix.join(remote, 'x.txt'), 'x');
      assert.equal(await rfs.hashFile!(path.posix.join(remote, 'x.txt')), undefined);
      assert.deepEqual(rfs.capabilities.hashes, []);
    } finally {
      await rfs.close();
    }

    const { local, remote } = await scratchDir('verify-openssh');
    const source = path.posix.join(remote, 'data.bin');
    const target = path.join(local, 'copy.bin');
    const size = 64 * MiB;
    const want = await writeRandomFile(source, size);
    const first = await openSftp(sshd);
    const ac = new AbortController();
    try {
      const err = await download(first, source, target, { signal: ac.signal, onProgress: (p) => p.bytes > 4 * MiB && ac.abort() }).catch((e: unknown) => e);
      assert.ok(err instanceof CancelledError, String(err));
    } finally {
      await first.close();
    }
    const again = await openSftp(sshd);
    try {
      const result = await download(again, source, target);
      assert.equal(result.resumed, 1);
      assert.equal(result.verifiedByHash, 0);
      assert.ok(result.movedBytes < size, 'only the rest was moved');
      assert.equal(await sha256File(target), want);
    } finally {
      await again.close();
    }
  });

  test('an older version’s partial of the same target is deleted after the transfer; other hidden files stay', async () => {
    const { local, remote } = await scratchDir('verify-stale');
    const source = path.join(local, 'page.bin');
    const target = path.posix.join(remote, 'page.bin');
    await writeRandomFile(source, 64 * MiB);
    const first = await openSftp(sshd);
    const ac = new AbortController();
    try {
      const err = await upload(first, source, target, { signal: ac.signal, onProgress: (p) => p.bytes > 2 * MiB && ac.abort() }).catch((e: unknown) => e);
      assert.ok(err instanceof CancelledError, String(err));
    } finally {
      await first.close();
    }
    const [older] = await partialsIn(remote);
    assert.ok(older, 'version 1 left a partial');
    // Hidden files that are not partials of this target: another target's partial-like name, an editor file.
    const unrelated = ['.page.bin.swp', '.other.bin.st-0123456789ab.part', '.page.bin.st-zzzz.part'];
    for (const name of unrelated) await fs.writeFile(path.posix.join(remote, name), 'keep me\n');

    const want = await writeRandomFile(source, 3 * MiB); // version 2: another size and mtime
    const rfs = await openSftp(sshd);
    try {
      const result = await upload(rfs, source, target);
      assert.equal(result.resumed, 0, 'version 2 never resumes onto version 1');
    } finally {
      await rfs.close();
    }
    assert.equal(await sha256File(target), want);
    const names = await fs.readdir(remote);
    assert.ok(!names.includes(older), `the older partial ${older} was deleted`);
    for (const name of unrelated) assert.ok(names.includes(name), `${name} was kept`);
    assert.deepEqual(await partialsIn(remote), ['.other.bin.st-0123456789ab.part']);
  });

  test('an older version’s local partial of a download target is deleted too', async () => {
    const { local, remote } = await scratchDir('verify-stale-down');
    const source = path.posix.join(remote, 'page.bin');
    const target = path.join(local, 'page.bin');
    await writeRandomFile(source, 64 * MiB);
    const first = await openSftp(sshd);
    const ac = new AbortController();
    try {
      const err = await download(first, source, target, { signal: ac.signal, onProgress: (p) => p.bytes > 2 * MiB && ac.abort() }).catch((e: unknown) => e);
      assert.ok(err instanceof CancelledError, String(err));
    } finally {
      await first.close();
    }
    const [older] = await partialsIn(local);
    assert.ok(older, 'version 1 left a partial');
    await fs.writeFile(path.join(local, '.page.bin.swp'), 'keep me\n');

    const want = await writeRandomFile(source, 3 * MiB);
    await fs.utimes(source, new Date(), new Date(Date.now() + 5000)); // a later mtime, as a new version has
    const rfs = await openSftp(sshd);
    try {
      await download(rfs, source, target);
    } finally {
      await rfs.close();
    }
    assert.equal(await sha256File(target), want);
    assert.deepEqual(await partialsIn(local), []);
    assert.ok((await fs.readdir(local)).includes('.page.bin.swp'));
  });
});
