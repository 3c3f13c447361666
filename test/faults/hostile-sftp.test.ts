/**
 * A hostile SFTP server (ssh2's server API, test/hostile/): listings full of names that try to
 * escape the folder or the terminal, 100,000 entries, a huge greeting and login banner. The client
 * must filter or show names safely, never write outside the chosen folder, keep memory bounded and
 * never crash: any failure is one SecureTransferError sentence.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectSftp, type SftpFileSystem } from '../../src/core/session/sftp';
import { staticCredentials } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { SecureTransferError } from '../../src/core/errors';
import { LISTING_LIMITS } from '../../src/core/session/remoteFileSystem';
import { download } from '../../src/core/transfer/engine';
import { printableName } from '../../src/cli/commands/files';
import { dir, file, startHostileSftpServer, type HostileNode, type HostileSftpOptions, type HostileSftpServer } from '../hostile/hostileSftpServer';
import { CONTROL_CHARS, ESCAPE_TARGETS, HOSTILE_NAMES, isContainedName } from '../hostile/names';
import { count } from './stats';
import { assertOneSentence, faultTest, within } from './support';

const servers: HostileSftpServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'st-hostile-sftp-'));
});
after(() => fs.rm(work, { recursive: true, force: true }));

async function serve(opts: HostileSftpOptions): Promise<HostileSftpServer> {
  const s = await startHostileSftpServer(opts);
  servers.push(s);
  return s;
}

async function open(s: HostileSftpServer, connectTimeoutMs = 10_000): Promise<SftpFileSystem> {
  return connectSftp({
    server: { protocol: 'sftp', host: s.host, port: s.port, username: s.username },
    credentials: staticCredentials(s.password),
    trust: { pinned: [s.fingerprint], knownHostsFiles: [], trustStore: new TrustStore(path.join(work, `trust-${s.port}.json`)), decide: refuseUnknown },
    connectTimeoutMs,
  });
}

/** Every name as a file saying "pwned", plus a sub-folder holding them all again. */
function hostileTree(): HostileNode {
  const files = HOSTILE_NAMES.map((n): [string, HostileNode] => [n, file(n === 'ok.txt' ? 'fine' : 'pwned')]);
  return dir([...files, ['sub', dir([...files, ['deep.txt', file('deep')]])]]);
}

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

