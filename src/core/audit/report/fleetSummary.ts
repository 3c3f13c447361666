/**
 * What every fleet report format shows first: one row per server (name, server, grade, worst finding,
 * counts), and the baseline's new or worse findings. Plain data; each renderer escapes for its format.
 */
import { findingKey, type BaselineChange, type FleetEntry, type FleetReport } from '../fleet';
import type { Finding } from '../types';
import { countsText, groupFindings } from './groups';

export interface FleetSummaryRow {
  name: string;
  server: string;
  grade?: string;
  /** The worst finding's rule title and subjects ("Weak MAC offered: hmac-sha1"); server text. */
  worst?: string;
  worstSeverity?: string;
  /** `1 critical, 2 high`, or `no findings`; the error sentence for a server not audited. */
  counts: string;
  error?: string;
}

export function summaryRow(entry: FleetEntry): FleetSummaryRow {
  if (!entry.report) return { name: entry.name, server: entry.server, counts: 'not audited', error: entry.error ?? 'not audited' };
  const top = groupFindings(entry.report.findings)[0]?.groups[0];
  return {
    name: entry.name,
    server: entry.server,
    ...(entry.report.grade ? { grade: entry.report.grade } : {}),
    ...(top ? { worst: top.title + (top.subjects.length ? `: ${top.subjects.join(', ')}` : ''), worstSeverity: top.severity } : {}),
    counts: countsText(entry.report.findings),
  };
}

/** `20 servers: 3 A, 5 C, 1 F; 2 not audited` */
export function fleetHeadline(report: FleetReport): string {
  const grades = new Map<string, number>();
  let failed = 0;
  for (const e of report.entries) {
    if (!e.report) failed++;
    else if (e.report.grade) grades.set(e.report.grade, (grades.get(e.report.grade) ?? 0) + 1);
  }
  const byGrade = [...grades.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([g, n]) => `${n} ${g}`);
  const n = report.entries.length;
  return `${n} server${n === 1 ? '' : 's'}${byGrade.length ? `: ${byGrade.join(', ')}` : ''}${failed ? `; ${failed} not audited` : ''}`;
}

/** How a finding compares with the baseline, for renderers that mark each one (SARIF's baselineState). */
export function baselineStates(changes: readonly BaselineChange[] | undefined): ((server: string, f: Finding) => 'new' | 'updated' | 'unchanged') | undefined {
  if (!changes) return undefined;
  const state = new Map(changes.map((c) => [findingKey(c.server, c.finding), c.before === undefined ? ('new' as const) : ('updated' as const)]));
  return (server, f) => state.get(findingKey(server, f)) ?? 'unchanged';
}

/** `new` or `worse (was medium)`. */
export function changeText(c: BaselineChange): string {
  return c.before === undefined ? 'new' : `worse (was ${c.before})`;
}
