/**
 * Partial files under attack. Their names are predictable from public facts, so someone who can
 * write the download (or upload) folder can plant something there first: a symlink to a file of the
 * user's, a folder, a file of their own, a hard link. None may be followed or written through: the
 * transfer starts afresh under another name and succeeds, the planted thing and what it points to
 * stay as they were, and the target is a regular file with the right bytes. And a partial written
 * from another server (a hostile one serving the same path, size and mtime, dropping after 1 MiB)
 * is never resumed from the trusted one.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { download, upload } from '../../src/core/transfer/engine';
import { isPartialName, partialName, sourceIdentity } from '../../src/core/transfer/partialName';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { connectSftp } from '../../src/core/session/sftp';
import { staticCredentials } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { scratchDir, sha256File, startProftpd, startPureFtpd, startSshd, startTcpProxy, startVsftpd, stopAll, type RunningServer, type TcpProxy } from '../harness';
import { dir, startHostileSftpServer, type HostileNode } from '../hostile/hostileSftpServer';
import { count } from './stats';
import { assertHash, faultTest, giveToTestUser, MiB, openFtps, openSftp, writeRandomFile } from './support';

after(stopAll);

const PLANT_OWNER = 65534; // nobody: "another user"

/** The name the engine gives a download's partial (the attacker can work it out too). */
async function downloadPartial(s: RemoteFileSystem, from: string, to: string): Promise<string> {
  const e = await s.stat(from);
  return path.join(path.dirname(to), partialName(path.basename(to), `${sourceIdentity(s.identity, s.protocol)}:${from}:${e.size}:${e.mtime}`, to));
}

/** The name the engine gives an upload's partial. */
async function uploadPartial(s: RemoteFileSystem, from: string, to: string): Promise<string> {
  const st = await fs.stat(from);
  return path.posix.join(path.posix.dirname(to), partialName(path.posix.basename(to), `${sourceIdentity(s.identity, s.protocol)}:${path.resolve(from)}:${st.size}:${st.mtimeMs}`, to));
}

type Plant = [label: string, plant: (at: string, victim: string) => Promise<void>];
const PLANTS: Plant[] = [
  ['a symlink to a file of the user', (at, victim) => fs.symlink(victim, at)],
  ['a folder', (at) => fs.mkdir(at)],
  ["another user's file", async (at) => {
    await fs.writeFile(at, 'planted head '.repeat(1000));
    await fs.chown(at, PLANT_OWNER, PLANT_OWNER);
  }],
  ['a hard link to a file of the user', (at, victim) => fs.link(victim, at)],
];

/** Whatever was planted is still there, as it was, and the victim is untouched. */
async function assertPlantIntact(label: string, at: string, victim: string, victimHash: string): Promise<void> {
  const st = await fs.lstat(at);
  if (label.startsWith('a symlink')) assert.ok(st.isSymbolicLink(), `${label}: still a link`);
  if (label === 'a folder') assert.ok(st.isDirectory(), `${label}: still a folder`);
  if (label.startsWith('another')) assert.equal(st.uid, PLANT_OWNER, `${label}: still theirs`);
  assert.equal(await sha256File(victim), victimHash, `${label}: the file it points to is untouched`);
}

/**
 * With `label`'s plant at the partial's name: the transfer resumes nothing, puts a regular file with
 * the right content in place, and leaves the plant (and what it points to) as it was.
 */
async function transferPastPlant(
  label: string,
  open: () => Promise<RemoteFileSystem>,
  run: (s: RemoteFileSystem) => Promise<{ resumed: number }>,
  at: { target: string; hash: string; partial: string; victim: string; victimHash: string },
): Promise<void> {
  const s = await open();
  try {
    const result = await run(s);
    assert.equal(result.resumed, 0, `${label}: nothing was resumed from it`);
  } finally {
    await s.close();
  }
  assert.ok((await fs.lstat(at.target)).isFile(), `${label}: the target is a regular file`);
  await assertHash(at.target, at.hash, label);
  await assertPlantIntact(label, at.partial, at.victim, at.victimHash);
  count('symlinkPlantsRefused');
  await fs.rm(at.target);
}

async function removePlant(at: string): Promise<void> {
  await fs.rm(at, { recursive: true, force: true });
}

/**
 * What stopAfterFirstMiB() transfers: about a second through the 8 MiB/s proxy. Progress is reported
 * at most every 100 ms, so a 2 MiB upload could finish between two reports on a busy machine (the
 * stop then came after completion, once in 4 stress rounds); a second leaves ~9 reports past 1 MiB.
 */
const STOPPABLE_SIZE = 8 * MiB;

/**
 * Runs a transfer and cancels it once 1 MiB has moved; resolves with the predicted partial name.
 * Every session of a test goes through one throttled proxy (a partial's name includes the port),
 * slow enough that the transfer is seen half way.
 */
