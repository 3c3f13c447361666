/**
 * The transfer engine against REAL servers (OpenSSH sshd, vsftpd explicit FTPS): pooled transfers
 * verified by SHA-256, atomic replacement when aborted, resume after a cut connection, conflicts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MiB, scratchDir, sha256File, startSshd, startTcpProxy, startVsftpd, stopAll, TEST_USER, writeRandomFile, type RunningServer } from '../harness';
import { connectSftp } from '../../src/core/session/sftp';
import { connectFtps } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { CancelledError, SecureTransferError, UsageError } from '../../src/core/errors';
import { download, upload, type TransferResult } from '../../src/core/transfer/engine';
import { SessionPool } from '../../src/core/transfer/sessionPool';
import { ConflictError, MemoryRemoteState } from '../../src/core/transfer/remoteState';
import { isPartialName } from '../../src/core/transfer/partialName';

after(stopAll);




/** Every regular file under `dir` → its SHA-256, by relative path. */
async function treeHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), r);
      else if (e.isFile()) out.set(r, await sha256File(path.join(d, e.name)));
    }
  };
  await walk(dir, '');
  return out;
}

/** A tree of many small files, one large file, and things that must never be uploaded. */
async function makeTree(root: string, smallFiles: number, bigBytes: number): Promise<void> {
  await fs.mkdir(path.join(root, 'sub', 'deeper'), { recursive: true });
  await fs.mkdir(path.join(root, '.git'), { recursive: true });
  await fs.mkdir(path.join(root, '.vscode'), { recursive: true });
  await fs.writeFile(path.join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await fs.writeFile(path.join(root, '.vscode', 'secure-transfer.json'), '{"profiles": []}\n');
  await fs.writeFile(path.join(root, 'debug.log'), 'ignored by a user glob\n');
  await fs.writeFile(path.join(root, 'empty.txt'), '');
  for (let i = 0; i < smallFiles; i++) {
    const dir = i % 3 === 0 ? root : i % 3 === 1 ? path.join(root, 'sub') : path.join(root, 'sub', 'deeper');
    await fs.writeFile(path.join(dir, `f${i}.bin`), randomBytes(1 + ((i * 977) % 8192)));
  }
  await writeRandomFile(path.join(root, 'big.bin'), bigBytes);
}

const NEVER_UPLOADED = ['.git/HEAD', '.vscode/secure-transfer.json', 'debug.log'];

function expectedAfterUpload(source: Map<string, string>): Map<string, string> {
  return new Map([...source].filter(([rel]) => !NEVER_UPLOADED.includes(rel)));
}

/** Sessions the way the CLI makes them: a factory whose every session pins the verified identity. */
function countingFactory(open: () => Promise<RemoteFileSystem>): { factory: () => Promise<RemoteFileSystem>; opened: () => number } {
  let n = 0;
  return {
    factory: async () => {
      n++;
      return open();
    },
    opened: () => n,
  };
}

async function trustStore(): Promise<TrustStore> {
  const { local } = await scratchDir('transfer-trust');
  return new TrustStore(path.join(local, 'trust.json'));
}

function openSftp(server: RunningServer, port = server.port, store?: TrustStore): () => Promise<RemoteFileSystem> {
  return async () =>
    connectSftp({
      server: { protocol: 'sftp', host: server.host, port, username: TEST_USER.name },
      credentials: staticCredentials(TEST_USER.password),
      trust: { pinned: server.hostKeys!.map((k) => k.fingerprint), knownHostsFiles: [], trustStore: store ?? (await trustStore()), decide: refuseUnknown },
      connectTimeoutMs: 10_000,
    });
}

function openFtps(server: RunningServer): () => Promise<RemoteFileSystem> {
  return async () =>
    connectFtps({
      server: { protocol: 'ftpes', host: server.host, port: server.port, username: TEST_USER.name },
      credentials: staticCredentials(TEST_USER.password),
      tls: { pinned: [server.cert!.fingerprint], trustStore: await trustStore(), decide: refuseUnknown },
      connectTimeoutMs: 10_000,
    });
}

async function remoteNames(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

const SERVERS: Array<[string, () => Promise<RunningServer>, (s: RunningServer) => () => Promise<RemoteFileSystem>, number]> = [
  ['SFTP (OpenSSH)', () => startSshd(), (s) => openSftp(s), 2],
  ['FTPS (vsftpd explicit)', () => startVsftpd({ mode: 'explicit' }), openFtps, 4],
];

for (const [label, start, opener, sessions] of SERVERS) {
  describe(`transfer engine over ${label}`, () => {
    let server: RunningServer;
    before(async () => {
      server = await start();
    });

    test(`a tree of many small files and a large one round-trips over a pool of ${sessions} sessions with equal SHA-256`, async () => {
      const { local, remote } = await scratchDir(`pool-${server.name}`);
      const src = path.join(local, 'src');
      await makeTree(src, 240, 24 * MiB);
      const { factory, opened } = countingFactory(opener(server));
      const pool = new SessionPool({ factory, protocol: server.protocol === 'sftp' ? 'sftp' : 'ftpes' });
      try {
        const progress: number[] = [];
        const up = await upload(pool, src, path.posix.join(remote, 'site'), { recursive: true, ignore: ['*.log'], onProgress: (p) => progress.push(p.bytes) });
        assert.equal(up.files, 240 + 2);
        assert.deepEqual(await treeHashes(path.join(remote, 'site')), expectedAfterUpload(await treeHashes(src)));
        assert.equal(opened(), sessions, 'small files spread over the whole pool');
        assert.ok(progress.length > 1 && progress.at(-1)! === up.movedBytes, 'progress ends at the bytes moved');

        const back = path.join(local, 'back');
        const down = await download(pool, path.posix.join(remote, 'site'), back, { recursive: true });
        assert.equal(down.files, 240 + 2);
        assert.deepEqual(await treeHashes(back), expectedAfterUpload(await treeHashes(src)));
        assert.equal(opened(), sessions, 'the download reused the pool');
      } finally {
        await pool.close();
      }
      assert.deepEqual((await remoteNames(path.join(remote, 'site'))).filter(isPartialName), [], 'no partial files are left after success');
    });

    test('an aborted upload and download leave the old target intact and nothing else under its name', async () => {
      const { local, remote } = await scratchDir(`abort-${server.name}`);
      const rfs = await opener(server)();
      try {
        const big = path.join(local, 'big.bin');
        await writeRandomFile(big, 64 * MiB);
        const target = path.posix.join(remote, 'big.bin');
        await fs.writeFile(target, 'old remote content\n');
        await fs.chown(target, (await fs.stat(remote)).uid, (await fs.stat(remote)).gid);

        const ac = new AbortController();
        const err = await upload(rfs, big, target, { signal: ac.signal, onProgress: (p) => p.bytes > 4 * MiB && ac.abort() }).catch((e: unknown) => e);
        assert.ok(err instanceof CancelledError, `expected CancelledError, got ${String(err)}`);
        assert.equal(await fs.readFile(target, 'utf8'), 'old remote content\n');
        const names = await remoteNames(remote);
        assert.equal(names.length, 2, `only the target and one hidden partial: ${names.join(', ')}`);
        assert.ok(isPartialName(names.find((n) => n !== 'big.bin')!));
      } finally {
        await rfs.close();
      }

      const rfs2 = await opener(server)();
      try {
        const remoteBig = path.posix.join(remote, 'remote-big.bin');
        await writeRandomFile(remoteBig, 64 * MiB);
        const localTarget = path.join(local, 'download.bin');
        await fs.writeFile(localTarget, 'old local content\n');
        const ac = new AbortController();
        const err = await download(rfs2, remoteBig, localTarget, { signal: ac.signal, onProgress: (p) => p.bytes > 4 * MiB && ac.abort() }).catch((e: unknown) => e);
        assert.ok(err instanceof CancelledError, `expected CancelledError, got ${String(err)}`);
        assert.equal(await fs.readFile(localTarget, 'utf8'), 'old local content\n');
        const partials = (await fs.readdir(local)).filter(isPartialName);
        assert.equal(partials.length, 1, 'one hidden partial kept for resuming');
      } finally {
        await rfs2.close();
      }
    });

    test('the caller names the target: exact, into a folder, or cp-like (into an existing folder, else exactly)', async () => {
      const { local, remote } = await scratchDir(`target-${server.name}`);
      const r = (...parts: string[]) => path.posix.join(remote, ...parts);
      const read = (p: string) => fs.readFile(p, 'utf8');
      const file = path.join(local, 'a.txt');
      const folder = path.join(local, 'dir');
      await fs.writeFile(file, 'A\n');
      await fs.mkdir(folder);
      await fs.writeFile(path.join(folder, 'b.txt'), 'B\n');
      const rfs = await opener(server)();
      try {
        await rfs.mkdir(r('box'));
        await upload(rfs, file, { exact: r('renamed.txt') });
        assert.equal(await read(r('renamed.txt')), 'A\n', 'exact: the name given, not the source\'s');
        await upload(rfs, file, { into: r('box') });
        assert.equal(await read(r('box', 'a.txt')), 'A\n', 'into: the source\'s name inside the folder');
        await upload(rfs, file, { cp: r('new.txt') });
        assert.equal(await read(r('new.txt')), 'A\n', 'cp onto no folder: exactly that name');
        await upload(rfs, folder, { exact: r('box') }, { recursive: true });
        assert.deepEqual(await remoteNames(r('box')), ['a.txt', 'b.txt'], 'exact folder: its contents go into the existing folder');
        await upload(rfs, folder, { cp: r('box') }, { recursive: true });
        assert.equal(await read(r('box', 'dir', 'b.txt')), 'B\n', 'cp onto an existing folder: inside it');
        const onto = await upload(rfs, file, { exact: r('box') }).catch((e: unknown) => e);
        assert.ok(onto instanceof UsageError && /box is a folder/.test(onto.message), `a file never lands inside an exact folder: ${String(onto)}`);
        assert.deepEqual(await remoteNames(r('box')), ['a.txt', 'b.txt', 'dir'], 'and nothing was left there');

        const down = path.join(local, 'down');
        await fs.mkdir(down);
        await download(rfs, r('renamed.txt'), { exact: path.join(down, 'x.txt') });
        await download(rfs, r('renamed.txt'), { into: down });
        assert.deepEqual(await remoteNames(down), ['renamed.txt', 'x.txt']);
        await download(rfs, r('box'), { exact: down }, { recursive: true });
        assert.deepEqual(await remoteNames(down), ['a.txt', 'b.txt', 'dir', 'renamed.txt', 'x.txt'], 'exact folder: merged into the existing one');
        await download(rfs, r('box'), { cp: down }, { recursive: true });
        assert.equal(await read(path.join(down, 'box', 'dir', 'b.txt')), 'B\n', 'cp onto an existing folder: inside it');
        const into = await download(rfs, r('renamed.txt'), { exact: down }).catch((e: unknown) => e);
        assert.ok(into instanceof UsageError && /down is a folder/.test(into.message), `a file never lands inside an exact folder: ${String(into)}`);
      } finally {
        await rfs.close();
      }
    });

    test('a remote file changed since it was last read is not overwritten unless forced', async () => {
      const { local, remote } = await scratchDir(`conflict-${server.name}`);
      const rfs = await opener(server)();
      try {
        const file = path.join(local, 'page.html');
        const target = path.posix.join(remote, 'page.html');
        const remoteState = new MemoryRemoteState();
        await fs.writeFile(file, '<p>mine v1</p>\n');
        await upload(rfs, file, target, { remoteState });
        await fs.writeFile(target, '<p>a colleague changed this</p>\n'); // someone else, behind our back
        await fs.writeFile(file, '<p>mine v2</p>\n');

        const err = await upload(rfs, file, target, { remoteState }).catch((e: unknown) => e);
        assert.ok(err instanceof ConflictError, `expected ConflictError, got ${String(err)}`);
        assert.equal(err.kind, 'failure');
        assert.match(err.message, /page\.html changed on the server .*--force/);
        assert.equal(await fs.readFile(target, 'utf8'), '<p>a colleague changed this</p>\n');

        await upload(rfs, file, target, { remoteState, force: true });
        assert.equal(await fs.readFile(target, 'utf8'), '<p>mine v2</p>\n');
        // What we wrote is the new baseline: the next upload goes through without force.
        await fs.writeFile(file, '<p>mine v3</p>\n');
        await upload(rfs, file, target, { remoteState });
        assert.equal(await fs.readFile(target, 'utf8'), '<p>mine v3</p>\n');
      } finally {
        await rfs.close();
      }
    });

    test('replacing existing files nobody remembers is asked once (false uploads nothing); every file reports start, bytes and end with its partial', async () => {
      const { local, remote } = await scratchDir(`replace-${server.name}`);
      const rfs = await opener(server)();
      try {
        const src = path.join(local, 'site');
        await fs.mkdir(src);
        for (const n of ['a.txt', 'b.txt', 'new.txt']) await fs.writeFile(path.join(src, n), `local ${n}\n`);
        const dest = path.posix.join(remote, 'site');
        // What is already there, put by someone this remoteState never heard of (as the server's user).
        const theirs = path.join(local, 'theirs');
        await fs.mkdir(theirs);
        for (const n of ['a.txt', 'b.txt']) await fs.writeFile(path.join(theirs, n), `server ${n}\n`);
        await upload(rfs, theirs, { exact: dest }, { recursive: true });
        const remoteState = new MemoryRemoteState();
        const asked: string[][] = [];
        const refused = await upload(rfs, src, { exact: dest }, { recursive: true, remoteState, confirmReplace: async (x) => (asked.push(x), false) }).catch((e: unknown) => e);
        assert.ok(refused instanceof CancelledError, String(refused));
        assert.deepEqual(asked, [[path.posix.join(dest, 'a.txt'), path.posix.join(dest, 'b.txt')]], 'asked once, naming the existing files');
        assert.deepEqual(await remoteNames(dest), ['a.txt', 'b.txt'], 'nothing uploaded');
        assert.equal(await fs.readFile(path.posix.join(dest, 'a.txt'), 'utf8'), 'server a.txt\n');

        const events: string[] = [];
        const partials = new Set<string>();
        await upload(rfs, src, { exact: dest }, {
          recursive: true,
          remoteState,
          confirmReplace: async () => true,
          onFile: (e) => {
            if (e.type !== 'progress') events.push(`${e.type} ${path.posix.basename(e.file.to)}`);
            partials.add(e.file.partial);
          },
        });
        assert.equal(await fs.readFile(path.posix.join(dest, 'a.txt'), 'utf8'), 'local a.txt\n');
        for (const n of ['a.txt', 'b.txt', 'new.txt']) assert.ok(events.indexOf(`start ${n}`) < events.indexOf(`done ${n}`) && events.includes(`start ${n}`), events.join(', '));
        assert.ok([...partials].every((p) => isPartialName(path.posix.basename(p)) && path.posix.dirname(p) === dest), [...partials].join(', '));
        // Now remembered (we wrote them): no question. (One file: over FTPS a folder's LIST has only
        // minute precision where the remembered version came from MDTM, a known false conflict.)
        await upload(rfs, path.join(src, 'a.txt'), { exact: path.posix.join(dest, 'a.txt') }, { remoteState, confirmReplace: async () => assert.fail('asked about a file we wrote') });
      } finally {
        await rfs.close();
      }
    });
  });
}

describe('resume after a cut SFTP connection', () => {
  let sshd: RunningServer;
  before(async () => {
    sshd = await startSshd();
  });

  async function cutThenResume(direction: 'download' | 'upload'): Promise<{ first: unknown; retry: TransferResult; size: number }> {
    const { local, remote } = await scratchDir(`resume-${direction}`);
    const size = 40 * MiB;
    const localFile = path.join(local, 'data.bin');
    const remoteFile = path.posix.join(remote, 'data.bin');
    const localTarget = path.join(local, 'copy.bin');
    const remoteTarget = path.posix.join(remote, 'copy.bin');
    if (direction === 'download') await writeRandomFile(remoteFile, size);
    else await writeRandomFile(localFile, size);
    const run = (rfs: RemoteFileSystem) => (direction === 'download' ? download(rfs, remoteFile, localTarget) : upload(rfs, localFile, remoteTarget));

    // Cut past the upload's resume back-off (64 requests × 255 KiB may be unconfirmed), so a resume
    // must save real bytes, not just restart near zero.
    const proxy = await startTcpProxy(sshd, { cutAfterBytes: 32 * MiB });
    const cut = await openSftp(sshd, proxy.port)();
    const first = await run(cut).catch((e: unknown) => e);
    await cut.close().catch(() => undefined);

    // The retry goes to the same address (a partial's name includes host, port, user and host key):
    // the cut counts per connection, and what is left to move stays below it.
    const rfs = await openSftp(sshd, proxy.port)();
    try {
      const retry = await run(rfs);
      const [a, b] = direction === 'download' ? [remoteFile, localTarget] : [localFile, remoteTarget];
      assert.equal(await sha256File(b), await sha256File(a), 'the resumed file is identical');
      return { first, retry, size };
    } finally {
      await rfs.close();
      await proxy.stop();
    }
  }

  for (const direction of ['download', 'upload'] as const) {
    test(`a ${direction} cut mid-way fails, and the retry resumes (moves fewer bytes) to an identical file`, async () => {
      const { first, retry, size } = await cutThenResume(direction);
      assert.ok(first instanceof SecureTransferError && !(first instanceof CancelledError), `the cut transfer failed with a clear error: ${String(first)}`);
      assert.equal(retry.resumed, 1);
      assert.equal(retry.bytes, size);
      assert.ok(retry.movedBytes < size - 2 * MiB, `retry moved ${retry.movedBytes} of ${size} bytes`);
    });
  }
});
