/**
 * The sync decision (core/sync/compare.ts) as a pure function over two listings and the record of
 * the last sync; the record file (state.ts); the plan text (format.ts); which CLI argument is remote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareTrees, crossCompare, remoteTimeUnit, sameRemoteTime, type SideTree } from '../../src/core/sync/compare';
import { FileSyncState, syncRecordName } from '../../src/core/sync/state';
import { formatPlan, planJson } from '../../src/core/sync/format';
import type { SyncPlan, SyncRecord, SyncVersion } from '../../src/core/sync/types';
import type { Protocol } from '../../src/core/profiles/types';
import { syncSides } from '../../src/cli/commands/sync';

const T = Date.UTC(2026, 11, 3, 12, 40, 17, 345);
const v = (size: number, mtime: number, hash?: string): SyncVersion => ({ size, mtime, ...(hash ? { hash } : {}) });

function tree(files: Record<string, SyncVersion>, dirs: string[] = [], keeps: string[] = []): SideTree {
  const all = new Set(['', ...dirs]);
  for (const rel of Object.keys(files)) for (let i = rel.indexOf('/'); i !== -1; i = rel.indexOf('/', i + 1)) all.add(rel.slice(0, i));
  return { files: new Map(Object.entries(files)), dirs: all, keeps: new Set(keeps) };
}

function decide(direction: 'upload' | 'download', local: SideTree, remote: SideTree, record?: SyncRecord, protocol: Protocol = 'sftp') {
  const [source, destination] = direction === 'upload' ? [local, remote] : [remote, local];
  const out = compareTrees({ direction, source, destination, record, protocol });
  return { rows: out.rows.map((r) => `${r.action} ${r.rel}${r.type === 'directory' ? '/' : ''}: ${r.reason}`), inStep: Object.keys(out.inStep), clashes: out.clashes };
}

const rec = (files: SyncRecord['files']): SyncRecord => ({ files, syncedAt: T });

test('first sync: equal size and mtime within the listing precision is unchanged; newer at the destination is a conflict; else changed', () => {
  const local = tree({ same: v(3, T), sameSecond: v(3, T + 500), changed: v(3, T + 5000), older: v(3, T - 5000), size: v(4, T), onlyHere: v(1, T) });
  const remote = tree({ same: v(3, Math.floor(T / 1000) * 1000), sameSecond: v(3, Math.floor(T / 1000) * 1000), changed: v(3, T - 60_000), older: v(3, T), size: v(3, T) });
  const up = decide('upload', local, remote);
  assert.deepEqual(up.inStep, ['same', 'sameSecond']);
  assert.deepEqual(up.rows, [
    'changed changed: differs, never synced',
    'conflict older: newer on the server and never synced',
    'new onlyHere: not on the server yet',
    'changed size: differs, never synced',
  ]);
  // Downloading the same trees: a file newer locally than on the server is the conflict now.
  const down = decide('download', local, remote);
  assert.ok(down.rows.includes('conflict changed: newer locally and never synced'), down.rows.join('\n'));
  assert.ok(down.rows.includes('changed older: differs, never synced'));
  assert.ok(down.rows.includes('deleted onlyHere: not on the server'));
});

test('FTPS LIST times: minute precision (and day precision for old files) is no change', () => {
  const minute = Date.UTC(2026, 11, 3, 12, 40);
  assert.equal(remoteTimeUnit(minute, 'ftpes'), 60_000);
  assert.equal(remoteTimeUnit(minute, 'sftp'), 1000);
  assert.equal(remoteTimeUnit(Date.UTC(2025, 5, 1), 'ftps'), 86_400_000);
  assert.equal(remoteTimeUnit(minute + 17_000, 'ftpes'), 1000, 'MLSD seconds');
  assert.ok(sameRemoteTime(Date.UTC(2025, 5, 1, 12, 40), Date.UTC(2025, 5, 1), 'ftpes'), 'a LIST time turning from "12:40" to the year is the same file');
  assert.ok(!sameRemoteTime(Date.UTC(2025, 5, 1, 12, 40), Date.UTC(2025, 5, 2), 'ftpes'));
  assert.ok(!sameRemoteTime(minute, minute + 60_000, 'ftpes'));
  assert.ok(!sameRemoteTime(minute, minute + 1000, 'sftp'));
  assert.equal(crossCompare('upload', v(3, minute + 42_123), v(3, minute), 'ftpes'), 'same', 'a local time within the listed minute');
  assert.equal(crossCompare('upload', v(3, minute + 42_123), v(3, minute), 'sftp'), 'differs', 'SFTP shows seconds');
  assert.equal(crossCompare('upload', v(3, minute), v(3, minute + 120_000), 'ftpes'), 'destination-newer');
  assert.equal(crossCompare('upload', v(3, 0), v(3, minute), 'ftpes'), 'times-unknown');
});

test('with a record: source changed → changed; destination changed → conflict naming the side; both → conflict naming both', () => {
  const r = rec({
    a: { local: v(1, T), remote: v(1, T + 1000) },
    b: { local: v(1, T), remote: v(1, T + 1000) },
    c: { local: v(1, T), remote: v(1, T + 1000) },
    d: { local: v(1, T), remote: v(1, T + 1000) },
  });
  const local = tree({ a: v(1, T), b: v(2, T + 7), c: v(1, T), d: v(2, T + 9) });
  const remote = tree({ a: v(1, T + 1000), b: v(1, T + 1000), c: v(5, T + 9000), d: v(5, T + 9000) });
  const up = decide('upload', local, remote, r);
  assert.deepEqual(up.inStep, ['a']);
  assert.deepEqual(up.rows, [
    'changed b: changed locally since the last sync',
    'conflict c: changed on the server since the last sync',
    'conflict d: changed on the server and locally since the last sync',
  ]);
  const down = decide('download', local, remote, r);
  assert.deepEqual(down.rows, [
    'conflict b: changed locally since the last sync',
    'changed c: changed on the server since the last sync',
    'conflict d: changed locally and on the server since the last sync',
  ]);
});

test('the record compares each side with its own earlier version, never across: an upload without preserved times stays in step', () => {
  // Uploaded a minute after the local edit: the server's mtime is the upload's.
  const r = rec({ f: { local: v(9, T), remote: v(9, T + 60_000) } });
  assert.deepEqual(decide('upload', tree({ f: v(9, T) }), tree({ f: v(9, T + 60_000) }), r).rows, []);
  assert.deepEqual(decide('download', tree({ f: v(9, T) }), tree({ f: v(9, T + 60_000) }), r).rows, []);
});

test('deleted at the source: deleted (a conflict when the destination changed since); gone from both: nothing; missing at the destination: new', () => {
  const r = rec({
    gone: { local: v(1, T), remote: v(1, T) },
    goneEdited: { local: v(1, T), remote: v(1, T) },
    both: { local: v(1, T), remote: v(1, T) },
    removedThere: { local: v(1, T), remote: v(1, T) },
  });
  const local = tree({ removedThere: v(1, T) });
  const remote = tree({ gone: v(1, T), goneEdited: v(3, T + 5000), extra: v(1, T) });
  assert.deepEqual(decide('upload', local, remote, r).rows, [
    'deleted extra: not locally',
    'deleted gone: deleted locally since the last sync',
    'conflict goneEdited: deleted locally but changed on the server since the last sync',
    'new removedThere: deleted on the server since the last sync',
  ]);
});

test('folders: one deleted row per folder missing at the source (with its files), none for a folder holding something left out', () => {
  const local = tree({ 'keep/a': v(1, T) });
  // `kept` holds an ignored `.git`: the walk enters no ignored folder, it tells the folder holding it.
  const remote = tree({ 'keep/a': v(1, T), 'old/x': v(1, T), 'old/sub/y': v(1, T), 'kept/z': v(1, T) }, ['empty'], ['kept']);
  const { rows } = decide('upload', local, remote);
  assert.deepEqual(rows, [
    'deleted empty/: not locally',
    'deleted kept/z: not locally',
    'deleted old/: not locally',
    'deleted old/sub/: not locally',
    'deleted old/sub/y: not locally',
    'deleted old/x: not locally',
  ]);
});

test('a file on one side where the other has a folder is a clash, left alone (no row)', () => {
  const out = decide('upload', tree({ name: v(1, T) }), tree({ 'name/inner': v(1, T) }));
  assert.deepEqual(out.clashes, ['name']);
  assert.deepEqual(out.rows, ['deleted name/inner: not locally'], 'the folder itself is never removed for the file');
});

test('checksums: equal hashes are unchanged whatever the times; unequal differ; the record compares hashes of one algorithm', () => {
  const local = tree({ a: v(3, T, 'sha256:aa'), b: v(3, T, 'sha256:bb') });
  const remote = tree({ a: v(3, T + 3_600_000, 'sha256:aa'), b: v(3, T - 5000, 'sha256:cc') });
  const first = decide('upload', local, remote);
  assert.deepEqual(first.inStep, ['a']);
  assert.deepEqual(first.rows, ['changed b: content differs, never synced']);
  const r = rec({ b: { local: v(3, T, 'sha256:bb'), remote: v(3, 1, 'sha256:cc') } });
  assert.deepEqual(decide('upload', local, remote, r).rows, [], 'hashes equal to the record: times do not matter');
});

test('the record file: one per (server, remote folder, local folder), 0600 in a 0700 folder; a damaged one is said once and treated as none', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-sync-state-'));
  const key = { server: 'sftp://files.example.com:22', remoteRoot: '/var/www', localRoot: '/home/me/site' };
  assert.notEqual(syncRecordName(key), syncRecordName({ ...key, server: 'sftp://files.example.com:2222' }));
  assert.notEqual(syncRecordName(key), syncRecordName({ ...key, localRoot: '/home/me/other' }));
  const warnings: string[] = [];
  const state = new FileSyncState(dir, key, { warn: (s) => warnings.push(s) });
  assert.equal(await state.load(), undefined);
  const record = rec({ 'a b/c.txt': { local: v(1, T), remote: v(1, T + 1000, 'sha256:ab') } });
  await state.save(record);
  assert.deepEqual(await state.load(), record);
  assert.equal((await fs.stat(state.file)).mode & 0o777, 0o600);
  assert.equal((await fs.stat(path.dirname(state.file))).mode & 0o777, 0o700);
  // Another server's record is not this one's (even under this name).
  assert.equal(await new FileSyncState(dir, { ...key, server: 'sftp://other:22' }).load(), undefined);
  await fs.writeFile(state.file, '{ not json');
  assert.equal(await state.load(), undefined);
  assert.equal(await state.load(), undefined);
  assert.equal(warnings.length, 1, 'said once');
  assert.match(warnings[0], /is damaged \(not JSON\), so this sync compares the folders as if it were the first/);
  assert.equal(warnings[0].split('\n').length, 1);
});

function plan(rows: SyncPlan['rows'], extra: Partial<SyncPlan> = {}): SyncPlan {
  return { direction: 'upload', localRoot: '/l', remoteRoot: '/r', compare: 'size-mtime', delete: false, force: false, firstSync: false, rows, unchanged: 7, skipped: [], ...extra };
}

test('the plan text: grouped, counted, what will and will not run; server names escaped', () => {
  const text = formatPlan(
    plan([
      { rel: 'a.txt', action: 'new', type: 'file', reason: 'not on the server yet', source: v(1, T) },
      { rel: 'evil\u001b[2J\u202e.txt', action: 'changed', type: 'file', reason: 'changed locally since the last sync', source: v(1, T), destination: v(1, T) },
      { rel: 'old', action: 'deleted', type: 'directory', reason: 'not locally' },
      { rel: 'c.txt', action: 'conflict', type: 'file', reason: 'changed on the server since the last sync', source: v(1, T), destination: v(2, T) },
    ]),
  );
  assert.match(text, /New \(1\):\n {2}\+ a\.txt/);
  assert.match(text, /Changed \(1\):\n {2}~ evil\\x1b\[2J\\u\{202e\}\.txt/);
  assert.match(text, /Deleted at the source \(1\) \(kept: add --delete to remove them\):\n {2}- old\//);
  assert.match(text, /Conflicts \(1\) \(skipped: add --force to overwrite\):\n {2}! c\.txt {2}\(changed on the server since the last sync\)/);
  assert.match(text, /Will run: 1 new, 1 changed\. Left alone: 1 conflict \(add --force to overwrite\); 1 deleted at the source \(add --delete to remove\)\. 7 unchanged\./);
  assert.ok(!text.includes('\u001b') && !text.includes('\u202e'), 'no raw ESC or bidi override');
  const forced = formatPlan(plan([{ rel: 'c.txt', action: 'conflict', type: 'file', reason: 'x', source: v(1, T), destination: v(2, T) }], { force: true }), { dryRun: true });
  assert.match(forced, /Would run: 1 conflict overwritten \(--force\)\. 7 unchanged\. Dry run: nothing was changed\./);
  const json = planJson(plan([{ rel: 'x\u009b.txt', action: 'new', type: 'file', reason: 'r', source: v(1, T) }], { inStep: { big: { local: v(1, 1), remote: v(1, 1) } } }));
  assert.ok(!json.includes('\u009b'));
  assert.ok(!json.includes('inStep'), 'the JSON leaves the unchanged files out (a count says how many)');
  assert.equal((JSON.parse(json) as { plan: SyncPlan }).plan.rows[0].rel, 'x\u009b.txt');
});

test('sync arguments: the URL or profile: side is remote; exactly one must be', () => {
  assert.equal(syncSides('C:\\site', 'FTPES://u@h/x').direction, 'upload');
  assert.deepEqual(syncSides('site', 'sftp://h/www'), { direction: 'upload', local: 'site', remote: 'sftp://h/www' });
  assert.deepEqual(syncSides('profile:p/www', 'site'), { direction: 'download', local: 'site', remote: 'profile:p/www' });
  assert.throws(() => syncSides('a', 'b'), /neither argument names a server/);
  assert.throws(() => syncSides('sftp://h/a', 'sftp://h/b'), /not two remote ones/);
});
