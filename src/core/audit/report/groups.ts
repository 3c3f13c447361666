/**
 * Findings as reports show them: by severity, worst first, and within a severity one row per rule
 * naming what it is about ("Weak MAC offered: hmac-sha1, hmac-md5"), never the same title ×4.
 */
import { SEVERITIES, type AuditReport, type Finding, type Severity } from '../types';
import { BASELINES, type Baseline } from '../rules/baselines';

export interface FindingGroup {
  id: string;
  severity: Severity;
  title: string;
  /** The findings' subjects (algorithms, keys, versions) in report order, without repeats; server text. */
  subjects: string[];
  findings: Finding[];
  why: string;
  remediation: string;
  /** The product documentation the fix was checked against, when the fix is product-specific. */
  remediationSource?: string;
  /** The baseline the rule follows. */
  baseline?: Baseline;
  /** Every finding's references, without repeats. */
  references: string[];
}

export function groupFindings(findings: readonly Finding[]): Array<{ severity: Severity; count: number; groups: FindingGroup[] }> {
  return SEVERITIES.map((severity) => {
    const groups = new Map<string, FindingGroup>();
    const ofSeverity = findings.filter((f) => f.severity === severity);
    for (const f of ofSeverity) {
      let g = groups.get(f.id);
      if (!g) {
        g = {
          id: f.id,
          severity,
          title: f.title,
          subjects: [],
          findings: [],
          why: f.why,
          remediation: f.remediation,
          ...(f.remediationSource ? { remediationSource: f.remediationSource } : {}),
          ...(f.baseline && BASELINES[f.baseline] ? { baseline: BASELINES[f.baseline] } : {}),
          references: [],
        };
        groups.set(f.id, g);
      }
      g.findings.push(f);
      if (f.subject !== undefined && !g.subjects.includes(f.subject)) g.subjects.push(f.subject);
      for (const r of f.references) if (!g.references.includes(r)) g.references.push(r);
    }
    return { severity, count: ofSeverity.length, groups: [...groups.values()] };
  }).filter((s) => s.count > 0);
}

/** `just now`, `3 min ago`, `2 h ago`, `5 days ago`: how long since a check (a clock skew reads "just now"). */
export function relativeTime(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const days = Math.floor(s / 86400);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/** `Grade C · vsftpd 3.0.3`: the report header's line about the server (product text is server text: escape it). */
export function gradeLine(report: Pick<AuditReport, 'grade' | 'product'>): string | undefined {
  const parts = [report.grade ? `Grade ${report.grade}` : undefined, report.product ? `${report.product.name}${report.product.version ? ' ' + report.product.version : ''}` : undefined];
  const line = parts.filter(Boolean).join(' · ');
  return line || undefined;
}

/** `1 critical, 2 high`, or `no findings`: a report's findings counted per severity, worst first. */
export function countsText(findings: readonly Pick<Finding, 'severity'>[]): string {
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  return counts.length ? counts.map(([s, n]) => `${n} ${s}`).join(', ') : 'no findings';
}
