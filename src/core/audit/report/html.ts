/**
 * The audit panel's full HTML (the extension wraps it in a WebviewPanel). Strict CSP: nothing inline,
 * one nonce'd script from media/audit/, styles and fonts only from the webview's own source. Every
 * string from a server (banners, FEAT lines, certificate names, evidence) is escaped.
 */
import type { AuditReport, LoginAuditReport, Severity } from '../types';
import { escapeHtml } from './escape';
import { groupFindings, relativeTime, type FindingGroup } from './groups';

export interface HtmlResources {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random value per render (base64 or hex). */
  nonce: string;
  /** `asWebviewUri` of media/audit/audit.js and audit.css, and optionally of codicon.css. */
  scriptUri: string;
  styleUri: string;
  codiconsUri?: string;
  /** "checked 3 min ago" is counted from here (default: now); the panel's script keeps it current. */
  now?: number;
  /** For the full local time on hover (default: the runtime's locale). */
  locale?: string;
}

const ICON: Readonly<Record<Severity, string>> = { critical: 'error', high: 'error', medium: 'warning', low: 'info', info: 'info' };
const NONCE = /^[A-Za-z0-9+/=_-]{16,}$/;

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; style-src ${cspSource}; script-src 'nonce-${nonce}'; img-src ${cspSource}; font-src ${cspSource}`;
}

/**
 * The rule table's own words (trusted) may use inline code (`MACs -name`): shown as code, not as raw
 * backticks. Escaped first, so only the <code> added here is markup.
 */
function ruleText(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** One row per rule: its title, what it is about (the algorithms…), how many; evidence of each inside. */
function groupHtml(g: FindingGroup): string {
  const refs = g.references.map((u) => `<li><a href="${escapeHtml(u)}">${escapeHtml(u)}</a></li>`).join('');
  const subjects = g.subjects.length ? `<span class="subjects">: ${g.subjects.map(escapeHtml).join(', ')}</span>` : '';
  const count = g.findings.length > 1 ? ` <span class="count" title="${g.findings.length} findings">${g.findings.length}</span>` : '';
  const evidence = g.findings.length === 1 ? escapeHtml(g.findings[0].evidence) : `<ul>${g.findings.map((f) => `<li>${escapeHtml(f.evidence)}</li>`).join('')}</ul>`;
  return `<details class="finding severity-${g.severity}">
