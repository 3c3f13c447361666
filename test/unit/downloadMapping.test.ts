import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mapLocalToRemote, mapRemoteToLocal } from '../../src/extension/uploadMapping';

const base = path.resolve('/work/project');
const profile = { localRoot: 'site', remotePath: '/var/www', ignore: ['*.log'] };

test('a remote file under remotePath maps back to its place under localRoot (the reverse of upload)', () => {
  const m = mapRemoteToLocal(profile, '/var/www/docs/a.html', base, '/home/u');
  assert.deepEqual(m, { ok: true, localPath: path.join(base, 'site', 'docs', 'a.html'), relativePath: 'docs/a.html' });
  const back = mapLocalToRemote(profile, path.join(base, 'site', 'docs', 'a.html'), base, '/home/u');
  assert.ok(back.ok && back.remotePath === '/var/www/docs/a.html', 'round trip');
  // Without remotePath the login folder is the root.
  const home = mapRemoteToLocal({ localRoot: '.' }, '/home/u/x.txt', base, '/home/u');
  assert.ok(home.ok && home.localPath === path.join(base, 'x.txt'));
});

test('server paths that leave remotePath or localRoot, and never-uploaded files, have no default place', () => {
  const cases: Array<[string, string]> = [
    ['/etc/passwd', 'outside'],
    ['/var/www', 'outside'],
    ['/var/www/../../etc/passwd', 'outside'],
    ['/var/wwwx/a', 'outside'],
    ['/var/www/.git/config', 'ignored'],
    ['/var/www/.vscode/secure-transfer.json', 'ignored'],
    ['/var/www/debug.log', 'ignored'],
  ];
  for (const [remote, reason] of cases) {
    const m = mapRemoteToLocal(profile, remote, base, '/home/u');
    assert.deepEqual(m, { ok: false, reason }, remote);
  }
  assert.deepEqual(mapRemoteToLocal({ remotePath: '/var/www' }, '/var/www/a', base, '/'), { ok: false, reason: 'no-mapping' });
  assert.deepEqual(mapRemoteToLocal(profile, '/var/www/a', undefined, '/'), { ok: false, reason: 'no-mapping' });
});
