/** The extension's plain-logic pieces around the transfer engine (no VS Code API needed); the session-reuse table is in sessionReuse.test.ts, remote versions in transfer.test.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '../../src/core/transfer/remoteState';
import { confirmOverwriteChanged, confirmReplaceExisting, conflictQuestion, replaceQuestion } from '../../src/extension/conflictPrompt';
import { FILE_ROW_LIMITS, FileRows } from '../../src/extension/transferFiles';
import { finishedMessage, formatBytes, formatDuration, formatElapsed, progressMessage } from '../../src/extension/transferProgress';

test('the progress message shows bytes of total, rate, time left and files (for folders)', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatDuration(42), '42 s');
  assert.equal(formatDuration(185), '3 min 5 s');
  assert.equal(formatDuration(7800), '2 h 10 min');
  assert.equal(
    progressMessage({ bytes: 1.5 * 1024 * 1024, totalBytes: 4 * 1024 * 1024, files: 3, totalFiles: 10, bytesPerSecond: 2 * 1024 * 1024, etaSeconds: 1.25, elapsedSeconds: 1 }),
    '1.5 MiB of 4.0 MiB · 2.0 MiB/s · 2 s left · 3 of 10 files',
  );
  // Before any rate is measured there is no rate and no ETA; a single file shows no file count.
  assert.equal(progressMessage({ bytes: 0, totalBytes: 100, files: 0, totalFiles: 1, bytesPerSecond: 0, elapsedSeconds: 0 }), '0 B of 100 B');
});

test('the overwrite question names the file, and only an explicit Overwrite overwrites', async () => {
  const err = new ConflictError('/site/a.txt', { size: 1, mtime: 0 }, { size: 2, mtime: 0 }, 2);
  const q = conflictQuestion('prod', err);
  assert.match(q.message, /^\/site\/a\.txt \(and 2 more files\) changed on the server/);
  assert.match(q.detail, /prod:\/site\/a\.txt/);
  const asked: Array<{ safeDefault: string; actions: string[] }> = [];
  const ui = (answer: string | undefined) => ({
    confirmSafe: async (_m: string, _d: string, safeDefault: string, ...actions: string[]) => {
      asked.push({ safeDefault, actions });
      return answer === safeDefault ? undefined : answer;
    },
  });
  assert.equal(await confirmOverwriteChanged(ui('Overwrite'), 'prod', err), true);
  assert.equal(await confirmOverwriteChanged(ui('Cancel'), 'prod', err), false);
  assert.equal(await confirmOverwriteChanged(ui(undefined), 'prod', err), false);
  assert.deepEqual(asked[0], { safeDefault: 'Cancel', actions: ['Overwrite'] }, 'the default button keeps the server version');
});

test('a finished transfer reads as one sentence: what, where, how much and how long', () => {
  assert.equal(
    finishedMessage({ direction: 'upload', name: 'page.html', remoteFolder: 'demo:/var/www', localFolder: '/home/me/site', bytes: 12 * 1024, seconds: 0.234 }),
    'Uploaded page.html to demo:/var/www (12.0 KiB, 0.2 s)',
  );
  assert.equal(
    finishedMessage({ direction: 'download', name: 'site', remoteFolder: 'demo:/srv', localFolder: '/home/me', files: 3, bytes: 1024 * 1024, seconds: 75 }),
    'Downloaded site from demo:/srv to /home/me (3 files, 1.0 MiB, 1 min 15 s)',
  );
  assert.equal(formatElapsed(0), '0.0 s');
});

test('the replace question names one file, or counts many and lists the first; only Overwrite replaces', async () => {
  const one = replaceQuestion('demo', ['/var/www/page.html']);
  assert.equal(one.message, 'page.html already exists on demo. Overwrite it?');
  assert.match(one.detail, /demo:\/var\/www\/page\.html already exists/);
  const many = replaceQuestion('demo', Array.from({ length: 8 }, (_, i) => `/site/f${i}.txt`));
  assert.equal(many.message, '8 files already exist on demo. Overwrite them?');
  assert.match(many.detail, /\/site\/f4\.txt\n… and 3 more/);
  assert.ok(!many.detail.includes('f5.txt'));
  // Names from a server listing can't reshape the dialog.
  assert.ok(!replaceQuestion('demo', ['/a/evil\u001b[2Jname']).message.includes('\u001b'));
  const asked: string[] = [];
  const ui = (answer: string | undefined) => ({
    confirmSafe: async (_m: string, _d: string, safeDefault: string, ...actions: string[]) => {
      asked.push(`${safeDefault}|${actions.join(',')}`);
      return answer === safeDefault ? undefined : answer;
    },
  });
  assert.equal(await confirmReplaceExisting(ui('Overwrite'), 'demo', ['/x']), true);
  assert.equal(await confirmReplaceExisting(ui('Cancel'), 'demo', ['/x']), false);
  assert.equal(await confirmReplaceExisting(ui(undefined), 'demo', ['/x']), false);
  assert.deepEqual(asked, ['Cancel|Overwrite', 'Cancel|Overwrite', 'Cancel|Overwrite'], 'Enter (the first button) is Cancel');
});

test('file rows stay bounded for a huge folder and remember what started without finishing', () => {
  const rows = new FileRows((e) => String((e as Error).message));
  const file = (i: number) => ({ from: `/l/f${i}`, to: `/r/f${i}`, partial: `/r/.f${i}.st-000000000000.part`, size: 100, offset: 0 });
  const files = Array.from({ length: 20_000 }, (_, i) => file(i));
  for (const f of files.slice(0, 19_990)) {
    rows.apply({ type: 'start', file: f });
    rows.apply({ type: 'progress', file: f, bytes: 50 });
    rows.apply({ type: 'done', file: f });
  }
  for (const f of files.slice(19_990, 19_995)) {
    rows.apply({ type: 'start', file: f });
    rows.apply({ type: 'failed', file: f, error: new Error('permission denied') });
  }
  for (const f of files.slice(19_995)) rows.apply({ type: 'start', file: f });
  assert.equal(rows.apply({ type: 'progress', file: files[19_999], bytes: 42 }), false, 'bytes alone are no new row');
  const shown = rows.rows();
  assert.equal(shown.length, 5 + 5 + FILE_ROW_LIMITS.done, 'running, failed and the last finished only');
  assert.deepEqual(shown.slice(0, 5).map((r) => r.state), Array(5).fill('running'));
  assert.equal(shown[4].bytes, 42);
  assert.equal(shown[5].error, 'permission denied');
  assert.equal(shown[10].file.to, '/r/f19989', 'newest finished first');
  assert.equal(rows.doneCount, 19_990);
  assert.equal(rows.hiddenCount, 19_990 - FILE_ROW_LIMITS.done);
  assert.deepEqual(rows.leftBehind().map((f) => f.to).sort(), files.slice(19_990).map((f) => f.to).sort(), 'failed and running files left partials');
  rows.forget(files[19_990]);
  assert.equal(rows.leftBehind().length, 9);
  for (let i = 0; i < 30; i++) rows.apply({ type: 'start', file: file(30_000 + i) });
  assert.equal(rows.rows().filter((r) => r.state === 'running').length, FILE_ROW_LIMITS.running);
  assert.equal(rows.runningCount, 35);
});

test('file rows: a cancel reads "cancelled"; what an earlier run left stays ours until its file finishes', () => {
  const f = (n: string, partial = `/r/.${n}.st-000000000000.part`) => ({ from: `/l/${n}`, to: `/r/${n}`, partial, size: 10, offset: 0 });
  const a = f('a');
  const b = f('b');
  const c = f('c');
  const run1 = new FileRows(() => 'Cancelled.', () => true);
  for (const x of [a, b, c]) run1.apply({ type: 'start', file: x });
  for (const x of [a, b, c]) run1.apply({ type: 'failed', file: x, error: new Error('aborted') });
  assert.deepEqual(run1.rows().map((r) => r.state), ['cancelled', 'cancelled', 'cancelled']);
  assert.equal(run1.cancelledCount, 3);
  // Resume: a finishes, b is continued under the same partial and cancelled again, c is never reached.
  const run2 = new FileRows(() => 'Cancelled.', () => true, run1.leftBehind());
  const a2 = f('a');
  const b2 = f('b');
  run2.apply({ type: 'start', file: a2 });
  run2.apply({ type: 'done', file: a2 });
  run2.apply({ type: 'start', file: b2 });
  run2.apply({ type: 'failed', file: b2, error: new Error('aborted') });
  assert.deepEqual(run2.leftBehind().map((x) => x.to).sort(), ['/r/b', '/r/c']);
  assert.ok(run2.leftBehind().includes(b2) && run2.leftBehind().includes(c), 'b through its new object, c from the first run');
  run2.forget(c);
  assert.deepEqual(run2.leftBehind(), [b2]);
});
