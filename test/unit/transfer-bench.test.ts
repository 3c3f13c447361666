import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownTable, ratio, summarize, values, verdict, type Scenario } from '../../bench/stats';

test('summarize gives the median (odd and even counts) and the range', () => {
  assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(summarize([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.throws(() => summarize([]));
});

test('values convert seconds into MB/s, files/s and ms', () => {
  assert.deepEqual(values({ tool: 'x', seconds: [2], work: 100e6 }, 'MB/s'), [50]);
  assert.deepEqual(values({ tool: 'x', seconds: [0.5], work: 2000 }, 'files/s'), [4000]);
  assert.deepEqual(values({ tool: 'x', seconds: [0.25], work: 0 }, 'ms'), [250]);
});

test('ratios are throughput ratios: higher is better, also for times', () => {
  const fast = { tool: 'ours', seconds: [1, 1, 1], work: 1e6 };
  const slow = { tool: 'theirs', seconds: [2, 2, 2], work: 1e6 };
  assert.equal(ratio(fast, slow, 'MB/s'), 2);
  assert.equal(ratio(fast, slow, 'ms'), 2);
  assert.equal(ratio(slow, fast, 'ms'), 0.5);
});

test('the table marks our row, shows min–max and says whether the target was met', () => {
  const s: Scenario = {
    title: 'SFTP download 256 MiB',
    unit: 'MB/s',
    baseline: 'sftp',
    ours: 'secure-transfer',
    target: 1.3,
    rows: [
      { tool: 'sftp', seconds: [1, 1.1, 0.9], work: 200e6 },
      { tool: 'secure-transfer', seconds: [0.8, 0.8, 0.8], work: 200e6 },
    ],
  };
  const md = markdownTable(s);
  assert.match(md, /\| sftp \| 200 \| 182–222 \| 1\.00 \|/);
  assert.match(md, /\| \*\*secure-transfer\*\* \| 250 \| 250–250 \| 1\.25 \|/);
  assert.match(md, /Target ≥ 1\.30×: \*\*not met\*\* \(1\.25×\)/);
  assert.equal(verdict(s).met, false);
});
