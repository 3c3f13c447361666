/**
 * Ranged parallel transfers (core/transfer/ranged.ts): splitting a file into ranges, what is still
 * missing after an interruption, the resume record (only a valid one is believed), the ranged
 * partial's own name, and the rule that a pool without a second session keeps one connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { coveredBytes, mergeRanges, missingRanges, parseRecord, RangeRecords, splitWork, withRangeSessions } from '../../src/core/transfer/ranged';
import { isOlderPartialOf, isPartialName, partialName, rangedPartialName } from '../../src/core/transfer/partialName';
import { SessionPool } from '../../src/core/transfer/sessionPool';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';

const MiB = 1024 * 1024;
const r = (start: number, end: number) => ({ start, end });

test('ranges merge, and the missing bytes are the complement', () => {
  assert.deepEqual(mergeRanges([r(10, 20), r(0, 5), r(5, 8), r(15, 30), r(40, 40)]), [r(0, 8), r(10, 30)]);
  assert.deepEqual(missingRanges(50, [r(10, 20), r(0, 5)]), [r(5, 10), r(20, 50)]);
  assert.deepEqual(missingRanges(50, []), [r(0, 50)]);
  assert.deepEqual(missingRanges(50, [r(0, 50)]), []);
  assert.equal(coveredBytes([r(0, 10), r(5, 15)]), 15);
});

test('a fresh file is split into one aligned piece per session; a resumed one only where bytes are missing', () => {
  assert.deepEqual(splitWork([r(0, 256 * MiB)], 4), [r(0, 64 * MiB), r(64 * MiB, 128 * MiB), r(128 * MiB, 192 * MiB), r(192 * MiB, 256 * MiB)]);
  const odd = 100 * MiB + 7;
  const pieces = splitWork([r(0, odd)], 3);
  assert.equal(pieces.length, 3);
  assert.deepEqual(mergeRanges(pieces), [r(0, odd)]);
  for (const p of pieces.slice(0, -1)) assert.equal(p.end % MiB, 0, 'cuts on MiB boundaries');
  // Gaps of a resumed file: every missing byte exactly once, nothing already there.
  const missing = [r(3 * MiB + 5, 10 * MiB), r(40 * MiB, 41 * MiB)];
  const resumed = splitWork(missing, 2);
  assert.deepEqual(mergeRanges(resumed), missing);
  assert.equal(coveredBytes(resumed), coveredBytes(missing));
  assert.deepEqual(splitWork([], 4), []);
});

test('a record is believed only when every range lies within the file', () => {
  assert.deepEqual(parseRecord(JSON.stringify({ v: 1, size: 100, done: [[0, 10], [50, 100]], dev: 1, ino: 2 }), 100), { done: [r(0, 10), r(50, 100)], dev: 1, ino: 2 });
  for (const bad of [
    'not json',
    JSON.stringify({ v: 2, size: 100, done: [] }),
    JSON.stringify({ v: 1, size: 99, done: [] }),
    JSON.stringify({ v: 1, size: 100, done: [[0, 101]] }),
    JSON.stringify({ v: 1, size: 100, done: [[-1, 5]] }),
    JSON.stringify({ v: 1, size: 100, done: [[5, 5]] }),
    JSON.stringify({ v: 1, size: 100, done: [[0.5, 5]] }),
    JSON.stringify({ v: 1, size: 100, done: [['0', 5]] }),
    JSON.stringify({ v: 1, size: 100, done: {} }),
    'null',
  ]) {
    assert.equal(parseRecord(bad, 100), undefined, bad);
  }
});

test('records are saved private, keyed per direction, server, partial and size, and removed', async () => {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'ranges-')), 'ranges');
  const records = new RangeRecords(dir);
  const key = RangeRecords.key('download', 'sftp-id', '/a/.x.part', 100);
  assert.notEqual(key, RangeRecords.key('upload', 'sftp-id', '/a/.x.part', 100));
  assert.notEqual(key, RangeRecords.key('download', 'other-id', '/a/.x.part', 100));
  assert.notEqual(key, RangeRecords.key('download', 'sftp-id', '/a/.x.part', 101));
  assert.equal(await records.load(key, 100), undefined);
  await records.save(key, { size: 100, done: [r(50, 60), r(0, 10), r(10, 20)] });
  assert.deepEqual((await records.load(key, 100))?.done, [r(0, 20), r(50, 60)]);
  assert.equal(await records.load(key, 200), undefined, 'another size: not this file');
  assert.equal((await stat(path.join(dir, `${key}.json`))).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  await writeFile(path.join(dir, `${key}.json`), '{"v":1,"size":100,"done":[[0,1000]]}');
  assert.equal(await records.load(key, 100), undefined, 'a damaged record is not believed');
  await records.remove(key);
  assert.deepEqual(await readdir(dir), []);
});

test('the ranged partial has its own name: never taken for the prefix partial, still found as an older one', () => {
  const prefix = partialName('big.iso', 'id:/srv/big.iso:1000:5', '/home/u/big.iso');
  const ranged = rangedPartialName(prefix);
  assert.notEqual(ranged, prefix);
  assert.ok(isPartialName(ranged));
  assert.equal(rangedPartialName(prefix), ranged, 'deterministic: a rerun finds it');
  assert.ok(isOlderPartialOf(ranged, prefix), 'a single-connection run deletes it as an older partial');
  assert.ok(isOlderPartialOf(prefix, ranged));
});

/** `rttMs`: how long its stat takes (the round trip ranged.ts measures). */
function fakeSession(id: number, ranges: boolean, rttMs = 6): RemoteFileSystem {
  return {
    protocol: 'sftp',
    connected: true,
    homeDir: '/',
    stat: () => delay(rttMs),
    id,
    ...(ranges ? { downloadRange: async () => undefined } : {}),
  } as unknown as RemoteFileSystem;
}

test('one session, or sessions without ranges, keep the single-connection path', async () => {
  const offers = (rfs: RemoteFileSystem) => typeof rfs.downloadRange === 'function';
  const seen = async (pool: SessionPool, qualifies = true) => withRangeSessions(pool, qualifies, offers, undefined, async (_rfs, spread) => spread?.length ?? 1);
  // No factory: the pool has its seed only (the rule where another login would ask the user again).
  assert.equal(await seen(new SessionPool({ seed: fakeSession(0, true) })), 1);
  // A factory, but one session allowed (the CLI's shape when a login would ask again).
  let n = 0;
  assert.equal(await seen(new SessionPool({ seed: fakeSession(0, true), factory: async () => fakeSession(++n, true), shape: { sessions: 1 } })), 1);
  assert.equal(n, 0, 'no extra login was even tried');
  // Sessions that don't offer ranges.
  assert.equal(await seen(new SessionPool({ seed: fakeSession(0, false), factory: async () => fakeSession(++n, false) })), 1);
  // Two sessions that offer them: spread; a small file never asks for more.
  n = 0;
  const pool = new SessionPool({ seed: fakeSession(0, true), factory: async () => fakeSession(++n, true) });
  assert.equal(await seen(pool, false), 1);
  assert.equal(n, 0);
  assert.equal(await seen(pool), 2);
  // A short round trip (loopback): one SFTP stream is CPU-bound, so no spreading, no extra login.
  n = 0;
  const near = new SessionPool({ seed: fakeSession(0, true, 0), factory: async () => fakeSession(++n, true, 0) });
  assert.equal(await seen(near), 1);
  assert.equal(n, 0);
});
