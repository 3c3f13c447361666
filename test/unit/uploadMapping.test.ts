import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIgnored, mapLocalToRemote } from '../../src/extension/uploadMapping';

test('upload on save never sends version control data or the team profile file, and honours the profile globs', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['.git/HEAD', [], true],
    ['.git', [], true],
    ['.vscode/secure-transfer.json', [], true],
    ['sub/.vscode/secure-transfer.json', [], true],
    ['a/b/x.log', ['*.log'], true],
    ['src/a.ts', ['*.log'], false],
    ['dist/app.js', ['dist/'], true],
    ['distx/app.js', ['dist/'], false],
    ['index.html', [], false],
  ];
  for (const [p, globs, want] of cases) assert.equal(isIgnored(p, globs), want, `${p} with ${JSON.stringify(globs)}`);
});

test('the mapping puts a file under remotePath and refuses files outside localRoot or ignored', () => {
  const profile = { localRoot: 'site', remotePath: '/var/www', ignore: ['*.tmp'] };
  assert.deepEqual(mapLocalToRemote(profile, '/ws/site/css/a.css', '/ws', '/home/u'), { ok: true, relativePath: 'css/a.css', remotePath: '/var/www/css/a.css' });
  assert.equal(mapLocalToRemote(profile, '/ws/other/a.css', '/ws', '/home/u').ok, false);
  assert.equal(mapLocalToRemote(profile, '/ws/site/x.tmp', '/ws', '/home/u').ok, false);
  assert.equal(mapLocalToRemote({ localRoot: '.', remotePath: '/r' }, '/ws/.vscode/secure-transfer.json', '/ws', '/h').ok, false);
});
