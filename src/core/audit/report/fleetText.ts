/**
 * The fleet report for a terminal: the baseline's new or worse findings first (when compared), a
 * summary table (name, server, grade, worst finding, counts), then each server's findings grouped by
 * severity and rule as the single reports do. Every name, server and finding text is escaped.
 */
import type { BaselineChange, FleetReport } from '../fleet';
import { printable } from './escape';
import { gradeLine, groupFindings } from './groups';
import { changeText, fleetHeadline, summaryRow } from './fleetSummary';

/** A column is at most this wide; longer names are cut with an ellipsis (the section below has them whole). */
const COLUMN_MAX = 40;

function cell(text: string, width: number): string {
  const t = text.length > width ? text.slice(0, width - 1) + '…' : text;
  return t.padEnd(width);
}

export function renderFleetText(report: FleetReport, changes?: readonly BaselineChange[]): string {
  const lines = [`Fleet audit at ${report.generatedAt} (${(report.durationMs / 1000).toFixed(1)} s): ${fleetHeadline(report)}`];
  if (changes) {
    lines.push('', changes.length ? `NEW OR WORSE SINCE THE BASELINE (${changes.length})` : 'Nothing new or worse since the baseline.');
    for (const c of changes) {
      const subject = c.finding.subject !== undefined ? `: ${printable(c.finding.subject)}` : '';
      lines.push(`  ${c.finding.severity.toUpperCase()} ${changeText(c)}: ${printable(c.name)} (${printable(c.server)}) [${c.finding.id}] ${printable(c.finding.title)}${subject}`);
    }
  }
  const rows = report.entries.map(summaryRow).map((r) => ({
    name: printable(r.name),
    server: printable(r.server),
    grade: r.grade ?? '-',
    worst: r.error ? 'NOT AUDITED' : r.worst ? `${r.worstSeverity}: ${printable(r.worst)}` : '-',
    counts: r.counts,
  }));
  const width = (k: 'name' | 'server' | 'worst') => Math.min(COLUMN_MAX, Math.max(k.length, ...rows.map((r) => r[k].length)));
  const [wn, ws, ww] = [width('name'), width('server'), width('worst')];
  lines.push('', `${cell('NAME', wn)}  ${cell('SERVER', ws)}  GRADE  ${cell('WORST FINDING', ww)}  FINDINGS`);
  for (const r of rows) lines.push(`${cell(r.name, wn)}  ${cell(r.server, ws)}  ${r.grade.padEnd(5)}  ${cell(r.worst, ww)}  ${r.counts}`);
  for (const e of report.entries) {
    lines.push('', `== ${printable(e.name)} (${printable(e.server)}) ==`);
    if (!e.report) {
      lines.push(`  Not audited: ${printable(e.error ?? 'unknown reason')}`);
      continue;
    }
    const about = gradeLine(e.report);
    if (about) lines.push(`  ${printable(about)}`);
    if (e.report.findings.length === 0) lines.push('  No findings.');
    for (const { severity, count, groups } of groupFindings(e.report.findings)) {
      lines.push(`  ${severity.toUpperCase()} (${count})`);
      for (const g of groups) {
        const subjects = g.subjects.length ? `: ${g.subjects.map(printable).join(', ')}` : '';
        lines.push(`    [${g.id}] ${printable(g.title)}${subjects}`);
        for (const f of g.findings) lines.push(`        ${printable(f.evidence)}`);
        lines.push(`        Fix: ${g.remediation}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
