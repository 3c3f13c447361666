/**
 * FTPS byte ranges (FtpsFileSystem.downloadRange, ftpsRanges.ts) against real vsftpd, ProFTPD and
 * pure-ftpd: bytes land exactly at their offsets and nothing past `end` is written; afterwards the
 * session either works (its next commands get their own replies) or was closed (the pool replaces
 * it). uploadRange is absent: REST+STOR into one file from several sessions is not safe on these
 * servers (see FtpsFileSystem).
 */
import { test, describe, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_USER, scratchDir, startProftpd, startPureFtpd, startVsftpd, stopAll, type RunningServer } from '../harness';
import { connectFtps, type FtpsFileSystem } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import { PartialTransferError } from '../../src/core/session/sftpPipeline';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { CancelledError, NotFoundError, SecureTransferError } from '../../src/core/errors';

after(stopAll);

/** Not a multiple of any buffer size, and large enough that a stop leaves megabytes unsent. */
const SIZE = 12 * 1024 * 1024 + 4321;
const MARK = 0xa5;
let workDir: string;
let data: Buffer;

before(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'ftps-ranges-'));
  data = randomBytes(SIZE);
});

function open(server: RunningServer): Promise<FtpsFileSystem> {
  assert.ok(server.protocol === 'ftpes' || server.protocol === 'ftps');
  return connectFtps({
    server: { protocol: server.protocol, host: server.host, port: server.port, username: TEST_USER.name },
    credentials: staticCredentials(TEST_USER.password),
    tls: { pinned: [server.cert!.fingerprint], trustStore: new TrustStore(path.join(workDir, `trust-${server.port}.json`)), decide: refuseUnknown },
    connectTimeoutMs: 10_000,
  });
}

/** A local file of `SIZE` marker bytes, open for writing in place (as the engine's partial is). */
function markedFile(name: string): { file: string; fd: number } {
  const file = path.join(workDir, name);
  writeFileSync(file, Buffer.alloc(SIZE, MARK));
  return { file, fd: openSync(file, 'r+') };
}

/** The session either answers its next commands correctly, or it was closed (and says so). */
async function usableOrClosed(fs: FtpsFileSystem, remoteFile: string): Promise<'usable' | 'closed'> {
  if (!fs.connected) return 'closed';
  assert.equal((await fs.stat(remoteFile)).size, SIZE);
  const again = await fs.readFile(remoteFile);
  assert.ok(again.equals(data), 'a whole download after the range gets the right bytes');
  return 'usable';
}

const FLAVOURS: [string, () => Promise<RunningServer>, number][] = [
  // [label, start, sessions the server lets one user open at once here]
  ['vsftpd explicit', () => startVsftpd({ mode: 'explicit' }), 4],
  ['ProFTPD mod_tls', () => startProftpd({ mode: 'ftps', allowStoreRestart: true }), 4],
  ['pure-ftpd', () => startPureFtpd(), 2],
];

