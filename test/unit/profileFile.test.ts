/** One name for the profile file, and one "never upload it" rule that every upload path asks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROFILE_FILE_PATH, profileFileIn } from '../../src/core/profiles/profileFile';
import { ALWAYS_IGNORED, assertUploadable, isNeverUploaded } from '../../src/core/transfer/ignore';
import { mapLocalToRemote } from '../../src/extension/uploadMapping';
import { UsageError } from '../../src/core/errors';

const root = path.resolve(__dirname, '../../..');

test('the profile file has one name: the CLI default, the extension, the ignore rule and package.json agree', () => {
  assert.equal(PROFILE_FILE_PATH, '.vscode/secure-transfer.json');
  assert.equal(profileFileIn('/ws'), path.join('/ws', '.vscode', 'secure-transfer.json'));
  assert.ok(ALWAYS_IGNORED.includes(`**/${PROFILE_FILE_PATH}`));
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    activationEvents: string[];
    contributes: { jsonValidation: Array<{ fileMatch: string | string[]; url: string }> };
  };
  assert.ok(pkg.activationEvents.includes(`workspaceContains:${PROFILE_FILE_PATH}`), 'activation names the same file');
  const matches = pkg.contributes.jsonValidation.flatMap((v) => v.fileMatch);
  assert.ok(matches.includes(`**/${PROFILE_FILE_PATH}`), 'jsonValidation names the same file');
});

test('isNeverUploaded judges the whole local path: a profile file or .git anywhere, whatever the transfer root', () => {
  for (const p of ['/ws/.vscode/secure-transfer.json', '/ws/sub/.vscode/secure-transfer.json', '/ws/.git', '/ws/.git/config', 'rel/.vscode/secure-transfer.json']) {
    assert.equal(isNeverUploaded(p), true, p);
    assert.throws(() => assertUploadable(p), (err: Error) => err instanceof UsageError && err.message === `${p} is never uploaded (version control data and the team profile file stay local).`);
  }
  for (const p of ['/ws/index.html', '/ws/.vscode/settings.json', '/ws/secure-transfer.json', '/ws/.github/x', '/ws/a.git']) {
    assert.equal(isNeverUploaded(p), false, p);
    assert.doesNotThrow(() => assertUploadable(p));
  }
});

test('upload on save refuses the profile file by the same rule, wherever localRoot points', () => {
  assert.deepEqual(mapLocalToRemote({ localRoot: '.vscode', remotePath: '/r' }, '/ws/.vscode/secure-transfer.json', '/ws', '/h'), { ok: false, reason: 'ignored', relativePath: 'secure-transfer.json' });
  assert.equal(mapLocalToRemote({ localRoot: '.vscode', remotePath: '/r' }, '/ws/.vscode/settings.json', '/ws', '/h').ok, true);
});
