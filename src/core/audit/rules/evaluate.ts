/** Facts → findings: run every detector and dress its hits with the rule's words. Worst first. */
import { SEVERITIES, type Finding, type Severity } from '../types';
import { DETECTORS, type DetectorInput } from './detectors';
import { RULES } from './ruleTable';

const RANK: Readonly<Record<Severity, number>> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>;

/** True when `severity` is at least as bad as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] <= RANK[threshold];
}

/** The worst severity among findings, or undefined when there are none. */
export function worstSeverity(findings: readonly Pick<Finding, 'severity'>[]): Severity | undefined {
  return findings.reduce<Severity | undefined>((worst, f) => (worst === undefined || RANK[f.severity] < RANK[worst] ? f.severity : worst), undefined);
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

export function evaluate(input: DetectorInput): Finding[] {
  const findings = RULES.flatMap((rule) =>
    DETECTORS[rule.id](input).map<Finding>((hit) => ({
      id: rule.id,
      severity: hit.severity ?? rule.severity,
      title: rule.title,
      evidence: hit.evidence,
      ...(hit.subject !== undefined ? { subject: hit.subject } : {}),
      why: rule.why,
      remediation: rule.remediation,
      references: hit.reference ? [hit.reference, ...rule.references.filter((r) => r !== hit.reference)] : rule.references,
    })),
  );
  return findings.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}