async function stopAfterFirstMiB(
  open: () => Promise<RemoteFileSystem>,
  fn: (s: RemoteFileSystem, opts: { signal: AbortSignal; onProgress: (p: { bytes: number }) => void }) => Promise<unknown>,
  predict: (s: RemoteFileSystem) => Promise<string>,
): Promise<string> {
  const s = await open();
  const stop = new AbortController();
  try {
    const at = await predict(s);
    const outcome = await fn(s, { signal: stop.signal, onProgress: (p) => p.bytes >= MiB && stop.abort() }).then(
      () => 'completed',
      () => 'stopped',
    );
    assert.equal(outcome, 'stopped', 'the transfer was stopped half way');
    return at;
  } finally {
    await s.close().catch(() => undefined);
  }
}

describe('planted partials (SFTP)', () => {
  let sshd: RunningServer;
  let proxy: TcpProxy;
  const open = () => openSftp(sshd, proxy);
  before(async () => {
    sshd = await startSshd();
    proxy = await startTcpProxy(sshd, { throttleBytesPerSec: 8 * MiB });
  });
  after(() => proxy.stop());

  faultTest('a download never follows what is planted at its partial name, starts afresh and succeeds', async () => {
    const { local, remote } = await scratchDir('plant-download');
    const hash = await writeRandomFile(path.join(remote, 'data.bin'), STOPPABLE_SIZE);
    await giveToTestUser(path.join(remote, 'data.bin'));
    const victim = path.join(local, 'victim.txt');
    await fs.writeFile(victim, 'precious, must never be overwritten\n');
    const victimHash = await sha256File(victim);
    const target = path.join(local, 'data.bin');

    // First, prove where the partial lives: a download stopped after 1 MiB leaves it at the predicted name.
    const partial = await stopAfterFirstMiB(
      open,
      (s, opts) => download(s, `${remote}/data.bin`, target, opts),
      (s) => downloadPartial(s, `${remote}/data.bin`, target),
    );
    assert.ok((await fs.lstat(partial)).isFile(), 'the stopped download left its partial at the predicted name');

    for (const [label, plant] of PLANTS) {
      await removePlant(partial);
      await plant(partial, victim);
      await transferPastPlant(label, open, (s) => download(s, `${remote}/data.bin`, target), { target, hash, partial, victim, victimHash });
    }
    // Our own partial is still resumed.
    await removePlant(partial);
    await fs.copyFile(path.join(remote, 'data.bin'), partial);
    await fs.truncate(partial, MiB);
    const s = await open();
    try {
      assert.equal((await download(s, `${remote}/data.bin`, target)).resumed, 1, 'our own partial resumes');
    } finally {
      await s.close();
    }
    await assertHash(target, hash, 'resumed');
    assert.deepEqual((await fs.readdir(local)).filter(isPartialName), [], 'no partial is left behind');
  });

  faultTest('an upload never writes through a symlink or into a folder planted at its remote partial name', async () => {
    const { local, remote } = await scratchDir('plant-upload');
    const source = path.join(local, 'site.tar');
    const hash = await writeRandomFile(source, STOPPABLE_SIZE);
    const victim = path.join(remote, 'victim.txt');
    await fs.writeFile(victim, 'the user\'s own remote file\n');
    await giveToTestUser(victim);
    const victimHash = await sha256File(victim);
    const target = `${remote}/site.tar`;

    const partial = await stopAfterFirstMiB(
      open,
      (s, opts) => upload(s, source, target, opts),
      (s) => uploadPartial(s, source, target),
    );
    assert.ok((await fs.lstat(partial)).isFile(), 'the stopped upload left its partial at the predicted name');

    for (const [label, plant] of PLANTS.slice(0, 2)) {
      await removePlant(partial);
      await plant(partial, victim);
      await transferPastPlant(label, open, (s) => upload(s, source, target), { target, hash, partial, victim, victimHash });
    }
  });
});

describe('planted partials (FTPS, vsftpd)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startVsftpd({ mode: 'explicit' });
  });

  faultTest('a download over FTPS never follows a symlink planted at its partial name', async () => {
    const { local, remote } = await scratchDir('plant-ftps');
    const hash = await writeRandomFile(path.join(remote, 'data.bin'), MiB);
    await giveToTestUser(path.join(remote, 'data.bin'));
    const victim = path.join(local, 'victim.txt');
    await fs.writeFile(victim, 'precious\n');
    const victimHash = await sha256File(victim);
    const target = path.join(local, 'data.bin');
    const s = await openFtps(server);
    try {
      const partial = await downloadPartial(s, `${remote}/data.bin`, target);
      await fs.symlink(victim, partial);
      await download(s, `${remote}/data.bin`, target);
      assert.ok((await fs.lstat(target)).isFile());
      await assertHash(target, hash, 'FTPS download past a planted symlink');
      await assertPlantIntact('a symlink', partial, victim, victimHash);
      count('symlinkPlantsRefused');
    } finally {
      await s.close();
    }
  });
});

