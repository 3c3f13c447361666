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

test('ls lines: remembered minute texts and mode letters give what formatting each entry afresh gives', () => {
  const perms = [0o777, 0o000, 0o644, 0o755, 0o4755 & 0o777, 0o1, 0o640];
  const times = [0, 1, 59_999, 60_000, 61_234, -1, -60_001, 1_700_000_000_000, 1_700_000_059_999, 4_294_967_295_000];
  const entries: RemoteEntry[] = [];
  for (let i = 0; i < 9000; i++) {
    // More distinct minutes than the cache holds, so it is emptied and refilled on the way.
    const mtime = i < 5000 ? i * 60_000 + (i % 7) * 1000 : times[i % times.length];
    const type = (['file', 'directory', 'symlink', 'other'] as const)[i % 4];
    entries.push({ name: `e${i}`, type, size: i, mtime, ...(i % 5 ? { permissions: perms[i % perms.length] } : {}) });
  }
  const letters = (m: number) => [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1].map((b, i) => (m & b ? 'rwx'[i % 3] : '-')).join('');
  const typeChar = { directory: 'd', file: '-', symlink: 'l', other: '?' };
  const width = String(8999).length;
  const expected = entries
    .map((e) => {
      const when = e.mtime ? new Date(e.mtime).toISOString().slice(0, 16).replace('T', ' ') : ' '.repeat(16);
      return `${typeChar[e.type]}${e.permissions === undefined ? '?????????' : letters(e.permissions)} ${String(e.size).padStart(width)} ${when} ${e.name}\n`;
    })
    .join('');
  assert.equal(formatEntries(entries), expected);
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
