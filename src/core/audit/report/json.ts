/** The machine-readable report: `{ server, probedAt, findings: [{ id, severity, title, evidence, … }], facts }`. */
import type { AuditReport, LoginAuditReport } from '../types';
import { terminalSafeJson } from '../../displayText';

/** `login`: the server's last login-stage report, as the extra field `login` ({ checkedAt, findings, facts }). */
export function renderJson(report: AuditReport, login?: LoginAuditReport): string {
  const extra = login ? { login: { checkedAt: login.checkedAt, findings: login.findings, facts: login.facts } } : {};
  // Server text inside stays data (JSON-escaped), and the whole is safe to print on a terminal.
  return terminalSafeJson(JSON.stringify({ ...reportObject(report), ...extra }, null, 2)) + '\n';
}

/** The report's JSON object, field for field (the fleet report holds one per server). */
export function reportObject(report: AuditReport): object {
  const { server, probedAt, durationMs, target, grade, product, findings, facts } = report;
  return { server, probedAt, durationMs, target, grade, product, findings, facts };
}
