/**
 * The Security Report's rows: one per rule within a severity, naming the algorithms (never the same
 * title four times), the rule table's inline code rendered as code, "checked 3 min ago" with the full
 * local time on hover; the Markdown export grouped the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReportHtml } from '../../src/core/audit/report/html';
import { renderMarkdown } from '../../src/core/audit/report/markdown';
import { groupFindings, relativeTime } from '../../src/core/audit/report/groups';
import { evaluate } from '../../src/core/audit/rules/evaluate';
import type { AuditFacts, AuditReport, AuditTarget } from '../../src/core/audit/types';

const RES = { cspSource: 'https://x', nonce: 'aBcDeFgHiJkLmNoPqRsTuV12', scriptUri: 'https://x/audit.js', styleUri: 'https://x/audit.css' };
const both = (l: string[]) => ({ clientToServer: l, serverToClient: l });

function weakMacReport(probedAt = '2026-12-03T10:00:00.000Z', hostileMac = 'hmac-md5'): AuditReport {
  const target: AuditTarget = { protocol: 'sftp', host: '127.0.0.1', port: 2222 };
  const facts: AuditFacts = {
    ssh: {
      banner: 'SSH-2.0-Test', preBannerLines: [], protocolVersion: '2.0', software: 'Test', supportsSsh1: false, strictKex: true,
      hostKeys: [], uninspectedHostKeyAlgorithms: [], authMethods: ['publickey'], notes: [],
      kexinit: {
        cookie: '00', kex: ['curve25519-sha256', 'sntrup761x25519-sha512@openssh.com'], serverHostKey: ['ssh-ed25519'],
        ciphers: both(['aes128-ctr']), macs: both(['hmac-sha2-256-etm@openssh.com', 'hmac-sha1', 'hmac-sha1-etm@openssh.com', hostileMac, 'hmac-sha2-256']),
        compression: both(['none']), languages: both([]), firstKexPacketFollows: false,
      },
    },
  };
  return { server: 'sftp://127.0.0.1:2222', target, probedAt, durationMs: 100, findings: evaluate({ target, facts, known: [], now: Date.parse(probedAt) }), facts };
}

test('findings are grouped by rule within each severity, each group naming its subjects', () => {
  const report = weakMacReport();
  const sections = groupFindings(report.findings);
  const medium = sections.find((s) => s.severity === 'medium')!;
  const mac = medium.groups.find((g) => g.id === 'ssh-weak-mac')!;
  assert.deepEqual(mac.subjects, ['hmac-sha1', 'hmac-sha1-etm@openssh.com', 'hmac-md5']);
  assert.equal(mac.findings.length, 3);
  assert.equal(medium.count, medium.groups.reduce((n, g) => n + g.findings.length, 0));
  for (const s of sections) assert.equal(new Set(s.groups.map((g) => g.id)).size, s.groups.length, `one row per rule in ${s.severity}`);
});

test('the panel shows one row per rule with the algorithms in it, and rule text code as <code>', () => {
  const html = renderReportHtml(weakMacReport(), { ...RES, now: Date.parse('2026-12-03T10:03:10.000Z'), locale: 'en-GB' });
  const summaries = [...html.matchAll(/<summary>([\s\S]*?)<\/summary>/g)].map((m) => m[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());
  assert.ok(summaries.includes('Weak MAC offered: hmac-sha1, hmac-sha1-etm@openssh.com, hmac-md5 3 ssh-weak-mac'), summaries.join('\n'));
  assert.ok(summaries.includes('Weak MAC offered: hmac-sha2-256 ssh-weak-mac'), 'a single finding has no count');
  assert.equal(summaries.filter((t) => t.startsWith('Weak MAC offered')).length, 2, 'one medium row and one low row, never ×4');
  assert.ok(html.includes('<code>MACs -name</code>'), 'inline code of the rule table is rendered');
  assert.ok(!/`MACs -name`/.test(html), 'no raw backticks');
  assert.match(html, /Checked <time class="checked" datetime="2026-12-03T10:00:00.000Z" title="[^"]*2026[^"]*">3 min ago<\/time>/);
});

test('a hostile algorithm name is escaped in the row, and the Markdown export names the algorithms too', () => {
  const report = weakMacReport(undefined, 'hmac-<img src=x onerror=alert(1)>');
  const html = renderReportHtml(report, RES);
  assert.ok(!/<img/i.test(html));
  assert.ok(html.includes('<span class="subjects">: hmac-&lt;img src=x onerror=alert(1)&gt;</span>'), 'named, escaped');
  const md = renderMarkdown(weakMacReport());
  assert.match(md, /^### Weak MAC offered: hmac-sha1, hmac-sha1-etm@openssh\.com, hmac-md5 `ssh-weak-mac`$/m);
  assert.match(md, /^ {2}- MAC hmac-sha1 offered/m);
});

test('relative time', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');
  assert.equal(relativeTime(now - 20_000, now), 'just now');
  assert.equal(relativeTime(now - 3 * 60_000, now), '3 min ago');
  assert.equal(relativeTime(now - 2 * 3600_000, now), '2 h ago');
  assert.equal(relativeTime(now - 30 * 3600_000, now), 'yesterday');
  assert.equal(relativeTime(now - 5 * 86400_000, now), '5 days ago');
  assert.equal(relativeTime(now + 60_000, now), 'just now', 'a clock ahead of ours');
});
