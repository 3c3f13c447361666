import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEntries, formatEntryChunks, jsonChunks } from '../../src/cli/commands/files';
import type { RemoteEntry } from '../../src/core/session/remoteFileSystem';
import { TREE_ENTRY_LIMIT, compareEntries, firstEntries, moreEntriesText } from '../../src/core/session/listingWindow';

test('ls formats a 200,000-entry folder (no spread of every size into one call)', () => {
  const entries: RemoteEntry[] = Array.from({ length: 200_000 }, (_, i) => ({ name: `f${i}`, type: 'file', size: i, mtime: 0 }));
  const out = formatEntries(entries);
  const lines = out.split('\n');
  assert.equal(lines.length, 200_001);
  assert.match(lines[0], /^-\S+ +0 +f0$/);
  assert.match(lines[199_999], / 199999 +f199999$/);
});

test('ls --json in chunks is exactly JSON.stringify(entries, null, 2)', () => {
  for (const n of [0, 1, 2, 1999, 2000, 2001, 4500]) {
    const entries: RemoteEntry[] = Array.from({ length: n }, (_, i) => ({ name: `f"${i}`, type: i % 3 ? 'file' : 'directory', size: i, mtime: i * 1000, ...(i % 2 ? { permissions: 0o644 } : {}) }));
    assert.equal([...jsonChunks(entries)].join(''), JSON.stringify(entries, null, 2) + '\n', `${n} entries`);
    assert.equal([...formatEntryChunks(entries, 7)].join(''), formatEntries(entries), `${n} entries`);
  }
});

test('the tree shows the first 5,000 of 200,000 entries, folders first then by name, and says how many more', () => {
  const entries: RemoteEntry[] = Array.from({ length: 200_000 }, (_, i) => ({ name: `n${String(199_999 - i).padStart(6, '0')}`, type: i % 50 === 0 ? 'directory' : 'file', size: 0, mtime: 0 }));
  const { shown, hidden } = firstEntries(entries);
  assert.equal(shown.length, TREE_ENTRY_LIMIT);
  assert.equal(hidden, 200_000 - TREE_ENTRY_LIMIT);
  assert.ok(shown.slice(0, 4000).every((e) => e.type === 'directory'), 'the 4,000 folders come first');
  assert.ok(shown.slice(4000).every((e) => e.type === 'file'));
  assert.equal(shown[0].name, 'n000049');
  assert.equal(shown[4000].name, 'n000000');
  for (let i = 1; i < shown.length; i++) assert.ok(compareEntries(shown[i - 1], shown[i]) < 0);
  assert.match(moreEntriesText(hidden), /^195,000 more entries are not shown .*first 5,000.*secure-transfer ls/);
  assert.equal(entries[0].name, 'n199999', 'the listing itself is not reordered');
  const few = firstEntries(entries.slice(0, 10));
  assert.equal(few.hidden, 0);
  assert.equal(few.shown.length, 10);
});
