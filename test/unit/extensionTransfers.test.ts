/** The extension's plain-logic pieces around the transfer engine (no VS Code API needed); the session-reuse table is in sessionReuse.test.ts, remote versions in transfer.test.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '../../src/core/transfer/remoteState';
import { confirmOverwriteChanged, conflictQuestion } from '../../src/extension/conflictPrompt';
import { formatBytes, formatDuration, progressMessage } from '../../src/extension/transferProgress';

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
