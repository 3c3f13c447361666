/**
 * The transfer engine's pure parts: the bounded queue, the session pool's lanes and lazy opening,
 * progress/ETA, ignore globs, partial names, remembered remote versions and trust reuse.
 * (Transfers against real servers are in test/integration/transfer.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError } from '../../src/core/errors';
import { runBounded } from '../../src/core/transfer/queue';
import { SessionPool } from '../../src/core/transfer/sessionPool';
import { ProgressMeter, type TransferProgressSnapshot } from '../../src/core/transfer/progress';
import { ignoreMatcher } from '../../src/core/transfer/ignore';
import { isPartialName, partialName } from '../../src/core/transfer/partialName';
import { ConflictError, FileRemoteState, REMOTE_VERSIONS_LIMITS, RemoteVersions, sameVersion } from '../../src/core/transfer/remoteState';
import { replaceRemoteFile, savePartialName } from '../../src/core/transfer/replaceRemote';
import { trustOnceFactory } from '../../src/core/transfer/sessionFactory';
import { landingPath } from '../../src/core/transfer/engine';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import type { TrustDecision, TrustQuestion } from '../../src/core/trust/types';

const tick = () => new Promise((r) => setImmediate(r));

test('runBounded never runs more jobs at once than allowed, and runs them all', async () => {
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  await runBounded([...Array(20).keys()], 3, async (i) => {
    running++;
    peak = Math.max(peak, running);
    await tick();
    running--;
    done.push(i);
  });
  assert.equal(peak, 3);
  assert.deepEqual(done.sort((a, b) => a - b), [...Array(20).keys()]);
});

test('runBounded stops starting jobs after the first failure, waits for running ones, throws that failure', async () => {
  const started: number[] = [];
  let finished = 0;
  const err = await runBounded([...Array(10).keys()], 2, async (i) => {
    started.push(i);
    await tick();
    finished++;
    if (i === 1) throw new Error('boom');
  }).catch((e: Error) => e);
  assert.equal((err as Error).message, 'boom');
  assert.ok(started.length <= 3, `started ${started.length}`);
  assert.equal(finished, started.length, 'nothing left running behind the caller');
});

test('runBounded rejects with CancelledError once the signal aborts', async () => {
  const ac = new AbortController();
  let ran = 0;
  const err = await runBounded([1, 2, 3, 4], 1, async () => {
    ran++;
    ac.abort();
  }, ac.signal).catch((e: unknown) => e);
  assert.ok(err instanceof CancelledError);
  assert.equal(ran, 1);
});

/** A stand-in session for pool bookkeeping only (no protocol involved). */
function fakeSession(id: number): RemoteFileSystem & { id: number; closed: boolean } {
  const s = {
    id,
    closed: false,
    protocol: 'sftp' as const,
    homeDir: '/',
    capabilities: { atomicRename: true, hashes: [] },
    get connected() {
      return !s.closed;
    },
    async close() {
      s.closed = true;
    },
    onClose() {},
  };
  return s as unknown as RemoteFileSystem & { id: number; closed: boolean };
}

test('the pool opens the first session alone, more only when jobs wait, and never more than its shape', async () => {
  const opened: ReturnType<typeof fakeSession>[] = [];
  let concurrentOpens = 0;
  let peakOpens = 0;
  const factory = async () => {
    concurrentOpens++;
    peakOpens = Math.max(peakOpens, concurrentOpens);
    await tick();
    concurrentOpens--;
    const s = fakeSession(opened.length);
    opened.push(s);
    return s;
  };
  const pool = new SessionPool({ factory, shape: { sessions: 3, lanesPerSession: 2 } });
  // One job: one session.
  await pool.use(async () => undefined);
  assert.equal(opened.length, 1);
  // Many jobs at once: up to 3 sessions × 2 lanes.
  let running = 0;
  let peak = 0;
  const perSession = new Map<number, number>();
  await Promise.all(
    [...Array(12).keys()].map(() =>
      pool.use(async (rfs) => {
        const id = (rfs as unknown as { id: number }).id;
        perSession.set(id, (perSession.get(id) ?? 0) + 1);
        running++;
        peak = Math.max(peak, running);
        await tick();
        await tick();
        running--;
        perSession.set(id, perSession.get(id)! - 1);
      }),
    ),
  );
  assert.equal(opened.length, 3);
  assert.ok(peak <= 6, `peak ${peak}`);
  await pool.close();
  assert.ok(opened.every((s) => s.closed), 'the pool closes what it opened');
});

