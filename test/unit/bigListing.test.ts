import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEntries } from '../../src/cli/commands/files';
import type { RemoteEntry } from '../../src/core/session/remoteFileSystem';

test('ls formats a 200,000-entry folder (no spread of every size into one call)', () => {
  const entries: RemoteEntry[] = Array.from({ length: 200_000 }, (_, i) => ({ name: `f${i}`, type: 'file', size: i, mtime: 0 }));
  const out = formatEntries(entries);
  const lines = out.split('\n');
  assert.equal(lines.length, 200_001);
  assert.match(lines[0], /^-\S+ +0 +f0$/);
  assert.match(lines[199_999], / 199999 +f199999$/);
});
