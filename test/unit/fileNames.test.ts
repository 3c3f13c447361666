/** Remote Files management, pure parts: Rename's move targets, Duplicate's names, permission modes. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyName, freeCopyName, isInside, MAX_COPY_NUMBER, moveTarget, parseOctalMode, PERMISSION_BITS } from '../../src/extension/fileNames';
import { formatFileMode, permissionLetters } from '../../src/core/syntax/fileMode';

test('Rename input: a bare name stays in the folder, a relative path moves below it, an absolute path anywhere', () => {
  assert.equal(moveTarget('/srv/site/a.txt', 'b.txt'), '/srv/site/b.txt');
  assert.equal(moveTarget('/srv/site/a.txt', 'sub/b.txt'), '/srv/site/sub/b.txt');
  assert.equal(moveTarget('/srv/site/a.txt', '../up.txt'), '/srv/up.txt');
  assert.equal(moveTarget('/srv/site/a.txt', '/tmp//x/y.txt'), '/tmp/x/y.txt');
  assert.equal(moveTarget('/srv/site/dir', ' other/ '), '/srv/site/other', 'trimmed, no trailing slash');
  assert.equal(moveTarget('/srv/a', '/'), '/');
});

test('a folder is never moved into itself', () => {
  assert.ok(isInside('/srv/site', '/srv/site/sub/x'));
  assert.ok(isInside('/srv/site', '/srv/site'));
  assert.ok(!isInside('/srv/site', '/srv/site2/x'), 'a sibling with the same prefix is outside');
});

test('Duplicate names: "name copy.ext", then "name copy 2.ext"; dotfiles and names without extension', () => {
  assert.equal(copyName('a.txt', 1), 'a copy.txt');
  assert.equal(copyName('a.txt', 2), 'a copy 2.txt');
  assert.equal(copyName('.bashrc', 1), '.bashrc copy');
  assert.equal(copyName('Makefile', 3), 'Makefile copy 3');
  assert.equal(copyName('site.tar.gz', 1), 'site.tar copy.gz');
  assert.equal(freeCopyName('a.txt', new Set(['a.txt', 'a copy.txt', 'a copy 2.txt'])), 'a copy 3.txt');
  const full = new Set(Array.from({ length: MAX_COPY_NUMBER }, (_, i) => copyName('a.txt', i + 1)));
  assert.equal(freeCopyName('a.txt', full), undefined, 'gives up after the limit');
});

test('permission modes: typed octal (3 or 4 digits), rwx strings, the nine checkboxes', () => {
  assert.equal(parseOctalMode('644'), 0o644);
  assert.equal(parseOctalMode(' 0755 '), 0o755);
  assert.equal(parseOctalMode('2775'), 0o2775);
  assert.equal(parseOctalMode('0o600'), 0o600);
  for (const bad of ['', '64', '888', '12345', 'rwx', '-1', '7777a']) assert.equal(parseOctalMode(bad), undefined, bad);
  assert.equal(permissionLetters(0o750), 'rwxr-x---');
  assert.equal(permissionLetters(0o644), 'rw-r--r--');
  assert.equal(formatFileMode(0o644), '0644');
  assert.equal(formatFileMode(0o2775), '2775');
  assert.equal(PERMISSION_BITS.length, 9);
  assert.equal(PERMISSION_BITS.reduce((m, b) => m | b.bit, 0), 0o777);
  assert.deepEqual(PERMISSION_BITS.filter((b) => (0o640 & b.bit) !== 0).map((b) => b.label), ['Owner: read', 'Owner: write', 'Group: read']);
});
