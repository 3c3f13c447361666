/**
 * A grade per server, A (best) to F, as data — in the spirit of SSL Labs' rating guide: every finding
 * caps the grade (by its severity, or by a rule's own cap), several high findings cap it lower still,
 * and the grade is the lowest cap. docs/audit-grades.md says the same in words; keep them together.
 */
import type { Finding, Grade, Severity } from '../types';

export const GRADES: readonly Grade[] = ['A', 'B', 'C', 'D', 'E', 'F'];

/** The cap a finding of each severity puts on the grade. */
export const SEVERITY_CAP: Readonly<Record<Severity, Grade>> = { critical: 'F', high: 'D', medium: 'C', low: 'B', info: 'A' };

/** Rules whose cap differs from their severity's, with the reason (shown in docs/audit-grades.md). */
export const RULE_CAPS: Readonly<Record<string, { cap: Grade; why: string }>> = {
  'version-possibly-affected': { cap: 'A', why: 'a version match alone is a maybe: distributions backport fixes without changing the version' },
  'tls-cert-untrusted': { cap: 'B', why: 'a self-signed certificate is sound once pinned; the grade says "check the pin", not "broken"' },
};

/** This many different high-severity rules or more cap the grade at E. */
export const MANY_HIGH = 3;

const rank = (g: Grade) => GRADES.indexOf(g);
const lower = (a: Grade, b: Grade): Grade => (rank(a) >= rank(b) ? a : b);

export function capOf(f: Pick<Finding, 'id' | 'severity'>): Grade {
  return RULE_CAPS[f.id]?.cap ?? SEVERITY_CAP[f.severity];
}

export function gradeOf(findings: readonly Pick<Finding, 'id' | 'severity'>[]): Grade {
  let grade: Grade = 'A';
  for (const f of findings) grade = lower(grade, capOf(f));
  const highRules = new Set(findings.filter((f) => f.severity === 'high' && capOf(f) === SEVERITY_CAP.high).map((f) => f.id));
  if (highRules.size >= MANY_HIGH) grade = lower(grade, 'E');
  return grade;
}

/** True when `a` is a worse grade than `b`. */
export function worseGrade(a: Grade, b: Grade): boolean {
  return rank(a) > rank(b);
}