test('the pool replaces a session that dropped, leaves a seed open for its owner, and fails when the first open fails', async () => {
  const seed = fakeSession(100);
  let n = 0;
  const pool = new SessionPool({ seed, factory: async () => fakeSession(n++), shape: { sessions: 2, lanesPerSession: 1 } });
  assert.equal(await pool.any(), seed);
  seed.closed = true; // the connection dropped
  const next = await pool.any();
  assert.notEqual(next, seed);
  assert.ok(next.connected);
  await pool.close();

  const failing = new SessionPool({ factory: async () => Promise.reject(new Error('auth failed')) });
  await assert.rejects(failing.use(async () => undefined), /auth failed/);
});

test('progress reports bytes, files, a windowed rate and an ETA', () => {
  let now = 0;
  const seen: TransferProgressSnapshot[] = [];
  const meter = new ProgressMeter((p) => seen.push(p), () => now);
  meter.setTotals(1000, 2);
  now = 1000;
  meter.addBytes(100);
  now = 2000;
  meter.addBytes(100);
  meter.fileDone();
  const p = meter.snapshot();
  assert.equal(p.bytes, 200);
  assert.equal(p.files, 1);
  assert.equal(p.totalBytes, 1000);
  assert.equal(p.bytesPerSecond, 100);
  assert.equal(p.etaSeconds, 8);
  assert.equal(p.elapsedSeconds, 2);
  // Old samples leave the window: a stall shows as a falling rate.
  now = 10_000;
  assert.ok(meter.snapshot().bytesPerSecond < 100 / 3);
  meter.finish();
  assert.equal(seen.at(-1)!.bytes, 200);
});

test('progress listeners are throttled but always hear the final state', () => {
  const now = 0;
  const seen: number[] = [];
  const meter = new ProgressMeter((p) => seen.push(p.bytes), () => now);
  for (let i = 0; i < 50; i++) meter.addBytes(1); // same instant: one emit at most
  meter.finish();
  assert.ok(seen.length <= 3, `emitted ${seen.length} times`);
  assert.equal(seen.at(-1), 50);
});

test('.git and the profile file are always ignored; user globs match at any depth like .gitignore', () => {
  const always = ignoreMatcher();
  for (const p of ['.git', '.git/HEAD', 'sub/.git/config', '.vscode/secure-transfer.json', 'a/.vscode/secure-transfer.json']) assert.ok(always(p), p);
  for (const p of ['src/a.ts', '.gitignore', '.vscode/settings.json', 'git/x']) assert.ok(!always(p), p);
  const user = ignoreMatcher(['*.log', 'node_modules/', '/build']);
  assert.ok(user('debug.log'));
  assert.ok(user('deep/dir/x.log'));
  assert.ok(user('node_modules/x/index.js'));
  assert.ok(user('a/node_modules'));
  assert.ok(user('build/out.js'));
  assert.ok(!user('src/build/out.js'), 'a leading / anchors at the root');
  assert.ok(!user('src/logger.ts'));
});

test('partial names are hidden, recognisable and the same for the same source and target only', () => {
  const a = partialName('index.html', 'sftp:/srv/index.html:10:1000', '/tmp/index.html');
  assert.equal(a, partialName('index.html', 'sftp:/srv/index.html:10:1000', '/tmp/index.html'));
  assert.notEqual(a, partialName('index.html', 'sftp:/srv/index.html:11:1000', '/tmp/index.html'), 'a changed source never resumes');
  assert.notEqual(a, partialName('index.html', 'sftp:/srv/index.html:10:1000', '/tmp/other/index.html'));
  assert.match(a, /^\.index\.html\.st-[0-9a-f]{12}\.part$/);
  assert.ok(isPartialName(a));
  assert.ok(!isPartialName('index.html'));
  assert.ok(Buffer.byteLength(partialName('é'.repeat(127), 's', 't')) <= 255);
});