describe('hostile SFTP server', () => {
  faultTest('listings never contain names that leave the folder, and every name prints without control characters', async () => {
    const s = await serve({ root: hostileTree() });
    const rfs = await open(s);
    try {
      const names = (await rfs.list('/')).map((e) => e.name);
      count('hostileInputsTried', HOSTILE_NAMES.length);
      for (const n of names) {
        assert.ok(isContainedName(n), `unsafe name passed through: ${JSON.stringify(n)}`);
        assert.doesNotMatch(printableName(n), CONTROL_CHARS, `name prints with control characters: ${JSON.stringify(n)}`);
      }
      for (const bad of ['..', '.', '', ESCAPE_TARGETS.parent, ESCAPE_TARGETS.absolute, 'a/b', 'nul\0byte']) assert.ok(!names.includes(bad), `${JSON.stringify(bad)} was listed`);
      assert.ok(names.includes('ok.txt') && names.includes('sub'), 'the honest entries are still listed');
    } finally {
      await rfs.close();
    }
  });

  faultTest('a recursive download writes nothing outside the chosen folder', async () => {
    const s = await serve({ root: hostileTree() });
    const rfs = await open(s);
    const sandbox = await fs.mkdtemp(path.join(work, 'sandbox-'));
    const target = path.join(sandbox, 'chosen');
    await fs.mkdir(target);
    try {
      count('hostileInputsTried', HOSTILE_NAMES.length * 2);
      const result = await download(rfs, '/', target, { recursive: true }).catch((err: unknown) => {
        assert.ok(err instanceof SecureTransferError, `expected a SecureTransferError, got ${String((err as Error)?.stack ?? err)}`);
        assertOneSentence(err.message);
        return undefined;
      });
      for (const p of await walk(sandbox)) assert.ok(p === target || p.startsWith(target + path.sep), `written outside the chosen folder: ${JSON.stringify(p)}`);
      for (const escaped of Object.values(ESCAPE_TARGETS)) {
        for (const base of [target, path.join(target, 'download'), path.join(target, 'download', 'sub')]) {
          assert.ok(!existsSync(path.resolve(base, escaped)), `escaped to ${path.resolve(base, escaped)}`);
        }
      }
      assert.ok(result, 'the download of the honest files must go through, with the hostile names skipped');
      assert.ok(result.skipped.length > 0, 'the hostile names are reported as skipped');
      {
        assert.equal(await fs.readFile(path.join(target, 'download', 'ok.txt'), 'utf8'), 'fine');
        assert.equal(await fs.readFile(path.join(target, 'download', 'sub', 'deep.txt'), 'utf8'), 'deep');
      }
    } finally {
      await rfs.close();
    }
  });

  faultTest('100,000 entries in one folder: listed completely with bounded memory', async () => {
    const N = 100_000;
    const many: HostileNode = {
      kind: 'dir',
      entries: function* () {
        for (let i = 0; i < N; i++) yield [`f-${String(i).padStart(6, '0')}`, file('')] as [string, HostileNode];
      },
    };
    const s = await serve({ root: dir([['big', many]]), batch: 500 });
    const rfs = await open(s);
    try {
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      const entries = await within(rfs.list('/big'), 60_000, 'listing 100,000 entries');
      const grown = process.memoryUsage().heapUsed - before;
      count('hostileInputsTried');
      assert.equal(entries.length, N);
      assert.ok(grown < 300 * 1024 * 1024, `heap grew by ${Math.round(grown / 1024 / 1024)} MiB for ${N} entries`);
    } finally {
      await rfs.close();
    }
  });

  faultTest('READDIR pipelined: batches of mixed sizes, answered out of order, one early EOF: every name exactly once, requests bounded', async () => {
    const N = 2345;
    const names = Array.from({ length: N }, (_, i) => `n-${String(i).padStart(5, '0')}`);
    const sizes = [1, 7, 100, 3, 250, 64];
    const s = await serve({
      root: dir([['many', dir(names.map((n): [string, HostileNode] => [n, file('')]))]]),
      batch: (i) => sizes[i % sizes.length],
      earlyEof: (i) => i === 5, // names remain after it: a client that trusts it loses them
      replyDelayMs: (i) => (i % 3 === 0 ? 3 : 0),
    });
    const rfs = await open(s);
    try {
      const listed = (await within(rfs.list('/many'), 30_000, 'listing')).map((e) => e.name);
      assert.equal(listed.length, N, 'no name lost, none twice');
      assert.deepEqual([...listed].sort(), names);
      const { requests, maxWaiting } = s.readdirs();
      // One READDIR per batch, the early EOF, then at most a window of requests answered EOF and the one confirming the end.
      let batches = 0; // requests that carry names, and the early EOF
      for (let left = N; left > 0; batches++) left -= batches === 5 ? 0 : sizes[batches % sizes.length];
      assert.ok(requests <= batches + 16 + 1, `${requests} READDIR requests for ${batches} batches`);
      assert.ok(maxWaiting > 1, 'READDIR requests were pipelined');
      assert.ok(maxWaiting <= 16, `${maxWaiting} READDIR requests in flight at once`);
    } finally {
      await rfs.close();
    }
  });

  faultTest('a listing that never ends is stopped at LISTING_LIMITS with one sentence, and the session still works', async () => {
    const saved = LISTING_LIMITS.entries;
    LISTING_LIMITS.entries = 5_000;
    const s = await serve({ root: hostileTree(), batch: 250, endless: true });
    const rfs = await open(s);
    try {
      count('hostileInputsTried');
      const err = await within(
        rfs.list('/').then(
          () => undefined,
          (e: unknown) => e,
        ),
        30_000,
        'an endless listing',
      );
      assert.ok(err instanceof SecureTransferError && err.code === 'listing-too-large', `expected listing-too-large, got ${String(err)}`);
      assertOneSentence(err.message);
      assert.match(err.message, /more than 5,000 entries/);
      assert.ok(s.readdirs().requests < 5_000 / 250 + 20, `${s.readdirs().requests} READDIR requests: the client stopped asking`);
      assert.ok(rfs.connected, 'the session is still up');
      await rfs.stat('/');
    } finally {
      LISTING_LIMITS.entries = saved;
      await rfs.close();
    }
  });

  faultTest('a huge greeting before the SSH version line: refused or survived, never a crash or hang', async (t) => {
    const s = await serve({ root: hostileTree(), greeting: 'Welcome to a chatty server\r\n'.repeat(40_000) });
    count('hostileInputsTried');
    const outcome = await within(open(s, 5_000).then((rfs) => rfs.close().then(() => 'connected'), (err: unknown) => err), 20_000, 'connecting');
    t.diagnostic(`outcome: ${outcome instanceof Error ? outcome.message : String(outcome)}`);
    if (outcome !== 'connected') {
      assert.ok(outcome instanceof SecureTransferError, `expected a SecureTransferError, got ${String((outcome as Error)?.stack ?? outcome)}`);
      assertOneSentence(outcome.message);
    }
  });

  faultTest('a 4 MB login banner full of escape sequences: the session works, nothing crashes', async () => {
    const s = await serve({ root: hostileTree(), banner: '\u001b[2J\u001b]0;owned\u0007'.repeat(300_000) });
    count('hostileInputsTried');
    const outcome = await within(open(s).then(async (rfs) => (await rfs.list('/'), rfs.close().then(() => 'listed')), (err: unknown) => err), 30_000, 'connecting');
    if (outcome !== 'listed') {
      assert.ok(outcome instanceof SecureTransferError, `expected a SecureTransferError, got ${String((outcome as Error)?.stack ?? outcome)}`);
      assertOneSentence(outcome.message);
    }
  });
});
