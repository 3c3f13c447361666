/** File modes for chmod: octal and chmod(1)'s symbolic forms, checked against what GNU chmod does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatFileMode, parseFileMode } from '../../src/core/syntax/fileMode';
import { UsageError } from '../../src/core/errors';

test('octal modes are absolute: 644, 0755, 4755, 0', () => {
  assert.equal(parseFileMode('644').absolute, 0o644);
  assert.equal(parseFileMode('0755').apply(0o600), 0o755);
  assert.equal(parseFileMode('4755').absolute, 0o4755);
  assert.equal(parseFileMode(' 0 ').absolute, 0);
  assert.equal(formatFileMode(0o644), '0644');
  assert.equal(formatFileMode(0o104755), '4755');
});

test('symbolic modes need the current mode and change only what they name', () => {
  const m = (text: string, current: number, dir = false) => parseFileMode(text).apply(current, dir);
  assert.equal(parseFileMode('u+x').absolute, undefined);
  assert.equal(m('u+x', 0o644), 0o744);
  assert.equal(m('go-w', 0o666), 0o644);
  assert.equal(m('a=r', 0o755), 0o444);
  assert.equal(m('u=rwx,g=rx,o=', 0o000), 0o750);
  assert.equal(m('+x', 0o644), 0o755);
  assert.equal(m('u+r-w', 0o200), 0o400);
  assert.equal(m('g=u', 0o640), 0o660);
  assert.equal(m('a+X', 0o644), 0o644, 'X: no execute bit anywhere on a file');
  assert.equal(m('a+X', 0o744), 0o755);
  assert.equal(m('a+X', 0o700, true), 0o711, 'X: folders get it');
  assert.equal(m('u+s,g+s', 0o755), 0o6755);
  assert.equal(m('+t', 0o777, true), 0o1777);
  assert.equal(m('u=rw', 0o4755), 0o655, '= clears the special bit of its who');
  assert.equal(m('o=', 0o4755), 0o4750, 'o= keeps setuid');
});

test('a bad mode is one sentence that names it and shows both forms', () => {
  for (const bad of ['', '8', '99999', '0o755', 'u+y', 'x+u', 'u+', ',', 'u+x,', 'rwxr-xr-x', 'u+x;rm -rf /', '\x1b[31m']) {
    // 'u+' is valid for chmod(1) (a no-op); everything else here is not a mode.
    if (bad === 'u+') {
      assert.equal(parseFileMode(bad).apply(0o644), 0o644);
      continue;
    }
    assert.throws(() => parseFileMode(bad), (err: unknown) => {
      assert.ok(err instanceof UsageError, bad);
      assert.match(err.message, /is not a file mode: write it in octal \(644, 0755\) or like chmod's symbolic modes/);
      assert.ok(!err.message.includes('\x1b'), 'no raw escape reaches the terminal');
      return true;
    });
  }
});

test('symbolic modes agree with GNU chmod (the oracle) on files and folders', (t) => {
  let dir: string;
  try {
    execFileSync('chmod', ['--version'], { stdio: 'ignore' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'filemode-'));
  } catch {
    return t.skip('no GNU chmod');
  }
  try {
    const modes = ['u+x', 'go-w', 'a=r', 'u=rwx,g=rx,o=', 'a+X', 'g=u', 'u+s', 'o+t', 'ug+rw,o-rwx', 'u=rw,go=r', 'a-x+X', 'g+w-r'];
    const starts = [0o644, 0o755, 0o700, 0o4711, 0o000, 0o1777];
    for (const isDir of [false, true]) {
      const p = path.join(dir, isDir ? 'd' : 'f');
      if (isDir) mkdirSync(p);
      else writeFileSync(p, '');
      for (const start of starts) {
        for (const mode of modes) {
          chmodSync(p, start);
          // Every clause names its who, so chmod's umask rule does not apply.
          execFileSync('chmod', [mode, p]);
          const want = statSync(p).mode & 0o7777;
          assert.equal(formatFileMode(parseFileMode(mode).apply(start, isDir)), formatFileMode(want), `${mode} on ${formatFileMode(start)} ${isDir ? 'folder' : 'file'}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
