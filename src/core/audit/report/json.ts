/** The machine-readable report: `{ server, probedAt, findings: [{ id, severity, title, evidence, … }], facts }`. */
import type { AuditReport } from '../types';
import { terminalSafeJson } from '../../displayText';

export function renderJson(report: AuditReport): string {
  // Server text inside stays data (JSON-escaped), and the whole is safe to print on a terminal.
  return terminalSafeJson(JSON.stringify(reportObject(report), null, 2)) + '\n';
}

/** The report's JSON object, field for field (the fleet report holds one per server). */
export function reportObject(report: AuditReport): object {
  const { server, probedAt, durationMs, target, grade, product, findings, facts } = report;
  return { server, probedAt, durationMs, target, grade, product, findings, facts };
}
