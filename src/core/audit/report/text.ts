/** The terminal report: findings grouped by severity, worst first, each with its evidence and fix. */
import { SEVERITIES, type AuditReport } from '../types';
import { printable } from './escape';
import { countsText, gradeLine } from './groups';
import { BASELINES } from '../rules/baselines';

export function renderText(report: AuditReport): string {
  const lines = [`Audit of ${report.server} at ${report.probedAt} (${(report.durationMs / 1000).toFixed(1)} s): ${countsText(report.findings)}`];
  const about = gradeLine(report);
  if (about) lines.push(printable(about));
  for (const severity of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', severity.toUpperCase());
    for (const f of group) {
      lines.push(`  [${f.id}] ${printable(f.title)}`, `      ${printable(f.evidence)}`, `      Fix: ${f.remediation}`);
      if (f.remediationSource) lines.push(`      See: ${f.remediationSource}`);
      const baseline = f.baseline && BASELINES[f.baseline];
      if (baseline) lines.push(`      Baseline: ${baseline.name}`);
    }
  }
  const notes = [...(report.facts.ssh?.notes ?? []), ...(report.facts.ftp?.notes ?? []), ...(report.facts.ftp?.tls?.notes ?? [])];
  if (notes.length) lines.push('', 'NOTES', ...notes.map((n) => `  ${printable(n)}`));
  return lines.join('\n') + '\n';
}