test('versions remembered by many transfer lanes at once all persist (the record is read once, not once per lane)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-remote-state-'));
  const server = { protocol: 'sftp' as const, host: 'example.com', port: 22, username: 'deploy' };
  const before = FileRemoteState.inDir(dir, server);
  await before.set('/srv/old.txt', { size: 1, mtime: 1_000 });
  await before.flush();
  const store = FileRemoteState.inDir(dir, server);
  const paths = Array.from({ length: 32 }, (_, i) => `/srv/f${i}.txt`);
  await Promise.all(paths.map((p, i) => store.set(p, { size: i, mtime: 2_000 })));
  await store.flush();
  const again = FileRemoteState.inDir(dir, server);
  for (const [i, p] of paths.entries()) assert.deepEqual(await again.get(p), { size: i, mtime: 2_000 }, p);
  assert.deepEqual(await again.get('/srv/old.txt'), { size: 1, mtime: 1_000 });
  await fs.rm(dir, { recursive: true, force: true });
});

test('the record of remote versions is bounded: the least recently transferred go first, an oversized file is not parsed', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-remote-state-'));
  const server = { protocol: 'sftp' as const, host: 'example.com', port: 22, username: 'deploy' };
  const saved = { ...REMOTE_VERSIONS_LIMITS };
  Object.assign(REMOTE_VERSIONS_LIMITS, { entries: 3, fileBytes: 4096 });
  try {
    const store = FileRemoteState.inDir(dir, server);
    for (const name of ['a', 'b', 'c']) await store.set(`/srv/${name}`, { size: 1, mtime: 1_000 });
    await store.set('/srv/a', { size: 2, mtime: 2_000 }); // transferred again: now the most recent
    await store.set('/srv/d', { size: 1, mtime: 1_000 });
    await store.flush();
    const again = FileRemoteState.inDir(dir, server);
    assert.equal(await again.get('/srv/b'), undefined, 'the least recently set went');
    assert.deepEqual(await again.get('/srv/a'), { size: 2, mtime: 2_000 });
    assert.ok(await again.get('/srv/c'));
    assert.ok(await again.get('/srv/d'));
    await fs.writeFile(path.join(dir, 'remote-versions.json'), `{"x":"${'y'.repeat(5000)}"}`);
    assert.equal(await FileRemoteState.inDir(dir, server).get('/srv/a'), undefined, 'a record over the size bound is not read');
  } finally {
    Object.assign(REMOTE_VERSIONS_LIMITS, saved);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('remembered remote versions persist per server and tell a changed file from the same one', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-remote-state-'));
  const server = { protocol: 'sftp' as const, host: 'example.com', port: 22, username: 'deploy' };
  const store = FileRemoteState.inDir(dir, server);
  await store.set('/srv/a.txt', { size: 10, mtime: 1_700_000_000_500 });
  await store.flush();
  const again = FileRemoteState.inDir(dir, server);
  assert.deepEqual(await again.get('/srv/a.txt'), { size: 10, mtime: 1_700_000_000_500 });
  assert.equal(await FileRemoteState.inDir(dir, { ...server, host: 'other.example' }).get('/srv/a.txt'), undefined);
  assert.ok(sameVersion({ size: 10, mtime: 1_700_000_000_500 }, { size: 10, mtime: 1_700_000_000_000 }), 'FTP gives whole seconds');
  assert.ok(!sameVersion({ size: 10, mtime: 1_700_000_000_000 }, { size: 10, mtime: 1_700_000_060_000 }));
  assert.ok(!sameVersion({ size: 10, mtime: 0 }, { size: 11, mtime: 0 }));
  // A version remembered from MDTM (seconds) seen again in a LIST line (minutes; days for old files).
  const stat = { size: 10, mtime: Date.UTC(2026, 10, 24, 10, 30, 41) };
  assert.ok(sameVersion(stat, { size: 10, mtime: Date.UTC(2026, 10, 24, 10, 30), mtimePrecision: 60_000 }), 'same minute');
  assert.ok(!sameVersion(stat, { size: 10, mtime: Date.UTC(2026, 10, 24, 10, 31), mtimePrecision: 60_000 }), 'another minute');
  assert.ok(sameVersion({ size: 10, mtime: Date.UTC(2019, 0, 2), mtimePrecision: 86_400_000 }, { size: 10, mtime: Date.UTC(2019, 0, 2, 13, 14, 15) }), 'same day');
  assert.ok(!sameVersion(stat, { size: 10, mtime: stat.mtime + 1000 }), 'two exact times still differ by a second');
  await store.set('/srv/listed.txt', { size: 3, mtime: Date.UTC(2019, 0, 2), mtimePrecision: 86_400_000 });
  await store.flush();
  assert.deepEqual(await FileRemoteState.inDir(dir, server).get('/srv/listed.txt'), { size: 3, mtime: Date.UTC(2019, 0, 2), mtimePrecision: 86_400_000 }, 'the precision is remembered');
  await fs.writeFile(path.join(dir, 'remote-versions.json'), '{ damaged');
  assert.equal(await FileRemoteState.inDir(dir, server).get('/srv/a.txt'), undefined, 'a damaged record means "unknown", not a crash');
  const err = new ConflictError('/srv/a.txt', { size: 10, mtime: 0 }, { size: 12, mtime: 0 });
  assert.match(err.message, /^\/srv\/a\.txt changed on the server since it was last read .*--force\.$/);
  assert.equal(err.code, 'remote-changed');
});

test('the remembered versions are read from their file once, however many files of a transfer ask at once', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-remote-state-'));
  const server = { protocol: 'sftp' as const, host: 'example.com', port: 22, username: 'deploy' };
  const first = FileRemoteState.inDir(dir, server);
  await first.set('/srv/a.txt', { size: 10, mtime: 1_700_000_000_000 });
  await first.flush();
  const file = path.join(dir, 'remote-versions.json');
  const readFile = fs.readFile;
  let reads = 0;
  fs.readFile = ((p: Parameters<typeof readFile>[0], ...rest: unknown[]) => {
    if (p === file) reads++;
    return (readFile as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof readFile;
  try {
    // A transfer's lanes all finish their first file together: 64 parses of a big record were hundreds of MB.
    const store = FileRemoteState.inDir(dir, server);
    const seen = await Promise.all(Array.from({ length: 64 }, (_, i) => (i % 2 ? store.get('/srv/a.txt') : store.set(`/srv/${i}.txt`, { size: i, mtime: 0 }).then(() => store.get('/srv/a.txt')))));
    assert.equal(reads, 1);
    assert.ok(seen.every((v) => v?.size === 10));
    await store.flush();
  } finally {
    fs.readFile = readFile;
  }
  assert.equal((await FileRemoteState.inDir(dir, server).get('/srv/62.txt'))?.size, 62, 'every set of the concurrent ones was kept');
});

test('trust is decided once: later sessions accept exactly what the first accepted and refuse the rest', async () => {
  const asked: string[] = [];
  const q = (fingerprint: string): TrustQuestion => ({ kind: 'host-key', server: { protocol: 'sftp', host: 'h', port: 22 }, fingerprint, keyType: 'ssh-ed25519', reason: 'unknown' });
  const decisions: TrustDecision[] = [];
  const factory = trustOnceFactory(
    async (question) => {
      asked.push(question.fingerprint);
      return 'once';
    },
    async (decide) => {
      decisions.push(await decide(q('SHA256:first')));
      if (decisions.length > 1) decisions.push(await decide(q('SHA256:changed')));
      return fakeSession(decisions.length);
    },
  );
  await factory();
  await factory();
  await factory();
  assert.deepEqual(asked, ['SHA256:first'], 'the user is asked once');
  assert.deepEqual(decisions, ['once', 'once', 'reject', 'once', 'reject']);
});

test('a transfer lands where the caller says: exact, into a folder, or cp-like', async () => {
  const folders = new Set(['/srv/box']);
  const asked: string[] = [];
  const isFolder = async (p: string) => (asked.push(p), folders.has(p));
  const land = (t: Parameters<typeof landingPath>[0]) => landingPath(t, 'a.txt', path.posix.join, isFolder);
  assert.equal(await land({ exact: '/srv/box' }), '/srv/box', 'exact even where a folder is');
  assert.equal(await land({ into: '/srv/new' }), '/srv/new/a.txt');
  assert.deepEqual(asked, [], 'exact and into never look at the server');
  assert.equal(await land({ cp: '/srv/box' }), '/srv/box/a.txt', 'cp: into an existing folder');
  assert.equal(await land({ cp: '/srv/b.txt' }), '/srv/b.txt', 'cp: else exactly');
  assert.equal(await land('/srv/box'), '/srv/box/a.txt', 'a plain string is cp');
});

const server = { protocol: 'sftp', host: 'files.example', port: 22, username: 'ann' } as const;

test('remote versions are one record keyed by server address, shared by every view of it', async () => {
  const versions = new RemoteVersions();
  versions.set(server, '/a.txt', { size: 3, mtime: 1000 });
  assert.deepEqual(await versions.forServer({ ...server, host: 'FILES.example' }).get('/a.txt'), { size: 3, mtime: 1000 }, 'host names compare case-insensitively');
  assert.equal(versions.get({ ...server, port: 2222 }, '/a.txt'), undefined, 'another port is another server');
  assert.equal(versions.get({ ...server, username: 'bob' }, '/a.txt'), undefined, 'another user is another account');
  await versions.forServer(server).set('/a.txt', { size: 9, mtime: 2000 });
  assert.deepEqual(versions.get(server, '/a.txt'), { size: 9, mtime: 2000 }, 'what the engine records, the editor sees');
  versions.delete(server, '/a.txt');
  assert.equal(versions.get(server, '/a.txt'), undefined);
});

test('an editor save\'s temporary name is one of the engine\'s partial names (skipped by transfers and listings)', async () => {
  const names = new Set<string>();
  for (const target of ['/srv/site/index.html', '/srv/.hidden', `/srv/${'long-name-'.repeat(40)}.txt`]) {
    for (let i = 0; i < 3; i++) {
      const tmp = savePartialName(target);
      assert.ok(isPartialName(tmp), `${tmp} is recognised as a partial`);
      assert.ok(tmp.startsWith('.') && !tmp.includes('/'), 'a hidden sibling');
      assert.ok(Buffer.byteLength(tmp) <= 255, 'within the usual name limit');
      names.add(tmp);
    }
  }
  assert.equal(names.size, 9, 'every save gets a new name (nothing can be planted at it in advance)');

  // And replaceRemoteFile writes under such a name, then renames it over the target.
  const calls: string[] = [];
  const rfs = {
    creationMask: async () => 0o022,
    writeFile: async (p: string) => void calls.push(`write ${p}`),
    rename: async (from: string, to: string) => void calls.push(`rename ${from} ${to}`),
    delete: async () => undefined,
  } as unknown as RemoteFileSystem;
  await replaceRemoteFile(rfs, '/srv/site/index.html', Buffer.from('x'), undefined);
  const written = calls[0].slice('write '.length);
  assert.equal(path.posix.dirname(written), '/srv/site');
  assert.ok(isPartialName(path.posix.basename(written)), `${written} is a partial name`);
  assert.deepEqual(calls, [`write ${written}`, `rename ${written} /srv/site/index.html`]);
});
