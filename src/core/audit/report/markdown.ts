/** The Markdown export (from the panel): by severity, one section per rule naming its subjects; server text escaped. */
import type { AuditReport } from '../types';
import { escapeMarkdown } from './escape';
import { gradeLine, groupFindings } from './groups';

export function renderMarkdown(report: AuditReport): string {
  const about = gradeLine(report);
  const out = [`# Security audit of ${escapeMarkdown(report.server)}`, '', `Probed ${report.probedAt} in ${(report.durationMs / 1000).toFixed(1)} s.${about ? ` ${escapeMarkdown(about)}.` : ''}`];
  if (report.findings.length === 0) out.push('', 'No findings.');
  for (const { severity, count, groups } of groupFindings(report.findings)) {
    out.push('', `## ${severity[0].toUpperCase()}${severity.slice(1)} (${count})`);
    for (const g of groups) {
      const subjects = g.subjects.length ? `: ${g.subjects.map(escapeMarkdown).join(', ')}` : '';
      const evidence = g.findings.length === 1 ? [`- **Evidence:** ${escapeMarkdown(g.findings[0].evidence)}`] : ['- **Evidence:**', ...g.findings.map((f) => `  - ${escapeMarkdown(f.evidence)}`)];
      out.push(
        '',
        `### ${escapeMarkdown(g.title)}${subjects} \`${g.id}\``,
        '',
        ...evidence,
        // Why and fix are the rule table's own words (trusted Markdown); evidence came from the server.
        `- **Why:** ${g.why}`,
        `- **Fix:** ${g.remediation}${g.remediationSource ? ` (see <${g.remediationSource}>)` : ''}`,
        ...(g.baseline ? [`- **Baseline:** [${g.baseline.name}](${g.baseline.url})`] : []),
        `- **References:** ${g.references.map((u) => `<${u}>`).join(', ')}`,
      );
    }
  }
  return out.join('\n') + '\n';
}
