import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { renderReportHtml, contentSecurityPolicy } from '../../src/core/audit/report/html';
import { renderSarif } from '../../src/core/audit/report/sarif';
import { renderText } from '../../src/core/audit/report/text';
import { renderMarkdown } from '../../src/core/audit/report/markdown';
import { renderJson } from '../../src/core/audit/report/json';
import { evaluate } from '../../src/core/audit/rules/evaluate';
import { RULES } from '../../src/core/audit/rules/ruleTable';
import type { AuditFacts, AuditReport, AuditTarget } from '../../src/core/audit/types';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'audit');
const HOSTILE_BANNER = 'SSH-2.0-Evil<script>alert(1)</script><img src=x onerror="alert(2)">\u001b[31m';
const HOSTILE_FEAT = '<img src=x onerror=alert(3)>';
const RES = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'aBcDeFgHiJkLmNoPqRsTuV12', scriptUri: 'https://x/media/audit/audit.js', styleUri: 'https://x/media/audit/audit.css', codiconsUri: 'https://x/codicon.css' };

/** A report whose server said hostile things in every field it controls. */
function hostileReport(): AuditReport {
  const target: AuditTarget = { protocol: 'ftpes', host: '127.0.0.1', port: 2121 };
  const facts: AuditFacts = {
    ssh: {
      banner: HOSTILE_BANNER,
      preBannerLines: ['<iframe src=javascript:alert(4)>'],
      protocolVersion: '2.0',
      software: 'Evil',
      supportsSsh1: false,
      strictKex: false,
      hostKeys: [],
      uninspectedHostKeyAlgorithms: [],
      authMethods: ['password', '<b>x</b>'],
      notes: [],
    },
    ftp: {
      banner: ['220 <script>alert(5)</script> (vsFTPd 2.3.4)'],
      product: { name: 'vsftpd', version: '2.3.4' },
      feat: ['AUTH TLS', HOSTILE_FEAT],
      authTls: false,
      authTlsReply: 500,
      cleartextUserReply: 331,
      cccOffered: true,
      notes: ['\u001b]0;pwned\u0007note'],
    },
  };
  return {
    server: 'ftpes://127.0.0.1:2121',
    target,
    probedAt: '2026-06-01T00:00:00.000Z',
    durationMs: 420,
    findings: evaluate({ target, facts, known: [], now: Date.parse('2026-06-01T00:00:00Z') }),
    facts,
  };
}

test('the panel HTML escapes everything the server sent', () => {
  const html = renderReportHtml(hostileReport(), RES);
  assert.ok(!/<script>alert/i.test(html), 'no script element from the server');
  assert.ok(!/<img[^>]*onerror/i.test(html), 'no img element with an event handler');
  assert.ok(!/<iframe/i.test(html));
  assert.ok(!/<b>x<\/b>/.test(html));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the banner is shown, escaped');
  assert.ok(html.includes('&lt;img src=x onerror=alert(3)&gt;'), 'FEAT lines are shown, escaped');
  assert.ok(html.includes('onerror=&quot;alert(2)&quot;'), 'quotes are escaped too');
  assert.ok(!html.includes('\u001b'), 'control characters are dropped');
  // The only <script> is ours, nonce'd, from the media folder.
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.deepEqual(scripts, [`<script nonce="${RES.nonce}" src="${RES.scriptUri}">`]);
  const tags = html.match(/<[^>]*>/g) ?? [];
  assert.ok(!tags.some((t) => /\sstyle=/i.test(t)), 'no inline style (the CSP forbids it)');
  assert.ok(!tags.some((t) => /\son[a-z]+=/i.test(t)), 'no event handler attribute in any element');
});