<summary><span class="codicon codicon-${ICON[g.severity]}" aria-hidden="true"></span> <span class="title">${escapeHtml(g.title)}</span>${subjects}${count} <code class="rule-id">${escapeHtml(g.id)}</code></summary>
<dl>
<dt>Evidence</dt><dd class="evidence">${evidence}</dd>
<dt>Why it matters</dt><dd>${ruleText(g.why)}</dd>
<dt>How to fix</dt><dd>${ruleText(g.remediation)}${g.remediationSource ? ` <a class="source" href="${escapeHtml(g.remediationSource)}">(documentation)</a>` : ''}</dd>
${g.baseline ? `<dt>Baseline</dt><dd><a href="${escapeHtml(g.baseline.url)}">${escapeHtml(g.baseline.name)}</a></dd>
` : ''}
<dt>References</dt><dd><ul>${refs}</ul></dd>
</dl>
</details>`;
}

/** What the server said about itself, for the "Server" section. */
function serverFacts(report: AuditReport): Array<[string, string]> {
  const { ssh, ftp } = report.facts;
  const rows: Array<[string, string | undefined]> = [
    ['SSH banner', ssh?.banner],
    ['Lines before the banner', ssh?.preBannerLines.join('\n') || undefined],
    ['Host keys', ssh?.hostKeys.map((k) => `${k.keyType} ${k.bits ?? ''} ${k.fingerprint}`).join('\n') || undefined],
    ['Authentication methods', ssh?.authMethods?.join(', ')],
    ['FTP banner', ftp?.banner.join('\n') || undefined],
    ['FEAT', ftp?.feat.join('\n') || undefined],
    ['TLS', ftp?.tls?.negotiated ? `${ftp.tls.negotiated.protocol} ${ftp.tls.negotiated.cipher}` : undefined],
    ['Certificate subject', ftp?.tls?.certificate?.subject],
    ['Certificate issuer', ftp?.tls?.certificate?.issuer],
    ['Certificate fingerprint', ftp?.tls?.certificate?.fingerprint],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined);
}

/** `checked 3 min ago`, the full local time on hover; `datetime` lets the panel's script keep it current. */
function checkedHtml(report: AuditReport, res: HtmlResources): string {
  return checkedAt(report.probedAt, res);
}

function checkedAt(iso: string, res: HtmlResources): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return `Checked ${escapeHtml(iso)}`;
  const full = new Date(then).toLocaleString(res.locale, { dateStyle: 'full', timeStyle: 'long' });
  return `Checked <time class="checked" datetime="${escapeHtml(iso)}" title="${escapeHtml(full)}">${relativeTime(then, res.now ?? Date.now())}</time>`;
}

/**
 * "Seen after logging in": the last login-stage findings of this server (auditLogin on a session the
 * user opened, never an extra login), worst first, each row like the probes' rows, and the checks
 * that could not be made as notes. Everything but the rule table's words is escaped.
 */
function loginSectionHtml(login: LoginAuditReport, res: HtmlResources): string {
  const rows = groupFindings(login.findings).flatMap((g) => g.groups.map(groupHtml));
  const notes = login.facts.notes?.length ? `<ul class="notes">${login.facts.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>\n` : '';
  return `<section class="login">
<h2>Seen after logging in <span class="count">${login.findings.length}</span></h2>
<p class="meta">${checkedAt(login.checkedAt, res)} on a session you opened (never an extra login)</p>
${rows.length ? rows.join('\n') : '<p class="none">No findings after logging in.</p>'}
${notes}</section>`;
}

/** `login`: the server's last login-stage report, shown in its own section (absent: no section). */
export function renderReportHtml(report: AuditReport, res: HtmlResources, login?: LoginAuditReport): string {
  if (!NONCE.test(res.nonce)) throw new Error('renderReportHtml needs a random nonce of at least 16 base64 characters.');
  const csp = contentSecurityPolicy(res.cspSource, res.nonce);
  const groups = groupFindings(report.findings)
    .map(
      ({ severity, count, groups: rows }) => `<section class="group severity-${severity}">
<h2>${severity[0].toUpperCase()}${severity.slice(1)} <span class="count">${count}</span></h2>
${rows.map(groupHtml).join('\n')}
</section>`,
    )
    .join('\n');
  const facts = serverFacts(report)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><pre>${v.split('\n').map(escapeHtml).join('\n')}</pre></dd>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${res.codiconsUri ? `<link rel="stylesheet" href="${escapeHtml(res.codiconsUri)}">\n` : ''}<link rel="stylesheet" href="${escapeHtml(res.styleUri)}">
<title>Security audit: ${escapeHtml(report.server)}</title>
</head>
<body>
<header>
<h1>${report.grade ? `<span class="grade grade-${report.grade}" title="Grade ${report.grade} (see docs/audit-grades.md)">${report.grade}</span> ` : ''}Security audit of <code>${escapeHtml(report.server)}</code></h1>
${report.product ? `<p class="product">${escapeHtml(report.product.name + (report.product.version ? ' ' + report.product.version : ''))} <span class="evidence">(${escapeHtml(report.product.evidence)})</span></p>
` : ''}
<p class="meta">${checkedHtml(report, res)} in ${(report.durationMs / 1000).toFixed(1)} s · ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}</p>
<nav class="actions">
<button type="button" data-command="rerun"><span class="codicon codicon-refresh" aria-hidden="true"></span> Re-run</button>
<button type="button" data-command="export" data-format="md">Export Markdown</button>
<button type="button" data-command="export" data-format="json">Export JSON</button>
<button type="button" data-command="export" data-format="sarif">Export SARIF</button>
</nav>
</header>
<main>
${groups || '<p class="none">No findings.</p>'}
${login ? loginSectionHtml(login, res) + '\n' : ''}<section class="server">
<h2>What the server said</h2>
<dl>
${facts}
</dl>
</section>
</main>
<script nonce="${escapeHtml(res.nonce)}" src="${escapeHtml(res.scriptUri)}"></script>
</body>
</html>
`;
}