describe('planted remote partials (FTPS)', () => {
  for (const [label, start] of [
    ['vsftpd', () => startVsftpd({ mode: 'explicit' })],
    ['ProFTPD', () => startProftpd({ mode: 'ftps' })],
    ['pure-ftpd', () => startPureFtpd()],
  ] as const) {
    faultTest(`${label}: an upload never writes through a symlink planted at its remote partial name`, async () => {
      const server = await start();
      const { local, remote } = await scratchDir(`plant-ftps-up-${label}`);
      const source = path.join(local, 'page.html');
      const hash = await writeRandomFile(source, 64 * 1024);
      const victim = path.join(remote, 'victim.txt');
      await fs.writeFile(victim, "the user's own remote file\n");
      await giveToTestUser(victim);
      const victimHash = await sha256File(victim);
      const s = await openFtps(server);
      try {
        const partial = await uploadPartial(s, source, `${remote}/page.html`);
        await fs.symlink(victim, partial);
        await upload(s, source, `${remote}/page.html`);
        assert.ok((await fs.lstat(path.join(remote, 'page.html'))).isFile());
        await assertHash(path.join(remote, 'page.html'), hash, `${label}: upload past a planted symlink`);
        await assertPlantIntact('a symlink', partial, victim, victimHash);
        count('symlinkPlantsRefused');
      } finally {
        await s.close();
      }
    });
  }
});

describe('partials from another server', () => {
  faultTest('a hostile server serving the same path, size and mtime that drops after 1 MiB never supplies the head of a trusted download', async () => {
    const sshd = await startSshd();
    const { local, remote } = await scratchDir('cross-server');
    const size = 4 * MiB;
    const trustedHash = await writeRandomFile(path.join(remote, 'release.tar'), size);
    await giveToTestUser(path.join(remote, 'release.tar'));
    const mtime = 1_700_000_000; // what the hostile server reports for every file
    await fs.utimes(path.join(remote, 'release.tar'), mtime, mtime);

    // The hostile server has the same file at the same path: same size and mtime, other bytes.
    const evil = Buffer.alloc(size, 0x66);
    const parts = `${remote}/release.tar`.split('/').filter(Boolean);
    let node: HostileNode = { kind: 'file', content: evil };
    for (const name of parts.reverse()) node = dir([[name, node]]);
    const hostile = await startHostileSftpServer({ root: node });
    const slow = await startTcpProxy(hostile, { throttleBytesPerSec: 8 * MiB });
    const target = path.join(local, 'release.tar');
    try {
      const trustDir = await fs.mkdtemp(path.join(local, 'trust-'));
      const evilSession = await connectSftp({
        server: { protocol: 'sftp', host: hostile.host, port: slow.port, username: hostile.username },
        credentials: staticCredentials(hostile.password),
        trust: { pinned: [hostile.fingerprint], knownHostsFiles: [], trustStore: new TrustStore(path.join(trustDir, 'trust.json')), decide: refuseUnknown },
        connectTimeoutMs: 10_000,
      });
      // The hostile server drops the connection once 1 MiB has arrived.
      let dropped: Promise<void> | undefined;
      await download(evilSession, `${remote}/release.tar`, target, { onProgress: (p) => void (p.bytes >= MiB && (dropped ??= hostile.close())) }).then(
        () => assert.fail('the hostile server must drop the download'),
        () => undefined,
      );
      await dropped;
      await evilSession.close().catch(() => undefined);
      const left = (await fs.readdir(local)).filter(isPartialName);
      assert.equal(left.length, 1, 'the hostile head was left as a partial');
      const head = await fs.stat(path.join(local, left[0]));
      assert.ok(head.size >= MiB / 2 && head.size < size, `a real head of hostile bytes is there (${head.size} bytes)`);

      const s = await openSftp(sshd);
      try {
        const result = await download(s, `${remote}/release.tar`, target);
        assert.equal(result.resumed, 0, "the other server's partial was not resumed");
      } finally {
        await s.close();
      }
      assert.equal(await sha256File(target), trustedHash, 'the trusted bytes, all of them');
      assert.notEqual(createHash('sha256').update(evil).digest('hex'), trustedHash);
      assert.deepEqual((await fs.readdir(local)).filter(isPartialName), [], "the other server's partial was cleared as stale");
      count('crossServerResumesRefused');
    } finally {
      await slow.stop();
      await hostile.close().catch(() => undefined);
    }
  });
});
