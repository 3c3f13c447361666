/** The Markdown export (from the panel): grouped by severity, server text escaped. */
import { SEVERITIES, type AuditReport } from '../types';
import { escapeMarkdown } from './escape';

export function renderMarkdown(report: AuditReport): string {
  const out = [`# Security audit of ${escapeMarkdown(report.server)}`, '', `Probed ${report.probedAt} in ${(report.durationMs / 1000).toFixed(1)} s.`];
  if (report.findings.length === 0) out.push('', 'No findings.');
  for (const severity of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    out.push('', `## ${severity[0].toUpperCase()}${severity.slice(1)} (${group.length})`);
    for (const f of group) {
      out.push(
        '',
        `### ${escapeMarkdown(f.title)} \`${f.id}\``,
        '',
        `- **Evidence:** ${escapeMarkdown(f.evidence)}`,
        // Why and fix are the rule table's own words (trusted Markdown); evidence came from the server.
        `- **Why:** ${f.why}`,
        `- **Fix:** ${f.remediation}`,
        `- **References:** ${f.references.map((u) => `<${u}>`).join(', ')}`,
      );
    }
  }
  return out.join('\n') + '\n';
}
