/** The Markdown export (from the panel): by severity, one section per rule naming its subjects; server text escaped. */
import type { AuditReport, LoginAuditReport } from '../types';
import { escapeMarkdown } from './escape';
import { gradeLine, groupFindings } from './groups';

/** `login`: the server's last login-stage report, as a last section "Seen after logging in" (absent: none). */
export function renderMarkdown(report: AuditReport, login?: LoginAuditReport): string {
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
  if (login) out.push(...loginMarkdown(login));
  return out.join('\n') + '\n';
}

/** The login stage's findings, worst first, one sub-section per rule (the same fields as above). */
function loginMarkdown(login: LoginAuditReport): string[] {
  const out = ['', '## Seen after logging in', '', `Checked ${escapeMarkdown(login.checkedAt)} on a session the user opened (never an extra login).`];
  if (login.findings.length === 0) out.push('', 'No findings after logging in.');
  for (const g of groupFindings(login.findings).flatMap((s) => s.groups)) {
    const subjects = g.subjects.length ? `: ${g.subjects.map(escapeMarkdown).join(', ')}` : '';
    out.push(
      '',
      `### ${escapeMarkdown(g.title)}${subjects} \`${g.id}\` (${g.severity})`,
      '',
      ...g.findings.map((f) => `- **Evidence:** ${escapeMarkdown(f.evidence)}`),
      `- **Why:** ${g.why}`,
      `- **Fix:** ${g.remediation}${g.remediationSource ? ` (see <${g.remediationSource}>)` : ''}`,
      ...(g.baseline ? [`- **Baseline:** [${g.baseline.name}](${g.baseline.url})`] : []),
      `- **References:** ${g.references.map((u) => `<${u}>`).join(', ')}`,
    );
  }
  if (login.facts.notes?.length) out.push('', ...login.facts.notes.map((n) => `- Note: ${escapeMarkdown(n)}`));
  return out;
}
