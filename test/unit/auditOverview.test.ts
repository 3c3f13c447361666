/**
 * The Server Security overview (core/audit/report/overview.ts): a report's summary (grade, the finding
 * that sets the grade, product, counts), snapshots kept before grades existed, rows never checked,
 * the tree tooltip's line, and hostile profile names and product strings shown escaped, never markup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradeAndWorst, renderOverviewHtml, securityLine, summarizeReport, type OverviewRow } from '../../src/core/audit/report/overview';
import { gradeOf } from '../../src/core/audit/rules/grades';
import type { Finding, Severity } from '../../src/core/audit/types';

const RES = { cspSource: 'https://x', nonce: 'aBcDeFgHiJkLmNoPqRsTuV12', scriptUri: 'https://x/overview.js', styleUris: ['https://x/audit.css', 'https://x/overview.css'], generation: 7, now: Date.parse('2026-12-03T12:00:00.000Z'), locale: 'en-GB' };
const HOSTILE_NAME = 'prod<script>alert(1)</script><img src=x onerror="alert(2)">\u001b[31m\u202e';
const HOSTILE_PRODUCT = 'vsftpd</td><script>alert(3)</script>';

function finding(id: string, severity: Severity, title = `Title of ${id}`): Finding {
  return { id, severity, title, evidence: 'e', why: 'w', remediation: 'r', references: [] };
}

test('a report\'s summary: the grade, the finding that sets it (not merely the first high), counts and the product', () => {
  // version-possibly-affected is high but caps at A: the medium finding is what makes the grade C.
  const findings = [finding('version-possibly-affected', 'high'), finding('ssh-weak-mac', 'medium', 'Weak MAC offered'), finding('ssh-weak-mac', 'medium', 'Weak MAC offered'), finding('banner-info', 'info')];
  const s = summarizeReport({ probedAt: '2026-12-03T10:00:00.000Z', findings, product: { id: 'openssh', name: 'OpenSSH', version: '9.2p1', evidence: 'x' } });
  assert.equal(s.grade, gradeOf(findings));
  assert.equal(s.grade, 'C');
  assert.deepEqual(s.worst, { id: 'ssh-weak-mac', title: 'Weak MAC offered', severity: 'medium' });
  assert.deepEqual(s.counts, { high: 1, medium: 2, info: 1 });
  assert.equal(s.product, 'OpenSSH 9.2p1');
  // The report's own grade wins when it has one.
  assert.equal(summarizeReport({ probedAt: 'x', findings, grade: 'E' }).grade, 'E');
  // No findings: grade A, no worst.
  const clean = summarizeReport({ probedAt: 'x', findings: [] });
  assert.equal(clean.grade, 'A');
  assert.equal(clean.worst, undefined);
});

test('the product is server text: control characters escaped and the length bounded when summarized', () => {
  const s = summarizeReport({ probedAt: 'x', findings: [], product: { id: 'vsftpd', name: 'vsftpd\u001b[2J' + 'A'.repeat(500), evidence: 'x' } });
  assert.ok(!s.product!.includes('\u001b'));
  assert.ok(s.product!.startsWith('vsftpd\\x1b[2J'));
  assert.ok([...s.product!].length <= 80);
});

test('a snapshot kept before grades existed: grade and worst from its finding map, marked old; nothing at all shows "—"', () => {
  const old = gradeAndWorst({ probedAt: '2026-01-01T00:00:00.000Z', findings: { 'ssh-weak-mac': 'medium', 'ssh-weak-kex': 'high' } });
  assert.equal(old.old, true);
  assert.equal(old.grade, 'D');
  assert.deepEqual(old.worst, { id: 'ssh-weak-kex', title: 'ssh-weak-kex', severity: 'high' });
  assert.deepEqual(gradeAndWorst({ probedAt: 'x' }), { old: true });
  // A state entry with a grade or severity no version wrote is not trusted into a class name.
  const forged = gradeAndWorst({ probedAt: 'x', grade: 'Z" onclick="x' as never, findings: { a: 'evil' as never } });
  assert.equal(forged.grade, 'A');
  assert.equal(forged.worst, undefined);
  const html = renderOverviewHtml([{ profile: 'p', server: 's', summary: { probedAt: 'x', grade: 'C', worst: { id: 'i', title: 't', severity: '"><b>x</b>' as never } } }], RES);
  assert.ok(!html.includes('<b>x</b>'));
});

test('rows: grade, worst finding, counts, when checked, per-row buttons; a profile never checked says so', () => {
  const rows: OverviewRow[] = [
    { profile: 'weak', server: 'sftp://127.0.0.1:2222', source: 'shared', summary: { probedAt: '2026-12-03T10:00:00.000Z', grade: 'E', worst: { id: 'ssh-weak-kex', title: 'Weak key exchange offered', severity: 'high' }, counts: { high: 3, medium: 1 }, product: 'OpenSSH 8.4', findings: {} } },
    { profile: 'never', server: 'ftp://127.0.0.1:21', source: 'user' },
    { profile: 'old', server: 'sftp://old:22', summary: { probedAt: '2026-12-01T12:00:00.000Z', findings: {} } },
    { profile: 'busy', server: 'sftp://busy:22', state: 'auditing' },
    { profile: 'broken', server: 'sftp://broken:22', failure: 'Could not reach broken:22 <b>(refused)</b>.' },
  ];
  const html = renderOverviewHtml(rows, RES);
  const tr = (i: number) => html.split('<tr data-row=')[i + 1];
  assert.match(tr(0), /<span class="grade grade-E"[^>]*>E<\/span>/);
  assert.match(tr(0), /Weak key exchange offered/);
  assert.match(tr(0), /3 high<\/span> · <span class="sev severity-medium">1 medium/);
  assert.match(tr(0), /OpenSSH 8\.4/);
  assert.match(tr(0), /<time class="checked" datetime="2026-12-03T10:00:00.000Z"[^>]*>2 h ago<\/time>/);
  assert.match(tr(0), /data-command="audit" data-row="0">Audit now/);
  assert.match(tr(0), /data-command="report" data-row="0">Open report/);
  assert.match(tr(1), /not checked yet/);
  assert.match(tr(1), /never/);
  assert.match(tr(1), /<span class="grade none"[^>]*>—<\/span>/);
  // An old snapshot with no findings: grade A from its (empty) map, marked as older.
  assert.match(tr(2), /grade-A" title="Grade A \(from an older audit/);
  assert.match(tr(2), /2 days ago/);
  assert.match(tr(3), /auditing…/);
  assert.match(tr(3), /data-command="audit" data-row="3" disabled/);
  assert.match(tr(4), /Audit failed: Could not reach broken:22 &lt;b&gt;\(refused\)&lt;\/b&gt;\./);
  assert.match(html, /5 profiles · 2 checked · worst: weak \(E\)/);
  assert.match(html, /<body data-generation="7">/);
  assert.match(html, /data-command="auditAll">Audit All/);
  assert.ok(!html.includes('data-command="cancel"'), 'Cancel only while Audit All runs');
  const running = renderOverviewHtml(rows, { ...RES, running: { done: 1, total: 4 } });
  assert.match(running, /data-command="auditAll" disabled/);
  assert.match(running, /data-command="cancel"/);
  assert.match(running, /Auditing: 1 of 4 done/);
  assert.match(renderOverviewHtml([], RES), /No profiles yet/);
});

test('hostile profile names, products and failure texts are shown escaped; the only script is ours, nonce\'d', () => {
  const html = renderOverviewHtml([{ profile: HOSTILE_NAME, server: 'sftp://h:22', source: 'shared · <i>x</i>', summary: { probedAt: '2026-12-03T10:00:00.000Z', grade: 'B', product: HOSTILE_PRODUCT, worst: { id: '<u>id</u>', title: '<u>t</u>', severity: 'low' } } }], RES);
  assert.ok(html.includes('prod&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;\\x1b[31m\\u{202e}'), 'the name, escaped');
  assert.ok(html.includes('vsftpd&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;'), 'the product, escaped');
  assert.ok(!html.includes('\u001b') && !html.includes('\u202e'), 'no raw control or bidi character');
  for (const bad of ['<img', '<u>', '<i>', '</td><script']) assert.ok(!html.includes(bad), bad);
  assert.deepEqual(html.match(/<script\b[^>]*>/g), [`<script nonce="${RES.nonce}" src="${RES.scriptUri}">`]);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
  assert.equal(csp, `default-src 'none'; style-src ${RES.cspSource}; script-src 'nonce-${RES.nonce}'; img-src ${RES.cspSource}; font-src ${RES.cspSource}`);
  // Server text never opens a tag: no tag of the page carries an event handler.
  assert.deepEqual((html.match(/<[^>]*>/g) ?? []).filter((t) => /\son[a-z]+=/i.test(t)), []);
  assert.throws(() => renderOverviewHtml([], { ...RES, nonce: 'short' }), /nonce/);
});

test('the tree tooltip\'s line: grade, worst finding and when checked; never checked says how to check', () => {
  const now = Date.parse('2026-12-03T12:00:00.000Z');
  assert.equal(
    securityLine({ probedAt: '2026-12-03T10:00:00.000Z', grade: 'C', worst: { id: 'ssh-weak-mac', title: 'Weak MAC offered', severity: 'medium' } }, now),
    'Security: grade C — Weak MAC offered (medium) (checked 2 h ago)',
  );
  assert.equal(securityLine({ probedAt: '2026-12-03T11:59:30.000Z', grade: 'A' }, now), 'Security: grade A — no findings (checked just now)');
  assert.equal(securityLine(undefined, now), 'Security: not checked yet — run "Show Server Security" to audit it');
  assert.match(securityLine({ probedAt: '2026-12-03T11:00:00.000Z', worst: { id: 'x', title: 'a\u001b[2Jb', severity: 'low' }, grade: 'B' }, now), /a\\x1b\[2Jb/);
  assert.equal(securityLine({ probedAt: 'x' }, now), 'Security: no grade (re-run the audit) — no findings (checked at an unknown time)');
});
