/**
 * `npm start` end to end: builds, starts the demo server and drives the real CLI through the
 * walk-through (refusal of the unknown host key with exit 3, pinning, put/ls/get, equal hashes).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/common';

it('npm start refuses the unknown host key, then round-trips a file with the pinned fingerprint', () => {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'start.mjs')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, output);
  const fingerprint = /host key fingerprint is (SHA256:[A-Za-z0-9+/]{43})/.exec(output)?.[1];
  assert.ok(fingerprint, output);
  // Each command's block starts with "$ secure-transfer"; the first (untrusted) one must show the
  // fingerprint and exit 3, and every later one must pass it as a pin.
  const [untrusted, ...pinned] = output.split('\n$ secure-transfer ').slice(1);
  assert.ok(untrusted.includes(fingerprint) && untrusted.includes('(exit 3)'), untrusted);
  assert.ok(!untrusted.split('\n')[0].includes('--fingerprint'), untrusted);
  assert.ok(pinned.length >= 5 && pinned.every((b) => b.includes(`--fingerprint ${fingerprint}`) && b.includes('(exit 0)')), output);
  assert.match(output, /Equal: the file made the round trip intact\./);
});
