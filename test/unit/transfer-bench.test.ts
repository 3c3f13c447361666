import { test } from 'node:test';
import assert from 'node:assert/strict';
import { growthTable, markdownTable, parseGnuTime, peakRssMB, ratio, summarize, summaryLine, values, verdict, verdicts, type Scenario } from '../../bench/stats';
import { packageOf, place, profileMarkdown, summarizeProfile, type CpuProfile } from '../../bench/profile';

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

test('the table marks our row, shows min–max, peak RSS and whether the target was met', () => {
  const s: Scenario = {
    title: 'SFTP download 256 MiB',
    unit: 'MB/s',
    baseline: 'sftp',
    ours: 'secure-transfer',
    target: 1.3,
    rows: [
      { tool: 'sftp', seconds: [1, 1.1, 0.9], work: 200e6, rssKiB: [8000, 9000, 8500] },
      { tool: 'secure-transfer', seconds: [0.8, 0.8, 0.8], work: 200e6 },
    ],
  };
  const md = markdownTable(s);
  assert.match(md, /\| sftp \| 200 \| 182–222 \| 1\.00 \| 9 \|/);
  assert.match(md, /\| \*\*secure-transfer\*\* \| 250 \| 250–250 \| 1\.25 \| — \|/);
  assert.match(md, /secure-transfer vs sftp: 1\.25×, target ≥ 1\.30×: \*\*not met\*\*/);
  assert.equal(verdict(s).met, false);
});

test('extra comparisons (the extension against our CLI) and the ceiling beside a missed target', () => {
  const s: Scenario = {
    title: 'SFTP get',
    unit: 'MB/s',
    baseline: 'sftp',
    ours: 'cli',
    target: 1.3,
    ceiling: 'ssh cat',
    also: [{ tool: 'ext', versus: 'cli', target: 0.9 }, { tool: 'ext', versus: 'sftp' }, { tool: 'absent', versus: 'cli' }],
    rows: [
      { tool: 'sftp', seconds: [2], work: 1e6 },
      { tool: 'ssh cat', seconds: [1], work: 1e6 },
      { tool: 'cli', seconds: [2], work: 1e6 },
      { tool: 'ext', seconds: [4], work: 1e6 },
    ],
  };
  const vs = verdicts(s);
  assert.deepEqual(
    vs.map((v) => [v.versus, v.ratio, v.met]),
    [['cli vs sftp', 1, false], ['ext vs cli', 0.5, false], ['ext vs sftp', 0.5, undefined]],
    'a row that did not run is left out',
  );
  assert.deepEqual(vs[0].ceiling, { tool: 'ssh cat', ratio: 2 });
  assert.equal(vs[1].ceiling, undefined, 'the ceiling is against the reference only');
  assert.equal(summaryLine(vs[0]), '| SFTP get | cli vs sftp | 1.00× | ≥ 1.30× | **not met** | ssh cat: 2.00× |');
  assert.match(markdownTable(s), /cli vs sftp: 1\.00×, target ≥ 1\.30×: \*\*not met\*\* \(ceiling, ssh cat: 2\.00×\)/);
});

test("GNU time's output gives wall seconds and peak RSS, also after a failed command's line", () => {
  assert.deepEqual(parseGnuTime('1.52 123456\n'), { seconds: 1.52, maxRssKiB: 123456 });
  assert.deepEqual(parseGnuTime('Command exited with non-zero status 1\n0.03 4100\n'), { seconds: 0.03, maxRssKiB: 4100 });
  assert.equal(parseGnuTime(''), undefined);
  assert.equal(parseGnuTime('garbage'), undefined);
  assert.equal(peakRssMB({ tool: 'x', seconds: [1, 1], work: 1, rssKiB: [1000, 2000] }), 2.048);
  assert.equal(peakRssMB({ tool: 'x', seconds: [1], work: 1, rssKiB: [] }), undefined);
});

test('the growth table puts ours and the reference side by side: time, peak RSS, ratio, rounds', () => {
  const s: Scenario = {
    title: 'SFTP get, one 1 GiB file',
    unit: 'MB/s',
    baseline: 'sftp',
    ours: 'cli',
    rows: [
      { tool: 'sftp', seconds: [5, 5], work: 1 << 30, rssKiB: [9000, 9100] },
      { tool: 'cli', seconds: [5, 5], work: 1 << 30, rssKiB: [140000, 146000] },
    ],
  };
  const md = growthTable([s]);
  assert.match(md, /\| SFTP get, one 1 GiB file \| sftp \| 5\.00 s \| 150 \| 5\.00 s \| 9 \| 1\.00× \| 2 \|/);
});

test('a CPU profile is summed as self time per function and per package', () => {
  const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url } });
  const p: CpuProfile = {
    startTime: 0,
    endTime: 2_000_000,
    nodes: [
      frame(1, '(root)', ''),
      frame(2, 'decrypt', 'file:///x/node_modules/ssh2/lib/protocol/crypto.js'),
      frame(3, 'download', 'file:///work/dist/cli.js'),
      frame(4, 'writeSync', 'node:fs'),
      frame(5, '(garbage collector)', ''),
      frame(6, 'parse', '/tmp/driver/vendor/ssh2.js'),
      frame(7, 'decrypt', 'file:///x/node_modules/ssh2/lib/protocol/crypto.js'),
      frame(8, 'get', 'file:///x/node_modules/@napi-rs/keyring/index.js'),
    ],
    samples: [2, 2, 7, 3, 4, 5, 6, 8, 2, 3],
  };
  const s = summarizeProfile(p, 3);
  assert.equal(s.ms, 2000);
  assert.deepEqual(s.functions[0], { what: 'decrypt — ssh2/lib/protocol/crypto.js', share: 0.4 });
  assert.equal(s.functions.length, 3);
  assert.deepEqual(s.packages.slice(0, 2), [{ what: 'ssh2', share: 0.4 }, { what: 'secure-transfer (our code)', share: 0.2 }]);
  assert.equal(packageOf('/tmp/driver/vendor/ssh2.js', 'parse'), 'ssh2 (vendor bundle)');
  assert.equal(packageOf('file:///x/node_modules/@napi-rs/keyring/index.js', 'get'), '@napi-rs/keyring');
  assert.equal(packageOf('', '(idle)'), '(idle: waiting for I/O)');
  assert.equal(packageOf('node:internal/fs/utils', 'x'), 'Node.js (node:*)');
  assert.equal(place('file:///work/dist/cli.js'), 'cli.js');
  // Without samples, hit counts are used.
  const byHits = summarizeProfile({ startTime: 0, endTime: 1000, nodes: [{ id: 1, callFrame: { functionName: 'f', url: 'node:fs' }, hitCount: 3 }] });
  assert.deepEqual(byHits.packages, [{ what: 'Node.js (node:*)', share: 1 }]);
  assert.match(profileMarkdown('T | x', s), /^### T \| x\n[\s\S]*\| 40\.0% \| ssh2 \|/);
});
