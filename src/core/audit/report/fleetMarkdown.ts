/**
 * The fleet report in Markdown: the baseline's changes, a summary table, then each server's own
 * Markdown report (report/markdown.ts) one heading level down. Server text is escaped (table cells
 * included: escapeMarkdown escapes `|`).
 */
import type { BaselineChange, FleetReport } from '../fleet';
import { escapeMarkdown } from './escape';
import { renderMarkdown } from './markdown';
import { changeText, fleetHeadline, summaryRow } from './fleetSummary';

export function renderFleetMarkdown(report: FleetReport, changes?: readonly BaselineChange[]): string {
  const out = ['# Fleet security audit', '', `Probed ${report.generatedAt} in ${(report.durationMs / 1000).toFixed(1)} s: ${fleetHeadline(report)}.`];
  if (changes) {
    out.push('', `## New or worse since the baseline (${changes.length})`, '');
    if (changes.length === 0) out.push('Nothing new or worse.');
    for (const c of changes) {
      const subject = c.finding.subject !== undefined ? `: ${escapeMarkdown(c.finding.subject)}` : '';
      out.push(`- **${c.finding.severity}**, ${changeText(c)}: ${escapeMarkdown(c.name)} (${escapeMarkdown(c.server)}) — ${escapeMarkdown(c.finding.title)}${subject} \`${c.finding.id}\``);
    }
  }
  out.push('', '## Summary', '', '| Name | Server | Grade | Worst finding | Findings |', '| --- | --- | --- | --- | --- |');
  for (const r of report.entries.map(summaryRow)) {
    const worst = r.error ? `not audited: ${escapeMarkdown(r.error)}` : r.worst ? `${r.worstSeverity}: ${escapeMarkdown(r.worst)}` : '—';
    out.push(`| ${escapeMarkdown(r.name)} | ${escapeMarkdown(r.server)} | ${r.grade ?? '—'} | ${worst} | ${r.error ? '—' : r.counts} |`);
  }
  for (const e of report.entries) {
    out.push('', `## ${escapeMarkdown(e.name)} (${escapeMarkdown(e.server)})`);
    if (!e.report) {
      out.push('', `Not audited: ${escapeMarkdown(e.error ?? 'unknown reason')}`);
      continue;
    }
    // The single report under this heading: its title line dropped, its headings one level down (its
    // other lines never start with an unescaped #: server text is escaped, rule text starts with "- ").
    const single = renderMarkdown(e.report).trimEnd().split('\n').slice(1).join('\n');
    out.push(single.replace(/^(#+) /gm, '#$1 '));
  }
  return out.join('\n') + '\n';
}
