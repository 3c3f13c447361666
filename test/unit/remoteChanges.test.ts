import { test } from 'node:test';
import assert from 'node:assert/strict';
import { savePartialName } from '../../src/core/transfer/replaceRemote';
import type { RemoteEntry } from '../../src/core/session/remoteFileSystem';
import { diffListings, isOwnEcho, listingOf, pollDelaySeconds, reconcile, type OwnWrite } from '../../src/extension/remoteChanges';

const T = Date.UTC(2026, 11, 3, 12, 0, 7);
const file = (name: string, size: number, mtime = T): RemoteEntry => ({ name, type: 'file', size, mtime });
const dir = (name: string, mtime = T): RemoteEntry => ({ name, type: 'directory', size: 4096, mtime });

test('a listing diff names what was created, changed (size or mtime) and deleted, in name order', () => {
  const before = listingOf([file('a.txt', 1), file('b.txt', 2), file('c.txt', 3), dir('d')]);
  const after = listingOf([file('a.txt', 1), file('b.txt', 2, T + 1000), file('c.txt', 4), file('e.txt', 0), dir('d')]);
  assert.deepEqual(
    diffListings(before, after).map((c) => `${c.kind} ${c.name}`),
    ['changed b.txt', 'changed c.txt', 'created e.txt'],
  );
  assert.deepEqual(diffListings(after, before).map((c) => `${c.kind} ${c.name}`), ['changed b.txt', 'changed c.txt', 'deleted e.txt']);
  assert.deepEqual(diffListings(before, before), [], 'the same listing twice: nothing');
});

test('a folder\'s own size and mtime are not a change; a file replaced by a folder is a deletion and a creation', () => {
  assert.deepEqual(diffListings(listingOf([dir('d', T)]), listingOf([{ ...dir('d', T + 60_000), size: 8192 }])), []);
  assert.deepEqual(
    diffListings(listingOf([file('x', 1)]), listingOf([dir('x')])).map((c) => `${c.kind} ${c.name}`),
    ['deleted x', 'created x'],
  );
});

test('transfers\' partial files never show up as changes (they are our own work in progress)', () => {
  const partial = savePartialName('/var/www/page.html');
  const l = listingOf([file('page.html', 5), file(partial, 100)]);
  assert.deepEqual([...l.keys()], ['page.html']);
});

test('minute-precision listings (FTP LIST) compare with each other without inventing changes', () => {
  const minute = Date.UTC(2026, 11, 3, 12, 0);
  const a = listingOf([file('index.html', 10, minute)]);
  const b = listingOf([file('index.html', 10, minute)]);
  assert.deepEqual(diffListings(a, b), []);
  // The same size but a later minute is a change.
  assert.equal(diffListings(a, listingOf([file('index.html', 10, minute + 60_000)]))[0]?.kind, 'changed');
  // A file turning six months old: LIST shows its day instead of "12:00" — the same version, no change.
  const listed = listingOf([{ ...file('old.txt', 10, minute), mtimePrecision: 60_000 }]);
  const aged = listingOf([{ ...file('old.txt', 10, Date.UTC(2026, 11, 3)), mtimePrecision: 86_400_000 }]);
  assert.deepEqual(diffListings(listed, aged), []);
  assert.equal(diffListings(listed, listingOf([{ ...file('old.txt', 10, Date.UTC(2026, 11, 4)), mtimePrecision: 86_400_000 }]))[0]?.kind, 'changed', 'another day is a change');
});

test('own writes: sizes must agree; mtimes only where listing and stat read the same clock (SFTP)', () => {
  const change = { name: 'a', kind: 'changed' as const, entry: { type: 'file' as const, size: 5, mtime: T } };
  const written: OwnWrite = { kind: 'written', seq: 1, size: 5, mtime: T + 400 };
  assert.equal(isOwnEcho(change, written, true), true, 'same second');
  assert.equal(isOwnEcho(change, { ...written, mtime: T + 5000 }, true), false, 'SFTP: another second is somebody else');
  // FTPS: the recorded mtime came from MLST/MDTM, the listing from LIST (minutes): only sizes compare.
  assert.equal(isOwnEcho({ ...change, entry: { ...change.entry, mtime: Date.UTC(2026, 11, 3, 12, 0) } }, { ...written, mtime: T + 5000 }, false), true);
  assert.equal(isOwnEcho(change, { ...written, size: 6 }, false), false, 'another size is somebody else');
  assert.equal(isOwnEcho(change, { kind: 'written', seq: 1 }, true), true, 'a rename or new folder: any entry there');
  assert.equal(isOwnEcho({ name: 'a', kind: 'deleted' }, { kind: 'deleted', seq: 1 }, true), true);
  assert.equal(isOwnEcho({ name: 'a', kind: 'deleted' }, written, true), false, 'we wrote it, somebody deleted it');
  assert.equal(isOwnEcho(change, { kind: 'deleted', seq: 1 }, true), false, 'we deleted it, somebody wrote it again');
});

test('reconcile leaves out own writes, reports the rest, and settles only writes made before the listing started', () => {
  const before = listingOf([file('mine.txt', 1), file('theirs.txt', 1), file('gone.txt', 1)]);
  const after = listingOf([file('mine.txt', 7), file('theirs.txt', 2), file('new.txt', 3)]);
  const own = new Map<string, OwnWrite>([
    ['mine.txt', { kind: 'written', seq: 3, size: 7, mtime: T }],
    ['gone.txt', { kind: 'deleted', seq: 4 }],
    // Made while the listing was under way (seq after it): kept for the next listing.
    ['later.txt', { kind: 'written', seq: 9, size: 1 }],
  ]);
  const r = reconcile(before, after, own, 5, true);
  assert.deepEqual(r.report.map((c) => `${c.kind} ${c.name}`), ['created new.txt', 'changed theirs.txt']);
  assert.deepEqual(r.settled.sort(), ['gone.txt', 'mine.txt']);
  // An own write the listing does not match (somebody wrote after us) is reported, and settled.
  const r2 = reconcile(before, listingOf([file('mine.txt', 8), file('theirs.txt', 1), file('gone.txt', 1)]), new Map([['mine.txt', { kind: 'written', seq: 1, size: 7 } as OwnWrite]]), 2, true);
  assert.deepEqual(r2.report.map((c) => `${c.kind} ${c.name}`), ['changed mine.txt']);
  assert.deepEqual(r2.settled, ['mine.txt']);
  // We replaced a file by a folder: the deletion and the creation are one echo.
  const r3 = reconcile(listingOf([file('x', 1)]), listingOf([dir('x')]), new Map([['x', { kind: 'written', seq: 1 } as OwnWrite]]), 2, true);
  assert.deepEqual(r3.report, []);
});

test('backoff: the interval for the first idle listings, then doubling up to a minute; a longer setting stays as set', () => {
  const delays = Array.from({ length: 12 }, (_, i) => pollDelaySeconds(5, i));
  assert.deepEqual(delays, [5, 5, 5, 5, 5, 5, 10, 20, 40, 60, 60, 60]);
  assert.equal(pollDelaySeconds(1, 0), 1);
  assert.equal(pollDelaySeconds(1, 100), 60);
  assert.equal(pollDelaySeconds(120, 50), 120, 'a setting above the cap is never shortened');
  assert.equal(pollDelaySeconds(Number.NaN, 0), 5, 'a broken setting falls back to the default');
  assert.equal(pollDelaySeconds(0, 0), 5);
});
