/**
 * The audit's login stage: what the session the user opened anyway (never an extra login) shows about
 * the server — a single factor where MFA is expected, FTPS data without TLS session reuse, PROT C /
 * SITE / CCC after login, a world-writable login folder. Facts come from `RemoteFileSystem.loginFacts`;
 * the rules are the `stage: 'login'` rows of ruleTable.ts, their detectors in rules/loginDetectors.ts
 * (a probe rule with a login form there, e.g. PROT C accepted after login, is judged here too).
 */
import type { AuditTarget, LoginAuditReport, LoginFacts, ProductId } from './types';
import { serverOrigin } from '../profiles/serverAddress';
import { findingOf, sortFindings } from './rules/evaluate';
import { LOGIN_DETECTORS } from './rules/loginDetectors';
import { RULES } from './rules/ruleTable';

export interface LoginAuditContext {
  target: AuditTarget;
  /** The profile or the policy expects a second factor (profile.mfa totp/prompt, policy.requireMfa). */
  expectMfa: boolean;
  /** The product the probes identified, for the fix's wording. */
  product?: ProductId;
  now?: () => number;
}

export function auditLogin(facts: LoginFacts, context: LoginAuditContext): LoginAuditReport {
  const { target, expectMfa, product } = context;
  const findings = RULES.flatMap((rule) => {
    const detect = LOGIN_DETECTORS[rule.id];
    if (!detect) return [];
    // Every finding of this stage is marked `login`, also the login form of a probe rule.
    return detect({ facts, expectMfa }).map((hit) => ({ ...findingOf(rule, hit, product), stage: 'login' as const }));
  });
  return {
    server: serverOrigin(target),
    checkedAt: new Date(context.now?.() ?? Date.now()).toISOString(),
    findings: sortFindings(findings),
    facts,
  };
}
