/**
 * The Activity view's words (src/extension/activityText.ts) and what the log gives it: every write
 * the extension and the CLI make has its action, sizes are human, times local, and server text is
 * escaped; appends are announced so the view is live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { ActivityLog, type ActivityEntry } from '../../src/core/audit/activityLog';
import { describeFilter, entryDescription, entryLabel, entryTooltip, formatEntry, localTime, matchesFilter, WRITE_ACTIONS } from '../../src/extension/activityText';
import { activityLog, recorded } from '../../src/cli/connection';
import type { CliContext } from '../../src/cli/context';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'st-activity-text-'));
const at = (d: Date) => d.toISOString();
const entry = (e: Partial<ActivityEntry>): ActivityEntry => ({ time: at(new Date()), server: 'sftp://127.0.0.1:2222', action: 'upload', result: 'ok', ...e });

test('rows name the action and the file, with human sizes, local times and the server', () => {
  const now = new Date(2026, 11, 3, 15, 0, 0);
  const e = entry({ time: at(new Date(2026, 11, 3, 14, 3, 22)), action: 'save', path: '/www/README.txt', bytes: 1536 });
  assert.equal(entryLabel(e), 'Saved README.txt');
  assert.equal(entryDescription(e, now, 'en-GB'), '1.5 KiB · 14:03:22 · 127.0.0.1:2222');
  assert.equal(entryLabel(entry({ action: 'rename', path: '/a/old.txt', to: '/a/new.txt' })), 'Renamed old.txt → new.txt');
  assert.equal(entryLabel(entry({ action: 'mkdir', path: '/a/uploads' })), 'New folder uploads');
  assert.equal(entryLabel(entry({ action: 'delete', path: '/a/x', result: 'failed' })), 'Deleted x — failed');
  assert.equal(entryLabel(entry({ action: 'trust-decision', result: 'remember' })), 'Server identity trusted and remembered');
  assert.equal(entryLabel(entry({ action: 'connect', path: undefined })), 'Connected');
  assert.match(entryDescription(entry({ bytes: 64 * 1024 * 1024 })), /^64\.0 MiB · /);
  // Another day: the date is shown too; the export always shows it.
  assert.match(localTime(at(new Date(2026, 11, 1, 9, 5, 0)), now, 'en-GB'), /1 Dec 2026.*09:05:00/);
  assert.match(formatEntry(e, 'en-GB'), /^3 Dec 2026, 14:03:22 {2}sftp:\/\/127\.0\.0\.1:2222 {2}save {12}ok {9}1\.5 KiB {2}\/www\/README\.txt$/);
  const tip = entryTooltip(e, 'en-GB');
  assert.match(tip, /^Time: .*2026/m);
  assert.match(tip, /^Size: 1\.5 KiB \(1,536 bytes\)$/m);
});

test('server text in a row is escaped: no terminal controls, no bidi tricks', () => {
  const hostile = entry({ action: 'download', path: '/x/evil\u001b[31m\u202Etxt.exe', detail: 'bad\u0007' });
  for (const text of [entryLabel(hostile), entryTooltip(hostile), formatEntry(hostile)]) {
    for (const c of ['\u001b', '\u0007', '\u202E']) assert.ok(!text.includes(c), JSON.stringify(text));
  }
});

test('filters: a server in any spelling, one action or all writes', () => {
  const e = entry({ server: 'sftp://files.example.com:22', action: 'save' });
  assert.ok(matchesFilter(e, { server: 'sftp://FILES.example.com:22' }));
  assert.ok(!matchesFilter(e, { server: 'sftp://other:22' }));
  assert.ok(matchesFilter(e, { actions: WRITE_ACTIONS }));
  assert.ok(!matchesFilter(e, { actions: ['upload'] }));
  assert.ok(!matchesFilter(entry({ action: 'connect' }), { actions: WRITE_ACTIONS }));
  assert.equal(describeFilter({ server: 'sftp://h:22', actions: WRITE_ACTIONS }), 'sftp://h:22 · writes');
  assert.equal(describeFilter({ actions: ['save', 'rename'] }), 'all servers · editor saves, renames');
});

test('the log keeps a rename\'s new path and tells listeners after each entry is on disk', async () => {
  const dir = tmp();
  const log = new ActivityLog(dir);
  const heard: ActivityEntry[] = [];
  const stop = log.onAppend((e) => {
    heard.push(e);
    assert.ok(readFileSync(path.join(dir, 'activity.jsonl'), 'utf8').includes(e.time), 'written before it is announced');
    throw new Error('a failing listener does not fail the append');
  });
  await log.append({ server: 'sftp://h:22', action: 'rename', result: 'ok', path: '/a', to: '/b' });
  stop();
  await log.append({ server: 'sftp://h:22', action: 'mkdir', result: 'ok', path: '/c' });
  assert.deepEqual(heard.map((e) => [e.action, e.path, e.to]), [['rename', '/a', '/b']]);
  assert.deepEqual((await log.read()).map((e) => e.action), ['rename', 'mkdir']);
});

test('the CLI records mkdir and mv like its other writes (one record format)', async () => {
  const stateDir = tmp();
  const ctx: CliContext = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: { SECURE_TRANSFER_STATE_DIR: stateDir }, cwd: stateDir, interactive: false, verbose: false };
  const target = { profile: { name: 'u', protocol: 'sftp' as const, host: 'h', port: 22, username: 'u' }, path: '' };
  await recorded(ctx, target, 'mkdir', '/new', async () => undefined);
  await recorded(ctx, target, 'rename', '/old.txt', async () => undefined, undefined, '/new.txt');
  const entries = await activityLog(ctx).read();
  assert.deepEqual(entries.map((e) => [e.server, e.action, e.result, e.path, e.to]), [
    ['sftp://h:22', 'mkdir', 'ok', '/new', undefined],
    ['sftp://h:22', 'rename', 'ok', '/old.txt', '/new.txt'],
  ]);
});

test('two writers of one folder (two windows) rotating at once lose no append', async () => {
  const dir = tmp();
  const a = new ActivityLog(dir, { maxBytes: 300, keep: 3 });
  const b = new ActivityLog(dir, { maxBytes: 300, keep: 3 });
  const appends = [];
  for (let i = 0; i < 30; i++) appends.push(a.append({ server: 'sftp://h:22', action: 'save', result: 'ok', path: `/a/${i}` }), b.append({ server: 'sftp://h:22', action: 'save', result: 'ok', path: `/b/${i}` }));
  const results = await Promise.allSettled(appends);
  assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
});
