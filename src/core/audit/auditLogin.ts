/**
 * The audit's login stage: what the session the user opened anyway (never an extra login) shows about
 * the server — a single factor where MFA is expected, FTPS data without TLS session reuse, PROT C /
 * SITE / CCC after login, a world-writable login folder. Facts come from `RemoteFileSystem.loginFacts`;
 * the rules are the `stage: 'login'` rows of ruleTable.ts, their detectors in rules/loginDetectors.ts.
 *
 * SKELETON: filled in by the a-login branch (facts: a-login for SFTP/home, a-anon for FTPS checks).
 */
import type { AuditTarget, LoginAuditReport, LoginFacts, ProductId } from './types';

export interface LoginAuditContext {
  target: AuditTarget;
  /** The profile or the policy expects a second factor (profile.mfa totp/prompt, policy.requireMfa). */
  expectMfa: boolean;
  /** The product the probes identified, for the fix's wording. */
  product?: ProductId;
  now?: () => number;
}

export function auditLogin(facts: LoginFacts, context: LoginAuditContext): LoginAuditReport {
  void context;
  return { server: '', checkedAt: new Date().toISOString(), findings: [], facts };
}
