/** The machine-readable report: `{ server, probedAt, findings: [{ id, severity, title, evidence, … }], facts }`. */
import type { AuditReport } from '../types';

export function renderJson(report: AuditReport): string {
  const { server, probedAt, durationMs, target, findings, facts } = report;
  return JSON.stringify({ server, probedAt, durationMs, target, findings, facts }, null, 2) + '\n';
}
