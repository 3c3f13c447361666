/**
 * boundedDial: a routed audit keeps at most N probe connections open at once (core/audit/auditServer.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, type Duplex } from 'node:stream';
import { boundedDial } from '../../src/core/audit/auditServer';

const tick = () => new Promise((r) => setImmediate(r));

test('at most `max` streams are open at once; closing one lets the next dial through', async () => {
  const opened: Duplex[] = [];
  const dial = boundedDial(async () => {
    const s = new PassThrough();
    opened.push(s);
    return s;
  }, 2);
  const pending = [dial('h', 1), dial('h', 2), dial('h', 3), dial('h', 4)];
  await tick();
  assert.equal(opened.length, 2, 'two dialled, two waiting');
  opened[0].destroy();
  await tick();
  assert.equal(opened.length, 3);
  opened[1].destroy();
  opened[2].destroy();
  await tick();
  assert.equal(opened.length, 4);
  assert.equal((await Promise.all(pending)).length, 4);
});

test('a dial that fails frees its slot and its error reaches the caller', async () => {
  let calls = 0;
  const dial = boundedDial(async () => {
    calls++;
    if (calls === 1) throw new Error('refused');
    return new PassThrough();
  }, 1);
  await assert.rejects(dial('h', 1), /refused/);
  const s = await dial('h', 1);
  assert.ok(s instanceof PassThrough);
});
