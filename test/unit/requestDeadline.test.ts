import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestDeadlines } from '../../src/core/session/requestDeadline';

function tracker(timeoutMs: number) {
  const expired: string[] = [];
  const closed: Error[] = [];
  const d = new RequestDeadlines({ timeoutMs, error: (what) => new Error(`no answer to ${what}`), onExpired: (e) => closed.push(e) });
  const track = (what: string, composite = false) => d.track(what, (e) => expired.push(`${what}: ${e.message}`), composite);
  return { d, expired, closed, track };
}

test('only the oldest unanswered request is on the clock; a later one starts when it becomes the oldest', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { expired, closed, track } = tracker(1000);
  const a = track('READ a');
  t.mock.timers.tick(900);
  const b = track('READ b');
  t.mock.timers.tick(50);
  a.done(); // b becomes the oldest now: its clock starts here, not when it was sent
  t.mock.timers.tick(990);
  assert.deepEqual(expired, []);
  t.mock.timers.tick(10);
  assert.deepEqual(expired, ['READ b: no answer to READ b']);
  assert.equal(closed.length, 1);
  b.done(); // harmless after expiry
});

test('after one expiry every new request fails at once with the same error', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { expired, track } = tracker(10);
  track('STAT x');
  t.mock.timers.tick(10);
  track('STAT y');
  await Promise.resolve();
  assert.deepEqual(expired, ['STAT x: no answer to STAT x', 'STAT y: no answer to STAT x']);
});

test('a composite request restarts its clock at every answer; a single request does not', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { d, expired, track } = tracker(100);
  const file = track('read f', true);
  for (let i = 0; i < 5; i++) {
    t.mock.timers.tick(90);
    d.touch();
  }
  assert.deepEqual(expired, []);
  file.done();
  track('STAT s');
  t.mock.timers.tick(90);
  d.touch();
  t.mock.timers.tick(10);
  assert.deepEqual(expired, ['STAT s: no answer to STAT s']);
});

test('a timeout of 0 tracks nothing', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { expired, track } = tracker(0);
  track('READ a');
  t.mock.timers.tick(1e9);
  assert.deepEqual(expired, []);
});
