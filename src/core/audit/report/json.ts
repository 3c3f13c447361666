/** The machine-readable report: `{ server, probedAt, findings: [{ id, severity, title, evidence, … }], facts }`. */
import type { AuditReport } from '../types';
import { terminalSafeJson } from '../../displayText';

export function renderJson(report: AuditReport): string {
  const { server, probedAt, durationMs, target, grade, product, findings, facts } = report;
  // Server text inside stays data (JSON-escaped), and the whole is safe to print on a terminal.
  return terminalSafeJson(JSON.stringify({ server, probedAt, durationMs, target, grade, product, findings, facts }, null, 2)) + '\n';
}
