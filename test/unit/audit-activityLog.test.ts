import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActivityLog, redact, type ActivityEntry } from '../../src/core/audit/activityLog';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'st-activity-'));

test('appends JSON lines and reads them back, filtered by server, oldest first', async () => {
  const dir = tmp();
  const log = new ActivityLog(dir);
  await log.append({ server: 'sftp://a:22', action: 'connect', result: 'ok', fingerprint: 'SHA256:aaa' });
  await log.append({ server: 'ftpes://b:21', action: 'upload', result: 'ok', bytes: 1234, path: '/www/index.html' });
  await log.append({ server: 'sftp://a:22', action: 'trust-decision', result: 'remember', fingerprint: 'SHA256:aaa' });
  const a = await log.read({ server: 'sftp://a:22' });
  assert.deepEqual(a.map((e) => e.action), ['connect', 'trust-decision']);
  assert.equal((await log.read()).length, 3);
  assert.deepEqual((await log.read({ limit: 1 })).map((e) => e.action), ['trust-decision']);
  const lines = readFileSync(path.join(dir, 'activity.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 3);
  const upload = JSON.parse(lines[1]) as ActivityEntry;
  assert.equal(upload.bytes, 1234);
  assert.match(upload.time, /^\d{4}-\d{2}-\d{2}T/);
  assert.equal(statSync(path.join(dir, 'activity.jsonl')).mode & 0o077, 0, 'only the owner may read it');
});

test('rotates by size and keeps only the configured number of old files', async () => {
  const dir = tmp();
  const log = new ActivityLog(dir, { maxBytes: 400, keep: 2 });
  for (let i = 0; i < 40; i++) await log.append({ server: 'sftp://h:22', action: 'download', result: 'ok', bytes: i, path: `/f/${i}` });
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ['activity.1.jsonl', 'activity.2.jsonl', 'activity.jsonl']);
  for (const f of files) assert.ok(statSync(path.join(dir, f)).size <= 400, `${f} stays under the limit`);
  const kept = await log.read();
  assert.ok(kept.length < 40, 'the oldest entries were dropped');
  assert.deepEqual(kept.map((e) => e.bytes), kept.map((_, i) => 40 - kept.length + i), 'what remains is the newest, in order');
});

test('never writes a secret: unknown fields are dropped and secret-looking text is redacted', async () => {
  const dir = tmp();
  const log = new ActivityLog(dir);
  await log.append({
    server: 'ftpes://alice:hunter2@example.org:21',
    action: 'connect',
    result: 'failed',
    detail: 'login failed with password=hunter2 and PASS hunter2',
    password: 'hunter2',
    totp: '123456',
  } as unknown as ActivityEntry);
  const text = readFileSync(path.join(dir, 'activity.jsonl'), 'utf8');
  assert.ok(!text.includes('hunter2'), text);
  assert.ok(!text.includes('123456'), text);
  const [entry] = await log.read();
  assert.deepEqual(Object.keys(entry).sort(), ['action', 'detail', 'result', 'server', 'time']);
  assert.equal(entry.server, 'ftpes://alice:***@example.org:21');
  assert.equal(redact('token: abc.def'), 'token: ***');
  assert.equal(redact('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----'), '***private key***');
  assert.equal(redact('uploaded /www/passage.txt'), 'uploaded /www/passage.txt', 'ordinary words survive');
});

test('refuses an unknown action rather than logging free-form records', () => {
  const log = new ActivityLog(tmp());
  assert.throws(() => log.append({ server: 's', action: 'format-disk' as never, result: 'ok' }), /Unknown activity action/);
});

test('a torn last line is skipped on read', async () => {
  const dir = tmp();
  const log = new ActivityLog(dir);
  await log.append({ server: 's', action: 'audit', result: 'ok' });
  const { appendFileSync } = await import('node:fs');
  appendFileSync(path.join(dir, 'activity.jsonl'), '{"time":"2026');
  assert.equal((await log.read()).length, 1);
});
