/** Facts → findings: run every detector and dress its hits with the rule's words. Worst first. */
import { SEVERITIES, type AuditRule, type Finding, type ProductId, type Severity } from '../types';
import { DETECTORS, type DetectorInput, type Hit } from './detectors';
import { remediationFor } from './remediation';
import { RULES } from './ruleTable';

const RANK: Readonly<Record<Severity, number>> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>;

/** A severity's place on the scale: 0 for critical, the worst; compare with `<` for "worse than". */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

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

/** A detector's hit dressed with its rule's words, the fix in the product's terms where the table has them. */
export function findingOf(rule: AuditRule, hit: Hit, product: ProductId | undefined): Finding {
  const fix = remediationFor(rule.id, product);
  return {
    id: rule.id,
    severity: hit.severity ?? rule.severity,
    title: rule.title,
    evidence: hit.evidence,
    ...(hit.subject !== undefined ? { subject: hit.subject } : {}),
    why: rule.why,
    remediation: fix?.text ?? rule.remediation,
    ...(fix ? { remediationSource: fix.source } : {}),
    references: hit.reference ? [hit.reference, ...rule.references.filter((r) => r !== hit.reference)] : rule.references,
    baseline: rule.baseline,
    ...(rule.stage === 'login' ? { stage: 'login' as const } : {}),
  };
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

/** The probe stage: every rule that is not a login rule, judged from the probes' facts. */
export function evaluate(input: DetectorInput, product?: ProductId): Finding[] {
  return sortFindings(RULES.filter((r) => r.stage !== 'login').flatMap((rule) => DETECTORS[rule.id](input).map((hit) => findingOf(rule, hit, product))));
}
