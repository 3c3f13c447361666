/**
 * The audit panel's full HTML (the extension wraps it in a WebviewPanel). Strict CSP: nothing inline,
 * one nonce'd script from media/audit/, styles and fonts only from the webview's own source. Every
 * string from a server (banners, FEAT lines, certificate names, evidence) is escaped.
 */
import { SEVERITIES, type AuditReport, type Finding, type Severity } from '../types';
import { escapeHtml } from './escape';

export interface HtmlResources {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random value per render (base64 or hex). */
  nonce: string;
  /** `asWebviewUri` of media/audit/audit.js and audit.css, and optionally of codicon.css. */
  scriptUri: string;
  styleUri: string;
  codiconsUri?: string;
}

const ICON: Readonly<Record<Severity, string>> = { critical: 'error', high: 'error', medium: 'warning', low: 'info', info: 'info' };
const NONCE = /^[A-Za-z0-9+/=_-]{16,}$/;

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; style-src ${cspSource}; script-src 'nonce-${nonce}'; img-src ${cspSource}; font-src ${cspSource}`;
}

function findingHtml(f: Finding): string {
  const refs = f.references.map((u) => `<li><a href="${escapeHtml(u)}">${escapeHtml(u)}</a></li>`).join('');
  return `<details class="finding severity-${f.severity}">
<summary><span class="codicon codicon-${ICON[f.severity]}" aria-hidden="true"></span> <span class="title">${escapeHtml(f.title)}</span> <code class="rule-id">${escapeHtml(f.id)}</code></summary>
<dl>
<dt>Evidence</dt><dd class="evidence">${escapeHtml(f.evidence)}</dd>
<dt>Why it matters</dt><dd>${escapeHtml(f.why)}</dd>
<dt>How to fix</dt><dd>${escapeHtml(f.remediation)}</dd>
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

export function renderReportHtml(report: AuditReport, res: HtmlResources): string {
  if (!NONCE.test(res.nonce)) throw new Error('renderReportHtml needs a random nonce of at least 16 base64 characters.');
  const csp = contentSecurityPolicy(res.cspSource, res.nonce);
  const groups = SEVERITIES.map((severity) => {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) return '';
    return `<section class="group severity-${severity}">
<h2>${severity[0].toUpperCase()}${severity.slice(1)} <span class="count">${group.length}</span></h2>
${group.map(findingHtml).join('\n')}
</section>`;
  }).join('\n');
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
<h1>Security audit of <code>${escapeHtml(report.server)}</code></h1>
<p class="meta">Probed ${escapeHtml(report.probedAt)} in ${(report.durationMs / 1000).toFixed(1)} s · ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}</p>
<nav class="actions">
<button type="button" data-command="rerun"><span class="codicon codicon-refresh" aria-hidden="true"></span> Re-run</button>
<button type="button" data-command="export" data-format="md">Export Markdown</button>
<button type="button" data-command="export" data-format="json">Export JSON</button>
<button type="button" data-command="export" data-format="sarif">Export SARIF</button>
</nav>
</header>
<main>
${groups || '<p class="none">No findings.</p>'}
<section class="server">
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
