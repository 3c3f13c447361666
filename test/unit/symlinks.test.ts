/** The pure parts of the symlink rules (symlinks.ts): in-tree checks, loop detection, chains in one listing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { isWithin, linkChainInFolder, wouldLoop, type WalkedDir } from '../../src/core/transfer/symlinks';

test('isWithin: the folder itself and what is below it, never a sibling with the same prefix or a parent', () => {
  assert.equal(isWithin('/srv/tree', '/srv/tree'), true);
  assert.equal(isWithin('/srv/tree', '/srv/tree/a/b'), true);
  assert.equal(isWithin('/srv/tree', '/srv/tree-other/x'), false);
  assert.equal(isWithin('/srv/tree', '/srv'), false);
  assert.equal(isWithin('/srv/tree', '/etc/passwd'), false);
  assert.equal(isWithin('/', '/etc'), true);
  assert.equal(isWithin('/srv/tree', '/srv/tree/..x'), true, 'a name starting with two dots is inside');
  assert.equal(isWithin('/srv/tree', '/srv/tree/a', path), true);
});

test('wouldLoop: a folder on the way down, or one enclosing it, loops; a folder below or beside does not', () => {
  const root: WalkedDir = { real: '/t', links: 0 };
  const x: WalkedDir = { real: '/x', links: 1, up: root };
  const deep: WalkedDir = { real: '/x/deep', links: 1, up: x };
  assert.equal(wouldLoop(deep, '/t'), true, 'back to the root through another folder');
  assert.equal(wouldLoop(deep, '/x'), true);
  assert.equal(wouldLoop(deep, '/'), true, 'a folder enclosing the root');
  assert.equal(wouldLoop(deep, '/x/deep/below'), false);
  assert.equal(wouldLoop(deep, '/t-other'), false);
  assert.equal(wouldLoop({ links: 0 }, '/anything'), false, 'unknown real paths decide nothing (the depth cap does)');
});

test('linkChainInFolder: loops and missing targets within one listing; anything leaving the folder is unknown', () => {
  const listing = (entries: Array<{ name: string; type: string; target?: string }>) => new Map(entries.map((e) => [e.name, e]));
  const l = listing([
    { name: 'self', type: 'symlink', target: 'self' },
    { name: 'a', type: 'symlink', target: 'b' },
    { name: 'b', type: 'symlink', target: 'a' },
    { name: 'gone', type: 'symlink', target: 'missing' },
    { name: 'to-file', type: 'symlink', target: 'f' },
    { name: 'f', type: 'file' },
    { name: 'away', type: 'symlink', target: '../x' },
    { name: 'dot', type: 'symlink', target: '.' },
    { name: 'blind', type: 'symlink' },
  ]);
  assert.equal(linkChainInFolder(l.get('self')!, l), 'loop');
  assert.equal(linkChainInFolder(l.get('a')!, l), 'loop');
  assert.equal(linkChainInFolder(l.get('gone')!, l), 'dangling');
  assert.equal(linkChainInFolder(l.get('to-file')!, l), 'unknown');
  assert.equal(linkChainInFolder(l.get('away')!, l), 'unknown');
  assert.equal(linkChainInFolder(l.get('dot')!, l), 'unknown');
  assert.equal(linkChainInFolder(l.get('blind')!, l), 'unknown');
});
