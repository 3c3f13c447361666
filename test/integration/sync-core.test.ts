/**
 * core/sync against REAL servers (OpenSSH sshd, vsftpd explicit FTPS), through the API the VS Code
 * plan view uses: planSync → runSync → a second plan is empty; a change on the server's disk since
 * the last sync is a conflict; both directions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scratchDir, startSshd, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { connectSftp } from '../../src/core/session/sftp';
import { connectFtps } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { SessionPool } from '../../src/core/transfer/sessionPool';
import { planSync, runSync, type SyncPlan } from '../../src/core/sync/sync';
import { MemorySyncState } from '../../src/core/sync/state';

after(stopAll);

async function trustStore(): Promise<TrustStore> {
  const { local } = await scratchDir('sync-trust');
  return new TrustStore(path.join(local, 'trust.json'));
}

function openSftp(server: RunningServer): () => Promise<RemoteFileSystem> {
  return async () =>
    connectSftp({
      server: { protocol: 'sftp', host: server.host, port: server.port, username: TEST_USER.name },
      credentials: staticCredentials(TEST_USER.password),
      trust: { pinned: server.hostKeys!.map((k) => k.fingerprint), knownHostsFiles: [], trustStore: await trustStore(), decide: refuseUnknown },
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

const SERVERS: Array<[string, () => Promise<RunningServer>, (s: RunningServer) => () => Promise<RemoteFileSystem>]> = [
  ['SFTP (OpenSSH)', () => startSshd(), openSftp],
  ['FTPS (vsftpd explicit)', () => startVsftpd({ mode: 'explicit' }), openFtps],
];

function actions(plan: SyncPlan): string[] {
  return plan.rows.map((r) => `${r.action} ${r.type === 'directory' ? `${r.rel}/` : r.rel}`);
}

async function write(file: string, text: string, mtime?: Date): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  if (mtime) await fs.utimes(file, mtime, mtime);
}

for (const [label, start, opener] of SERVERS) {
  describe(`core sync over ${label}`, () => {
    let server: RunningServer;
    let pool: SessionPool;
    before(async () => {
      server = await start();
    });

    test('upload: plan, run, a second plan is empty; a change on the server is a conflict', async () => {
      pool = new SessionPool({ factory: opener(server), protocol: server.protocol === 'sftp' ? 'sftp' : 'ftpes' });
      try {
        const { local, remote } = await scratchDir(`sync-up-${server.name}`);
        const src = path.join(local, 'site');
        await write(path.join(src, 'index.html'), '<h1>hi</h1>\n');
        await write(path.join(src, 'css', 'a.css'), 'body{}\n');
        await write(path.join(src, '.git', 'HEAD'), 'ref\n');
        const state = new MemorySyncState();
        const plan = await planSync(pool, 'upload', src, remote, state);
        assert.deepEqual(actions(plan), ['new css/a.css', 'new index.html']);
        assert.ok(plan.firstSync);
        const r = await runSync(pool, plan, state);
        assert.equal(r.transferred, 2);
        assert.equal(await fs.readFile(path.join(remote, 'css', 'a.css'), 'utf8'), 'body{}\n');
        await assert.rejects(fs.stat(path.join(remote, '.git')));
        const again = await planSync(pool, 'upload', src, remote, state);
        assert.deepEqual(actions(again), [], 'a second plan is empty');
        assert.equal(again.unchanged, 2);

        // The server's copy changes on its disk (another size): a conflict, skipped.
        await fs.writeFile(path.join(remote, 'index.html'), 'edited on the server, longer\n');
        await write(path.join(src, 'css', 'a.css'), 'body{color:red}\n');
        const third = await planSync(pool, 'upload', src, remote, state);
        assert.deepEqual(actions(third), ['changed css/a.css', 'conflict index.html']);
        const r3 = await runSync(pool, third, state);
        assert.deepEqual(r3.conflicts, ['index.html']);
        assert.equal(await fs.readFile(path.join(remote, 'index.html'), 'utf8'), 'edited on the server, longer\n');
        assert.deepEqual(actions(await planSync(pool, 'upload', src, remote, state)), ['conflict index.html'], 'still a conflict');
        const forced = await planSync(pool, 'upload', src, remote, state, { force: true });
        await runSync(pool, forced, state);
        assert.equal(await fs.readFile(path.join(remote, 'index.html'), 'utf8'), '<h1>hi</h1>\n');
        assert.deepEqual(actions(await planSync(pool, 'upload', src, remote, state)), []);

        // Deleted locally: planned, run only with delete.
        await fs.rm(path.join(src, 'css'), { recursive: true });
        const del = await planSync(pool, 'upload', src, remote, state);
        assert.deepEqual(actions(del), ['deleted css/', 'deleted css/a.css']);
        await runSync(pool, del, state);
        assert.ok(await fs.stat(path.join(remote, 'css', 'a.css')));
        const del2 = await planSync(pool, 'upload', src, remote, state, { delete: true });
        const rd = await runSync(pool, del2, state);
        assert.equal(rd.deleted, 2);
        await assert.rejects(fs.stat(path.join(remote, 'css')));
        assert.deepEqual(actions(await planSync(pool, 'upload', src, remote, state, { delete: true })), []);
      } finally {
        await pool.close();
      }
    });

    test('a row that changed between the plan and the run is left alone; `only` runs the ticked rows; a missing remote folder is created', async () => {
      pool = new SessionPool({ factory: opener(server), protocol: server.protocol === 'sftp' ? 'sftp' : 'ftpes' });
      try {
        const { local, remote } = await scratchDir(`sync-between-${server.name}`);
        const src = path.join(local, 'site');
        const dest = path.join(remote, 'not', 'yet');
        await write(path.join(src, 'a.txt'), 'a\n');
        await write(path.join(src, 'b.txt'), 'b\n');
        await write(path.join(src, 'c.txt'), 'c\n');
        const state = new MemorySyncState();
        const plan = await planSync(pool, 'upload', src, dest, state);
        assert.deepEqual(actions(plan), ['new a.txt', 'new b.txt', 'new c.txt']);
        await write(path.join(src, 'b.txt'), 'b, edited after the plan was shown\n');
        const r = await runSync(pool, plan, state, { only: new Set(['a.txt', 'b.txt']) });
        assert.equal(r.transferred, 1);
        assert.deepEqual(r.changedSincePlan, ['b.txt']);
        assert.equal(await fs.readFile(path.join(dest, 'a.txt'), 'utf8'), 'a\n');
        await assert.rejects(fs.stat(path.join(dest, 'b.txt')), 'changed since the plan: not sent');
        await assert.rejects(fs.stat(path.join(dest, 'c.txt')), 'not ticked: not sent');
        assert.deepEqual(actions(await planSync(pool, 'upload', src, dest, state)), ['new b.txt', 'new c.txt']);
      } finally {
        await pool.close();
      }
    });

    test('a folder deleted at the source is removed with delete, but never while a conflict in it is left alone', async () => {
      pool = new SessionPool({ factory: opener(server), protocol: server.protocol === 'sftp' ? 'sftp' : 'ftpes' });
      try {
        const { local, remote } = await scratchDir(`sync-dirs-${server.name}`);
        const src = path.join(local, 'site');
        await write(path.join(src, 'old', 'sub', 'x.txt'), 'x\n');
        await write(path.join(src, 'old', 'y.txt'), 'y\n');
        await write(path.join(src, 'keep.txt'), 'k\n');
        const state = new MemorySyncState();
        await runSync(pool, await planSync(pool, 'upload', src, remote, state), state);
        await fs.rm(path.join(src, 'old'), { recursive: true });
        await fs.writeFile(path.join(remote, 'old', 'sub', 'x.txt'), 'edited on the server meanwhile\n');
        const plan = await planSync(pool, 'upload', src, remote, state, { delete: true });
        assert.deepEqual(actions(plan), ['deleted old/', 'deleted old/sub/', 'conflict old/sub/x.txt', 'deleted old/y.txt']);
        const r = await runSync(pool, plan, state);
        assert.deepEqual(r.conflicts, ['old/sub/x.txt']);
        assert.equal(r.deleted, 1);
        assert.deepEqual(r.changedSincePlan, []);
        await assert.rejects(fs.stat(path.join(remote, 'old', 'y.txt')));
        assert.equal(await fs.readFile(path.join(remote, 'old', 'sub', 'x.txt'), 'utf8'), 'edited on the server meanwhile\n');
        // With force, the conflict goes too, and then its folders.
        const forced = await runSync(pool, await planSync(pool, 'upload', src, remote, state, { delete: true, force: true }), state);
        assert.equal(forced.deleted, 3);
        await assert.rejects(fs.stat(path.join(remote, 'old')));
        assert.equal(await fs.readFile(path.join(remote, 'keep.txt'), 'utf8'), 'k\n');
      } finally {
        await pool.close();
      }
    });

    test('download: plan, run, a second plan is empty', async () => {
      pool = new SessionPool({ factory: opener(server), protocol: server.protocol === 'sftp' ? 'sftp' : 'ftpes' });
      try {
        const { local, remote } = await scratchDir(`sync-down-${server.name}`);
        const dest = path.join(local, 'copy');
        await write(path.join(remote, 'a.txt'), 'a\n');
        await write(path.join(remote, 'sub', 'b.txt'), 'b\n');
        const state = new MemorySyncState();
        const plan = await planSync(pool, 'download', dest, remote, state);
        assert.deepEqual(actions(plan), ['new a.txt', 'new sub/b.txt']);
        await runSync(pool, plan, state);
        assert.equal(await fs.readFile(path.join(dest, 'sub', 'b.txt'), 'utf8'), 'b\n');
        assert.deepEqual(actions(await planSync(pool, 'download', dest, remote, state)), []);
        await fs.writeFile(path.join(dest, 'a.txt'), 'local edit\n');
        assert.deepEqual(actions(await planSync(pool, 'download', dest, remote, state)), ['conflict a.txt']);
      } finally {
        await pool.close();
      }
    });

    test('a local name with a backslash is left out both ways, with its reason (a listing could never give it back)', async () => {
      pool = new SessionPool({ factory: opener(server), protocol: server.protocol === 'sftp' ? 'sftp' : 'ftpes' });
      try {
        const { local, remote } = await scratchDir(`sync-backslash-${server.name}`);
        const src = path.join(local, 'site');
        await write(path.join(src, 'ok.txt'), 'ok\n');
        await write(path.join(src, 'a\\b.txt'), 'backslash\n');
        const state = new MemorySyncState();
        const up = await planSync(pool, 'upload', src, remote, state);
        assert.deepEqual(actions(up), ['new ok.txt']);
        assert.ok(up.skipped.some((k) => k.path.endsWith('a\\b.txt') && /backslash/.test(k.reason)), JSON.stringify(up.skipped));
        await runSync(pool, up, state);
        await assert.rejects(fs.stat(path.join(remote, 'a\\b.txt')), 'not uploaded');
        // Before: uploaded, then dropped from every listing as hostile, so "new" on every run.
        assert.deepEqual(actions(await planSync(pool, 'upload', src, remote, state)), []);
        // Downloading into that folder: the local file is no extra to delete.
        const down = await planSync(pool, 'download', src, remote, new MemorySyncState(), { delete: true });
        assert.ok(!down.rows.some((r) => r.rel.includes('\\')), JSON.stringify(down.rows));
      } finally {
        await pool.close();
      }
    });
  });
}