for (const [label, start, sessions] of FLAVOURS) {
  describe(`FTPS ranges: ${label}`, () => {
    let server: RunningServer;
    let remote: string;
    let remoteFile: string;
    const opened: FtpsFileSystem[] = [];
    const session = async (): Promise<FtpsFileSystem> => {
      const fs = await open(server);
      opened.push(fs);
      return fs;
    };

    before(async () => {
      server = await start();
      ({ remote } = await scratchDir(`ranges-${server.name}`));
      remoteFile = `${remote}/big.bin`;
      await writeFile(path.join(workDir, 'src.bin'), data);
      const fs = await session();
      await fs.uploadFile(path.join(workDir, 'src.bin'), remoteFile);
      await fs.close();
    });
    // pure-ftpd lets one user open few sessions at once: each test closes its own.
    afterEach(async () => {
      for (const fs of opened.splice(0)) await fs.close();
    });

    test('several ranges at once, each on its own session, fill one file byte-exactly', async () => {
      const all = await Promise.all(Array.from({ length: sessions }, () => session()));
      const { file, fd } = markedFile(`all-${server.name}.bin`);
      const step = Math.ceil(SIZE / sessions);
      const progress: number[] = all.map(() => 0);
      try {
        await Promise.all(
          all.map((fs, i) => fs.downloadRange(remoteFile, fd, i * step, Math.min(SIZE, (i + 1) * step), { onProgress: (b) => (progress[i] = b) })),
        );
      } finally {
        closeSync(fd);
      }
      assert.ok(readFileSync(file).equals(data));
      assert.deepEqual(progress, all.map((_, i) => Math.min(SIZE, (i + 1) * step) - i * step));
      for (const fs of all) await usableOrClosed(fs, remoteFile);
    });

    test('a range in the middle stops exactly at its end (nothing written past it)', async () => {
      const fs = await session();
      const { file, fd } = markedFile(`mid-${server.name}.bin`);
      const [from, to] = [1_000_003, 5 * 1024 * 1024 + 17];
      try {
        await fs.downloadRange(remoteFile, fd, from, to);
      } finally {
        closeSync(fd);
      }
      const got = readFileSync(file);
      assert.equal(got.length, SIZE);
      assert.ok(got.subarray(from, to).equals(data.subarray(from, to)));
      assert.ok(got.subarray(0, from).every((b) => b === MARK), 'nothing before the range');
      assert.ok(got.subarray(to).every((b) => b === MARK), 'nothing past the range');
      const state = await usableOrClosed(fs, remoteFile);
      // vsftpd and ProFTPD answer the stopped RETR at once, pure-ftpd after a NOOP: all keep the session.
      assert.equal(state, 'usable');
    });

    test('short ranges one after another on one session (the rest of the file read and dropped, or the session replaced)', async () => {
      let fs = await session();
      const { file, fd } = markedFile(`short-${server.name}.bin`);
      const ranges: [number, number][] = [
        [0, 1],
        [SIZE - 700_000, SIZE - 1000],
        [SIZE - 1, SIZE],
        [4096, 4096 + 65536],
      ];
      try {
        for (const [from, to] of ranges) {
          await fs.downloadRange(remoteFile, fd, from, to);
          if ((await usableOrClosed(fs, remoteFile)) === 'closed') fs = await session();
        }
      } finally {
        closeSync(fd);
      }
      const got = readFileSync(file);
      for (const [from, to] of ranges) assert.ok(got.subarray(from, to).equals(data.subarray(from, to)), `bytes ${from}–${to}`);
      assert.equal(got[1], MARK);
      assert.equal(got[SIZE - 1000], MARK);
    });

    test('a range past the end of the file fails with what arrived committed', async () => {
      const fs = await session();
      const { file, fd } = markedFile(`past-${server.name}.bin`);
      const from = SIZE - 5000;
      let err: unknown;
      try {
        await fs.downloadRange(remoteFile, fd, from, SIZE + 5000).catch((e: unknown) => (err = e));
      } finally {
        closeSync(fd);
      }
      assert.ok(err instanceof PartialTransferError, String(err));
      assert.ok(err.reason instanceof SecureTransferError && err.reason.code === 'remote-changed', String(err.reason));
      assert.equal(err.committed, 5000);
      assert.ok(readFileSync(file).subarray(from).equals(data.subarray(from)));
      assert.equal(await usableOrClosed(fs, remoteFile), 'usable');
    });

    test('a missing file: PartialTransferError with nothing committed', async () => {
      const fs = await session();
      const { fd } = markedFile(`missing-${server.name}.bin`);
      let err: unknown;
      try {
        await fs.downloadRange(`${remote}/no-such-file.bin`, fd, 10, 20).catch((e: unknown) => (err = e));
      } finally {
        closeSync(fd);
      }
      assert.ok(err instanceof PartialTransferError, String(err));
      assert.equal(err.committed, 0);
      // The server's refusal, or (ProFTPD resets the opened TLS data connection) a lost session.
      assert.ok(err.reason instanceof NotFoundError || !fs.connected, String(err.reason));
    });

    test('cancelling a range rejects with CancelledError and the bytes committed so far', async () => {
      const fs = await session();
      const { file, fd } = markedFile(`cancel-${server.name}.bin`);
      const ac = new AbortController();
      let err: unknown;
      try {
        await fs
          .downloadRange(remoteFile, fd, 0, SIZE, {
            signal: ac.signal,
            onProgress: (b) => {
              if (b > 0) ac.abort();
            },
          })
          .catch((e: unknown) => (err = e));
      } finally {
        closeSync(fd);
      }
      assert.ok(err instanceof PartialTransferError, String(err));
      assert.ok(err.reason instanceof CancelledError, String(err.reason));
      assert.ok(err.committed > 0 && err.committed < SIZE, `committed ${err.committed}`);
      assert.ok(readFileSync(file).subarray(0, err.committed).equals(data.subarray(0, err.committed)));
      assert.equal(fs.connected, false);
    });

    test('no uploadRange: the engine uploads in one stream', async () => {
      const fs = await session();
      assert.equal((fs as RemoteFileSystem).uploadRange, undefined);
    });
  });
}
