import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SyncPlan, SyncRow } from '../../src/core/sync/types';
import { countsText, groupRows, nothingToDoText, pairShort, pairText, planMessage, resultText, riskQuestion, rowLabel, rowTooltip, tickedByDefault } from '../../src/extension/syncPlanText';
import { BurstCollector, burstDecision, type BurstCause } from '../../src/extension/uploadBurst';
import { hasTerminalControls } from '../../src/core/displayText';

const row = (rel: string, action: SyncRow['action'], extra: Partial<SyncRow> = {}): SyncRow => ({ rel, action, type: 'file', reason: `${action} reason`, ...extra });

const plan = (rows: SyncRow[], extra: Partial<SyncPlan> = {}): SyncPlan => ({
  direction: 'upload', localRoot: '/ws/site', remoteRoot: '/var/www', compare: 'size-mtime', delete: false, force: false, firstSync: false, rows, unchanged: 4, skipped: [], ...extra,
});

test('rows are grouped New, Changed, Deleted, Conflict (empty groups left out); only new and changed start ticked', () => {
  const rows = [row('c', 'conflict'), row('a', 'new'), row('d', 'deleted'), row('b', 'changed'), row('e', 'new')];
  assert.deepEqual(groupRows(rows).map((g) => [g.action, g.rows.map((r) => r.rel)]), [['new', ['a', 'e']], ['changed', ['b']], ['deleted', ['d']], ['conflict', ['c']]]);
  assert.deepEqual(groupRows([row('x', 'deleted')]).map((g) => g.action), ['deleted']);
  assert.deepEqual(rows.filter(tickedByDefault).map((r) => r.rel), ['a', 'b', 'e']);
  assert.equal(countsText(rows), '2 new, 1 changed, 1 deleted, 1 conflict');
  assert.equal(countsText([row('c', 'conflict'), row('d', 'conflict')]), '2 conflicts');
});

test('the plan line says the counts and how files were compared; the description the pair, short', () => {
  assert.equal(planMessage(plan([row('a', 'new')], { firstSync: true }), 'sync'), '1 new · compared by size and time, first sync.');
  assert.equal(planMessage(plan([row('a', 'new')], { compare: 'checksum' }), 'sync'), '1 new · compared by the server\'s checksums.');
  assert.match(planMessage(plan([row('a', 'changed')]), 'burst'), /upload on save: nothing is sent until Run Sync/);
  assert.equal(pairShort(plan([]), 'demo'), 'site → demo:www');
  assert.equal(pairShort(plan([], { direction: 'download', remoteRoot: '/' }), 'demo'), 'demo:/ → site');
  assert.equal(pairText(plan([], { direction: 'download' }), 'demo'), 'demo:/var/www → /ws/site');
  assert.equal(nothingToDoText(plan([]), 'demo'), 'Nothing to sync: /ws/site → demo:/var/www are in step (4 files are the same on both sides).');
});

test('server names are escaped in labels, tooltips and questions', () => {
  const hostile = row('evil\u001b[2J\u202e.txt', 'deleted', { reason: 'only on the server\r\nFAKE', destination: { size: 3, mtime: 0 } });
  for (const text of [rowLabel(hostile), rowTooltip(hostile, 'upload'), riskQuestion([hostile], new Set([hostile.rel]), 'upload', 'demo')!.detail]) {
    assert.ok(!hasTerminalControls(text.replace(/\n/g, ' ')), text);
    assert.ok(!text.includes('\u202e'), text);
  }
  assert.equal(rowTooltip(hostile, 'upload').split('\n').length, 4, 'a reason cannot add lines');
});

test('a run that deletes or overwrites a conflict asks first, naming the counts; new and changed never ask', () => {
  const rows = [row('a', 'new'), row('b', 'changed'), row('d1', 'deleted'), row('d2', 'deleted'), row('c', 'conflict')];
  assert.equal(riskQuestion(rows, new Set(['a', 'b']), 'upload', 'demo'), undefined);
  assert.equal(riskQuestion(rows, new Set(['a', 'd1', 'd2', 'c']), 'upload', 'demo')?.message, 'Run the sync? It will delete 2 items on demo and overwrite 1 file changed on demo since the last sync.');
  assert.equal(riskQuestion(rows, new Set(['d1']), 'download', 'demo')?.message, 'Run the sync? It will delete 1 item on this computer.');
});

test('the result is one sentence: transferred, deleted, conflicts left, changed since the plan, unticked', () => {
  assert.equal(resultText({ transferred: 3, deleted: 0, conflicts: [], changedSincePlan: [] }, 'site → demo:/w', 0), 'Synced site → demo:/w: 3 files transferred.');
  assert.equal(
    resultText({ transferred: 1, deleted: 2, conflicts: ['x'], changedSincePlan: ['a\nb', 'c', 'd', 'e'] }, 'p', 1),
    'Synced p: 1 file transferred, 2 deleted, 1 conflict left alone, 4 changed since the plan and left alone (a\\x0ab, c, d, …), 1 unticked row left alone.',
  );
});

test('a burst collects saves and file events per profile until it is quiet; a save wins over an event', async () => {
  const bursts: [string, Map<string, BurstCause>][] = [];
  const c = new BurstCollector((k, f) => bursts.push([k, f]), { quietMs: 30, maxWaitMs: 1000 });
  c.add('p', '/a', 'changed');
  c.add('p', '/a', 'save');
  c.add('p', '/b', 'created');
  c.add('p', '/b', 'changed');
  c.add('q', '/a', 'save');
  assert.equal(bursts.length, 0);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(bursts.map(([k, f]) => [k, [...f]]), [['p', [['/a', 'save'], ['/b', 'created']]], ['q', [['/a', 'save']]]]);
  c.dispose();
});

test('a burst that never goes quiet is flushed after the longest wait', async () => {
  const bursts: number[] = [];
  const c = new BurstCollector((_k, f) => bursts.push(f.size), { quietMs: 1000, maxWaitMs: 100 });
  const started = Date.now();
  for (let i = 0; Date.now() - started < 200; i++) {
    c.add('p', `/f${i}`, 'created');
    await new Promise((r) => setTimeout(r, 10));
  }
  c.dispose();
  assert.ok(bursts.length >= 1, 'flushed while events kept coming (never quiet for 1 s)');
});

test('events on files our own downloads just wrote are no burst; saves always count', () => {
  let now = 1000;
  const bursts: Map<string, BurstCause>[] = [];
  const c = new BurstCollector((_k, f) => bursts.push(f), { quietMs: 10, now: () => now });
  c.ownWrite('/dl');
  assert.equal(c.add('p', '/dl', 'changed'), false);
  assert.equal(c.add('p', '/dl', 'save'), true);
  c.flush('p');
  assert.deepEqual([...bursts[0]], [['/dl', 'save']]);
  now += 10_000;
  assert.equal(c.add('p', '/dl', 'changed'), true, 'later changes are the user\'s again');
  c.dispose();
});

test('above the threshold a burst is a plan; at or below, saves upload and files written by other programs are not sent', () => {
  const files = new Map<string, BurstCause>([['/a', 'save'], ['/b', 'created'], ['/c', 'changed']]);
  assert.deepEqual(burstDecision(files, 2), { kind: 'plan' });
  assert.deepEqual(burstDecision(files, 3), { kind: 'upload', saves: ['/a'], notSent: ['/b', '/c'] });
});
