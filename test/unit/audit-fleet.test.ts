/**
 * Fleet audit (issue 16): auditFleet's orchestration (bounded, order kept, a failure is an entry),
 * compareWithBaseline (new, worse, same, better, removed; fleet and single-server baselines; a damaged
 * baseline is one sentence), the combined renderers (hostile server text escaped in every format;
 * SARIF: one valid run per server), and docs/audit-grades.md agreeing with rules/grades.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { auditFleet, compareWithBaseline, fleetOf, notAuditedSinceBaseline, MAX_FLEET_CONCURRENCY, type FleetReport } from '../../src/core/audit/fleet';
import { renderFleetText } from '../../src/core/audit/report/fleetText';
import { renderFleetJson, renderFleetSarif } from '../../src/core/audit/report/fleetJson';
import { renderFleetMarkdown } from '../../src/core/audit/report/fleetMarkdown';
import { fleetHtmlCsp, renderFleetHtml } from '../../src/core/audit/report/fleetHtml';
import { renderJson } from '../../src/core/audit/report/json';
import { GRADES, MANY_HIGH, RULE_CAPS, SEVERITY_CAP } from '../../src/core/audit/rules/grades';
import { RULES } from '../../src/core/audit/rules/ruleTable';
import { SecureTransferError, UsageError } from '../../src/core/errors';
import { hasTerminalControls } from '../../src/core/displayText';
import type { AuditReport, Finding, Severity } from '../../src/core/audit/types';
import { parseParallel, readBaseline } from '../../src/cli/commands/audit';

const ROOT = path.join(__dirname, '..', '..', '..');
const HOSTILE = 'Evil<script>alert(1)</script><img src=x onerror="alert(2)">|**x**\u001b[31m\u202e';

function finding(id: string, severity: Severity, subject?: string, evidence = 'seen'): Finding {
  return { id, severity, title: RULES.find((r) => r.id === id)?.title ?? id, evidence, ...(subject !== undefined ? { subject } : {}), why: 'why', remediation: 'fix `it`', references: ['https://example.org/ref'] };
}

function report(server: string, findings: Finding[], grade: AuditReport['grade'] = 'C'): AuditReport {
  const [protocol, rest] = server.split('://');
  const [host, port] = rest.split(':');
  return { server, target: { protocol: protocol as 'sftp', host, port: Number(port) }, probedAt: '2026-12-03T10:00:00.000Z', durationMs: 100, findings, facts: {}, grade };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

test('auditFleet: at most N at once, one entry per item in the items order, a failure is an entry and never stops the others', async () => {
  const items = Array.from({ length: 9 }, (_, i) => ({ name: `p${i}`, server: `sftp://h${i}:22` }));
  let active = 0;
  let peak = 0;
  const started: string[] = [];
  const out = await auditFleet(
    items,
    async (item) => {
      started.push(item.name);
      active++;
      peak = Math.max(peak, active);
      // Later items finish first: the entries must still come in the items' order.
      for (let k = 0; k < 10 - Number(item.name.slice(1)); k++) await tick();
      active--;
      if (item.name === 'p3') throw new SecureTransferError('Could not audit sftp://h3:22: connection refused.', 'failure', 'audit-unreachable');
      if (item.name === 'p5') throw new Error('boom \u001b[2J');
      return report(item.server, []);
    },
    { concurrency: 3 },
  );
  assert.equal(peak, 3, 'exactly the bound, not more (and the bound was used)');
  assert.equal(started.length, 9);
  assert.deepEqual(out.entries.map((e) => e.name), items.map((i) => i.name));
  assert.equal(out.kind, 'secure-transfer-fleet-audit');
  assert.equal(out.entries[3].error, 'Could not audit sftp://h3:22: connection refused.');
  assert.equal(out.entries[3].errorCode, 'audit-unreachable');
  assert.equal(out.entries[3].server, 'sftp://h3:22');
  assert.ok(out.entries[5].error && !hasTerminalControls(out.entries[5].error), 'a plain Error is described, escaped');
  assert.equal(out.entries.filter((e) => e.report).length, 7);
});

test('auditFleet: the bound is clamped (0 → 1, huge → the maximum), and no items is an empty report', async () => {
  for (const [asked, expected] of [[0, 1], [1, 1], [1000, MAX_FLEET_CONCURRENCY]] as const) {
    let active = 0;
    let peak = 0;
    const items = Array.from({ length: MAX_FLEET_CONCURRENCY + 5 }, (_, i) => ({ name: `p${i}`, server: `sftp://h${i}:22` }));
    await auditFleet(items, async (item) => {
      active++;
      peak = Math.max(peak, active);
      await tick();
      active--;
      return report(item.server, []);
    }, { concurrency: asked });
    assert.equal(peak, expected, `concurrency ${asked}`);
  }
  assert.deepEqual((await auditFleet([], () => Promise.reject(new Error('never')))).entries, []);
});

function fleet(entries: FleetReport['entries']): FleetReport {
  return { kind: 'secure-transfer-fleet-audit', version: 1, generatedAt: '2026-12-03T10:00:00.000Z', durationMs: 5, entries };
}

test('compareWithBaseline: new and worse findings count; same, better and removed do not; keyed by (server, rule, subject)', () => {
  const before = fleet([
    { name: 'a', server: 'sftp://a:22', report: report('sftp://a:22', [finding('ssh-weak-mac', 'medium', 'hmac-sha1'), finding('ssh-weak-cipher', 'high', 'aes128-cbc'), finding('ssh-password-auth', 'high'), finding('ssh-weak-kex', 'medium', 'dh-group1')], 'D') },
    { name: 'gone', server: 'sftp://gone:22', report: report('sftp://gone:22', [finding('ssh-password-auth', 'high')]) },
  ]);
  const now = fleet([
    {
      name: 'a-renamed',
      server: 'sftp://a:22',
      report: report('SFTP://A:22', [
        finding('ssh-weak-mac', 'medium', 'hmac-sha1', 'different evidence'), // same
        finding('ssh-weak-mac', 'medium', 'hmac-md5'), // new subject
        finding('ssh-weak-cipher', 'medium', 'aes128-cbc'), // better
        finding('ssh-password-auth', 'critical'), // worse
        finding('ssh-terrapin', 'low'), // new rule
      ]),
    },
    { name: 'b', server: 'sftp://b:22', report: report('sftp://b:22', [finding('ssh-password-auth', 'high')]) }, // new server
    { name: 'down', server: 'sftp://down:22', error: 'Could not audit it.' },
  ]);
  const changes = compareWithBaseline(now, JSON.parse(renderFleetJson(before)));
  const seen = changes.map((c) => [c.server.toLowerCase(), c.finding.id, c.finding.subject ?? null, c.before ?? null]);
  assert.deepEqual(seen, [
    ['sftp://a:22', 'ssh-password-auth', null, 'high'],
    ['sftp://b:22', 'ssh-password-auth', null, null],
    ['sftp://a:22', 'ssh-weak-mac', 'hmac-md5', null],
    ['sftp://a:22', 'ssh-terrapin', null, null],
  ]);
  assert.equal(changes[0].name, 'a-renamed');
  assert.equal(changes[0].gradeBefore, 'D');
  // Nothing changed: nothing to report.
  assert.deepEqual(compareWithBaseline(before, JSON.parse(renderFleetJson(before))), []);
});

test('compareWithBaseline: a single-server JSON report is a baseline too; two profiles of one server say a finding once', () => {
  const single = report('ftpes://f:21', [finding('ftp-anonymous-login', 'high')]);
  const now = fleet([
    { name: 'one', server: 'ftpes://f:21', report: report('ftpes://f:21', [finding('ftp-anonymous-login', 'high'), finding('ftp-ccc-offered', 'low')]) },
    { name: 'two', server: 'ftpes://f:21', report: report('ftpes://f:21', [finding('ftp-anonymous-login', 'high'), finding('ftp-ccc-offered', 'low')]) },
  ]);
  const changes = compareWithBaseline(now, JSON.parse(renderJson(single)));
  assert.deepEqual(changes.map((c) => [c.name, c.finding.id]), [['one', 'ftp-ccc-offered']]);
  // fleetOf: a single report as a fleet of one.
  assert.deepEqual(compareWithBaseline(fleetOf('x', single), JSON.parse(renderJson(single))), []);
});

test('with a baseline, a server not audited counts only when the baseline did audit it (or did not have it)', () => {
  const before = fleet([
    { name: 'up', server: 'sftp://up:22', report: report('sftp://up:22', []) },
    { name: 'down', server: 'sftp://down:22', error: 'Could not audit it.' },
  ]);
  const now = fleet([
    { name: 'up', server: 'sftp://up:22', error: 'Could not audit it.' },
    { name: 'down', server: 'SFTP://DOWN:22', error: 'Could not audit it.' },
    { name: 'new', server: 'sftp://new:22', error: 'Could not audit it.' },
  ]);
  assert.deepEqual(notAuditedSinceBaseline(now, JSON.parse(renderFleetJson(before))).map((e) => e.name), ['up', 'new']);
  assert.deepEqual(notAuditedSinceBaseline(now, JSON.parse(renderJson(report('sftp://up:22', [])))).map((e) => e.name), ['up', 'down', 'new']);
});

test('a damaged baseline is one sentence (usage, exit 2) saying what is wrong', async () => {
  const bad: Array<[unknown, RegExp]> = [
    [42, /neither a fleet report nor a single-server report/],
    [{ kind: 'secure-transfer-fleet-audit' }, /no "entries" list/],
    [{ kind: 'secure-transfer-fleet-audit', entries: [{ name: 'a', report: { server: 'sftp://a:22', findings: [{ id: 'x', severity: 'severe' }] } }] }, /finding 1 of entry 1's report has no valid "severity"/],
    [{ server: 'sftp://a:22', findings: [{ severity: 'high' }] }, /finding 1 of the report has no rule "id"/],
    [{ findings: [] }, /has no "server"/],
  ];
  for (const [value, says] of bad) {
    assert.throws(() => compareWithBaseline(fleet([]), value), (err: unknown) => err instanceof UsageError && err.code === 'bad-baseline' && says.test(err.message));
  }
  const dir = path.join(ROOT, 'test', 'fixtures');
  await assert.rejects(readBaseline(path.join(dir, 'no-such-baseline.json')), /^UsageError: The baseline .*no-such-baseline\.json cannot be read \(ENOENT\): give the JSON report/);
  await assert.rejects(readBaseline(path.join(ROOT, 'README.md')), /The baseline .*README\.md is not JSON \(damaged or cut short\?\)/);
  await assert.rejects(readBaseline(path.join(ROOT, 'package.json')), /The baseline .*package\.json is not an audit report: it is neither/);
});

test('--parallel takes 1 to the maximum', () => {
  assert.equal(parseParallel(undefined), 4);
  assert.equal(parseParallel('8'), 8);
  for (const bad of ['0', '-1', '2.5', 'lots', String(MAX_FLEET_CONCURRENCY + 1)]) assert.throws(() => parseParallel(bad), /--parallel takes a number of servers from 1 to/);
});

function hostileFleet(): FleetReport {
  const f = { ...finding('ssh-weak-mac', 'medium', HOSTILE, `banner ${HOSTILE}`), title: 'Weak MAC offered' };
  const r = { ...report('sftp://h:22', [f, finding('ssh-password-auth', 'high')]), product: { id: 'openssh' as const, name: `OpenSSH ${HOSTILE}`, evidence: HOSTILE } };
  return fleet([
    { name: `prof ${HOSTILE}`, server: 'sftp://h:22', report: r },
    { name: `down ${HOSTILE}`, server: 'sftp://down:22', error: `Could not audit: ${HOSTILE}`, errorCode: 'audit-unreachable' },
  ]);
}

test('every fleet format escapes the server text and the profile names (a hostile banner, name, subject, error)', () => {
  const r = hostileFleet();
  const changes = compareWithBaseline(r, fleet([]));
  for (const [format, out] of [
    ['text', renderFleetText(r, changes)],
    ['markdown', renderFleetMarkdown(r, changes)],
    ['html', renderFleetHtml(r, changes)],
    ['json', renderFleetJson(r, changes)],
    ['sarif', renderFleetSarif(r, changes)],
  ] as const) {
    assert.ok(!hasTerminalControls(out.replace(/\n/g, '')), `${format}: no terminal controls or bidi overrides`);
    // (JSON keeps server text as data; a terminal does not read tags.)
    if (format === 'json' || format === 'sarif' || format === 'text') continue;
    assert.ok(!/<script/i.test(out), `${format}: no script element`);
    assert.ok(!/<img/i.test(out), `${format}: no img element`);
  }
  const md = renderFleetMarkdown(r, changes);
  const row = md.split('\n').find((l) => l.startsWith('| prof'))!;
  assert.equal(row.split(/(?<!\\)\|/).length, 7, 'a | in a name does not add a table column');
  // JSON keeps the text as data.
  const json = JSON.parse(renderFleetJson(r, changes)) as { entries: Array<{ name: string; error?: string }>; baseline: { changes: unknown[] } };
  assert.equal(json.entries[0].name, `prof ${HOSTILE}`);
  assert.equal(json.baseline.changes.length, 2);
  const text = renderFleetText(r, changes);
  assert.ok(text.indexOf('NEW OR WORSE SINCE THE BASELINE (2)') < text.indexOf('NAME  '), 'the new findings come first');
});

test('the HTML is standalone: strict CSP (the one <style> by hash, no script at all), no external resource', () => {
  const html = renderFleetHtml(hostileFleet());
  // (The attribute's quotes are entities, as a browser reads them.)
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
  assert.equal(csp, fleetHtmlCsp());
  assert.match(csp!, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'none'/);
  assert.ok(!/script-src|unsafe-inline/.test(csp!));
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  assert.equal(styles.length, 1);
  assert.equal(`'sha256-${createHash('sha256').update(styles[0]).digest('base64')}'`, /style-src ('[^']+')/.exec(csp!)![1], 'the hash is the style\'s');
  assert.ok(!/<(script|link|img|iframe)\b|<[^>]*\s(src|style)=/i.test(html), 'no script, stylesheet link, src or inline style attribute');
});

test('SARIF: one valid run per server (a server not audited is a failed invocation), distinct automation ids, baselineState per result', () => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'audit', 'sarif-2.1.0-subset.schema.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  const validate = ajv.compile(schema);
  const base = hostileFleet();
  const r = fleet([...base.entries, { ...base.entries[0], name: 'prof <script>alert(1)</script>|**x**\u001b[31m\u202e' }]);
  const before = fleet([{ name: 'x', server: 'sftp://h:22', report: report('sftp://h:22', [finding('ssh-password-auth', 'medium')]) }]);
  type Run = { automationDetails: { id: string }; tool: { driver: { rules: Array<{ id: string }> } }; invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications?: Array<{ message: { text: string } }> }>; results: Array<{ ruleId: string; ruleIndex: number; baselineState?: string }> };
  const sarif = JSON.parse(renderFleetSarif(r, compareWithBaseline(r, before))) as { runs: Run[] };
  assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
  assert.equal(sarif.runs.length, 3, 'one run per entry');
  assert.equal(new Set(sarif.runs.map((run) => run.automationDetails.id)).size, 3, 'distinct automation ids');
  const [ok, down] = sarif.runs;
  for (const res of ok.results) assert.equal(ok.tool.driver.rules[res.ruleIndex].id, res.ruleId);
  assert.deepEqual(ok.results.map((x) => x.baselineState), ['new', 'updated']);
  assert.equal(down.invocations[0].executionSuccessful, false);
  assert.equal(down.results.length, 0);
  assert.match(down.invocations[0].toolExecutionNotifications![0].message.text, /Could not audit/);
  // Without a baseline there is no baselineState.
  assert.ok((JSON.parse(renderFleetSarif(r)) as { runs: Run[] }).runs[0].results.every((x) => x.baselineState === undefined));
});

test('docs/audit-grades.md and rules/grades.ts agree: every cap, every rule cap with its reason, the many-high rule', () => {
  const doc = readFileSync(path.join(ROOT, 'docs', 'audit-grades.md'), 'utf8');
  const table = /<!-- severity caps -->([\s\S]*?)<!-- \/severity caps -->/.exec(doc)?.[1];
  assert.ok(table, 'the doc marks its severity-cap table');
  const rows = new Map([...table.matchAll(/^\|\s*(critical|high|medium|low|info)\s*\|\s*([A-F])\s*\|/gm)].map((m) => [m[1], m[2]]));
  assert.deepEqual(Object.fromEntries(rows), { ...SEVERITY_CAP }, 'the severity → cap table');
  const ruleTable = /<!-- rule caps -->([\s\S]*?)<!-- \/rule caps -->/.exec(doc)?.[1];
  assert.ok(ruleTable, 'the doc marks its rule-cap table');
  const ruleRows = new Map([...ruleTable.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*([A-F])\s*\|/gm)].map((m) => [m[1], m[2]]));
  assert.deepEqual(Object.fromEntries(ruleRows), Object.fromEntries(Object.entries(RULE_CAPS).map(([id, c]) => [id, c.cap])), 'every RULE_CAPS id with its cap, and no other');
  for (const id of Object.keys(RULE_CAPS)) assert.ok(RULES.some((r) => r.id === id), `${id} is a rule`);
  assert.match(doc, new RegExp(`<!-- many-high -->${MANY_HIGH}<!-- /many-high -->`), 'the many-high count');
  assert.match(doc, new RegExp(GRADES.join('.*'), 's'));
});

test('profileAuditRoute: an ssh-config alias is probed at its HostName/Port, through the environment\'s proxy; behind a jump host the target is refused in one sentence and the first hop is offered', async () => {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const { TrustStore } = await import('../../src/core/trust/trustStore');
  const { auditProfile, firstHopRoute, profileAuditRoute, TargetBehindJumpHost } = await import('../../src/core/auditProfile');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'st-auditprofile-'));
  const sshConfig = path.join(dir, 'config');
  await writeFile(sshConfig, 'Host box\n  HostName 192.0.2.7\n  Port 2200\n  User deploy\n');
  const ctx = { trustStore: TrustStore.inDir(dir), sshConfig: { file: sshConfig, home: dir }, env: { ALL_PROXY: 'socks5://127.0.0.1:1080', NO_PROXY: 'internal.example' }, knownHostsFiles: [] };
  const route = await profileAuditRoute({ name: 'box', protocol: 'sftp', host: 'box', port: 22, username: '', defaulted: { port: true } }, ctx);
  assert.equal(route.server, 'sftp://192.0.2.7:2200');
  assert.equal(route.target.username, 'deploy');
  assert.equal(route.proxy, 'socks5://127.0.0.1:1080');
  const direct = await profileAuditRoute({ name: 'i', protocol: 'ftpes', host: 'internal.example', port: 21, username: 'u' }, ctx);
  assert.equal(direct.proxy, undefined, 'NO_PROXY honoured');
  assert.equal(direct.server, 'ftpes://internal.example:21');

  const behind = { name: 'app', protocol: 'sftp' as const, host: '10.0.0.5', port: 22, username: 'u', jump: ['admin@bastion.example:2222'], fingerprints: ['SHA256:' + 'A'.repeat(43)] };
  await assert.rejects(auditProfile(behind, ctx), (err: unknown) => {
    assert.ok(err instanceof TargetBehindJumpHost);
    assert.equal(err.code, 'audit-behind-jump-host');
    assert.equal(
      err.message,
      'sftp://10.0.0.5:22 was not probed: it is reached through jump host 1 of 1 (bastion.example:2222), and probing it there would need a login to the jump host, which an audit never does; audit the jump host itself (secure-transfer audit sftp://bastion.example:2222) or run the audit from a machine that reaches 10.0.0.5:22 directly.',
    );
    return true;
  });
  const hop = firstHopRoute(await profileAuditRoute(behind, ctx), ctx)!;
  assert.equal(hop.server, 'sftp://bastion.example:2222');
  assert.equal(hop.target.username, 'admin');
  assert.equal(hop.hops.length, 0);
  assert.equal(hop.proxy, 'socks5://127.0.0.1:1080', 'the first hop goes through the proxy, as connect() sends it');
  assert.deepEqual(await hop.known(), [], "the target's pins are not the bastion's");
  assert.equal(firstHopRoute(route, ctx), undefined);
});