test('the panel has the strict CSP, theme CSS and the action buttons', () => {
  const html = renderReportHtml(hostileReport(), RES);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.equal(
    csp?.replace(/&#39;/g, "'"),
    `default-src 'none'; style-src ${RES.cspSource}; script-src 'nonce-${RES.nonce}'; img-src ${RES.cspSource}; font-src ${RES.cspSource}`,
  );
  assert.equal(contentSecurityPolicy('src', 'n'), "default-src 'none'; style-src src; script-src 'nonce-n'; img-src src; font-src src");
  assert.ok(html.includes(`<link rel="stylesheet" href="${RES.styleUri}">`));
  assert.ok(html.includes(`<link rel="stylesheet" href="${RES.codiconsUri}">`));
  for (const cmd of ['data-command="rerun"', 'data-format="md"', 'data-format="json"', 'data-format="sarif"']) assert.ok(html.includes(cmd), cmd);
  // Findings grouped by severity, worst first, with evidence, why, fix and references.
  const order = [...html.matchAll(/<section class="group severity-(\w+)">/g)].map((m) => m[1]);
  assert.deepEqual(order, ['critical', 'high', 'medium', 'low', 'info']);
  for (const label of ['Evidence', 'Why it matters', 'How to fix', 'References']) assert.ok(html.includes(`<dt>${label}</dt>`));
  const css = readFileSync(path.join(__dirname, '..', '..', '..', 'media', 'audit', 'audit.css'), 'utf8');
  assert.match(css, /var\(--vscode-foreground\)/);
  assert.throws(() => renderReportHtml(hostileReport(), { ...RES, nonce: 'x"><script>' }), /nonce/);
});

test('the text report strips terminal escapes and groups by severity', () => {
  const text = renderText(hostileReport());
  assert.ok(!text.includes('\u001b'), 'no escape sequences reach the terminal');
  assert.ok(!text.includes('\u0007'));
  const headings = text.split('\n').filter((l) => /^[A-Z]+$/.test(l));
  assert.deepEqual(headings, ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO', 'NOTES']);
  assert.match(text, /\[version-backdoored\]/);
});

test('Markdown escapes server text', () => {
  const md = renderMarkdown(hostileReport());
  assert.ok(!md.includes('<img'), 'raw HTML would render in most Markdown viewers');
  assert.ok(!md.includes('<script>'));
  assert.match(md, /^# Security audit of /);
  assert.match(md, /## Critical \(\d+\)/);
});

test('JSON lists findings with id, severity, title and evidence', () => {
  const parsed = JSON.parse(renderJson(hostileReport())) as { server: string; probedAt: string; findings: Array<Record<string, unknown>>; facts: AuditFacts };
  assert.equal(parsed.server, 'ftpes://127.0.0.1:2121');
  assert.equal(parsed.probedAt, '2026-06-01T00:00:00.000Z');
  assert.ok(parsed.findings.length > 0);
  for (const f of parsed.findings) for (const k of ['id', 'severity', 'title', 'evidence', 'why', 'remediation', 'references']) assert.ok(k in f, k);
  assert.equal(parsed.facts.ftp?.feat[1], HOSTILE_FEAT, 'JSON keeps the data as it was (consumers escape for their medium)');
});

test('SARIF validates against the 2.1.0 schema subset and maps rules and levels', () => {
  const schema = JSON.parse(readFileSync(path.join(FIXTURES, 'sarif-2.1.0-subset.schema.json'), 'utf8')) as object;
  // unicodeRegExp off: the OASIS schema's `language` pattern is not valid in Unicode mode.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  const validate = ajv.compile(schema);
  const report = hostileReport();
  const sarif = JSON.parse(renderSarif(report)) as {
    version: string;
    runs: Array<{ tool: { driver: { rules: Array<{ id: string; defaultConfiguration: { level: string } }> } }; results: Array<{ ruleId: string; ruleIndex: number; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }>;
  };
  assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
  assert.equal(sarif.version, '2.1.0');
  const run = sarif.runs[0];
  assert.deepEqual(run.tool.driver.rules.map((r) => r.id), RULES.map((r) => r.id));
  assert.equal(run.results.length, report.findings.length);
  const levels: Record<string, string> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
  run.results.forEach((r, i) => {
    assert.equal(r.ruleId, report.findings[i].id);
    assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId, 'ruleIndex points at the rule');
    assert.equal(r.level, levels[report.findings[i].severity]);
    assert.equal(r.locations[0].physicalLocation.artifactLocation.uri, 'ftpes://127.0.0.1:2121');
  });
  // The validator is not a rubber stamp: a broken document fails.
  assert.equal(validate({ ...sarif, version: '2.0.0' }), false);
  assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), false, 'driver.name is required');
  assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'a', level: 'fatal', message: { text: 'm' } }] }] }), false);
});
