/**
 * The fleet report as ONE standalone HTML file (for a CI artifact or a mail): no scripts, nothing
 * loaded from anywhere. Its Content-Security-Policy allows only the one inline <style> below, by its
 * SHA-256 hash (default-src 'none'; no script-src at all), so even an escaping mistake could not run
 * anything. Every name, server and finding text is escaped (escapeHtml); servers are <details>
 * sections that open without JavaScript.
 */
import { createHash } from 'node:crypto';
import type { BaselineChange, FleetEntry, FleetReport } from '../fleet';
import { escapeHtml } from './escape';
import { gradeLine, groupFindings, type FindingGroup } from './groups';
import { changeText, fleetHeadline, summaryRow } from './fleetSummary';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1f2328; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; }
code { font: 12px ui-monospace, monospace; }
.grade { display: inline-block; min-width: 1.6em; text-align: center; font-weight: 700; border-radius: 4px; color: #fff; }
.grade-A { background: #1a7f37; } .grade-B { background: #4d8f1a; } .grade-C { background: #9a6700; }
.grade-D { background: #bc4c00; } .grade-E { background: #cf222e; } .grade-F { background: #82071e; }
.sev-critical, .sev-high { color: #cf222e; } .sev-medium { color: #9a6700; } .sev-low, .sev-info { color: #57606a; }
.error { color: #cf222e; }
details.server { border: 1px solid #d0d7de; border-radius: 6px; margin: .8em 0; padding: .4em .8em; }
details.server > summary { cursor: pointer; font-weight: 600; }
.evidence { white-space: pre-wrap; word-break: break-all; }
`;

/** The CSP: nothing but the inline style above (by hash). */
export function fleetHtmlCsp(): string {
  const hash = createHash('sha256').update(STYLE).digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; form-action 'none'; base-uri 'none'`;
}

/** Rule text (trusted) may use inline code; escaped first, so only the <code> added here is markup. */
function ruleText(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function link(url: string, text = url): string {
  return /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}" rel="noreferrer">${escapeHtml(text)}</a>` : escapeHtml(text);
}

function groupHtml(g: FindingGroup): string {
  const subjects = g.subjects.length ? `: ${g.subjects.map(escapeHtml).join(', ')}` : '';
  const evidence = g.findings.map((f) => `<li class="evidence">${escapeHtml(f.evidence)}</li>`).join('');
  return `<li><span class="sev-${g.severity}">${escapeHtml(g.title)}</span>${subjects} <code>${escapeHtml(g.id)}</code>
<ul>${evidence}</ul>
<p>${ruleText(g.why)}</p>
<p><strong>Fix:</strong> ${ruleText(g.remediation)}${g.remediationSource ? ` (${link(g.remediationSource, 'documentation')})` : ''}${g.baseline ? ` · Baseline: ${link(g.baseline.url, g.baseline.name)}` : ''}</p></li>`;
}

function entryHtml(e: FleetEntry): string {
  const head = `${e.report?.grade ? `<span class="grade grade-${e.report.grade}">${e.report.grade}</span> ` : ''}${escapeHtml(e.name)} <code>${escapeHtml(e.server)}</code>`;
  if (!e.report) return `<details class="server" open><summary>${head}</summary><p class="error">Not audited: ${escapeHtml(e.error ?? 'unknown reason')}</p></details>`;
  const about = gradeLine(e.report);
  const body = groupFindings(e.report.findings)
    .map(({ severity, count, groups }) => `<h3 class="sev-${severity}">${severity[0].toUpperCase()}${severity.slice(1)} (${count})</h3>\n<ul>${groups.map(groupHtml).join('\n')}</ul>`)
    .join('\n');
  return `<details class="server"><summary>${head}</summary>
${about ? `<p>${escapeHtml(about)}${e.report.product ? ` (${escapeHtml(e.report.product.evidence)})` : ''} · probed ${escapeHtml(e.report.probedAt)}</p>` : ''}
${body || '<p>No findings.</p>'}
</details>`;
}

export function renderFleetHtml(report: FleetReport, changes?: readonly BaselineChange[]): string {
  const rows = report.entries
    .map(summaryRow)
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.name)}</td><td><code>${escapeHtml(r.server)}</code></td><td>${r.grade ? `<span class="grade grade-${r.grade}">${r.grade}</span>` : '—'}</td><td>${
          r.error ? `<span class="error">not audited: ${escapeHtml(r.error)}</span>` : r.worst ? `<span class="sev-${r.worstSeverity}">${escapeHtml(r.worst)}</span>` : '—'
        }</td><td>${r.error ? '—' : escapeHtml(r.counts)}</td></tr>`,
    )
    .join('\n');
  const changed = changes
    ? `<h2>New or worse since the baseline (${changes.length})</h2>
${changes.length ? `<ul>${changes.map((c) => `<li><span class="sev-${c.finding.severity}">${c.finding.severity}</span>, ${escapeHtml(changeText(c))}: ${escapeHtml(c.name)} <code>${escapeHtml(c.server)}</code> — ${escapeHtml(c.finding.title)}${c.finding.subject !== undefined ? `: ${escapeHtml(c.finding.subject)}` : ''} <code>${escapeHtml(c.finding.id)}</code></li>`).join('\n')}</ul>` : '<p>Nothing new or worse.</p>'}
`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(fleetHtmlCsp())}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Fleet security audit</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Fleet security audit</h1>
<p>Probed ${escapeHtml(report.generatedAt)} in ${(report.durationMs / 1000).toFixed(1)} s: ${escapeHtml(fleetHeadline(report))}. Grades: see docs/audit-grades.md.</p>
${changed}<h2>Summary</h2>
<table>
<thead><tr><th>Name</th><th>Server</th><th>Grade</th><th>Worst finding</th><th>Findings</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Servers</h2>
${report.entries.map(entryHtml).join('\n')}
</body>
</html>
`;
}
