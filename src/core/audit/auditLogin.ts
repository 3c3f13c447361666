/**
 * The audit's login stage: what the session the user opened anyway (never an extra login) shows about
 * the server — a single factor where MFA is expected, FTPS data without TLS session reuse, PROT C /
 * SITE / CCC after login, a world-writable login folder. Facts come from `RemoteFileSystem.loginFacts`;
 * the rules are the `stage: 'login'` rows of ruleTable.ts, their detectors in rules/loginDetectors.ts
 * (a probe rule with a login form there, e.g. PROT C accepted after login, is judged here too).
 */
import type { AuditTarget, LoginAuditReport, LoginFacts, ProductId } from './types';
import { serverOrigin } from '../profiles/serverAddress';
import { DEFAULT_PORTS, type Profile } from '../profiles/types';
import { effectivePolicy, type EffectivePolicy, type Policy } from '../policy';
import type { RemoteFileSystem } from '../session/remoteFileSystem';
import { findingOf, sortFindings } from './rules/evaluate';
import { LOGIN_DETECTORS } from './rules/loginDetectors';
import { RULES } from './rules/ruleTable';
import { printable } from './report/escape';

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

/**
 * Whether a login is expected to take a second factor: the profile plans one (mfa totp or prompt) or
 * the policy requires one (policy.requireMfa; connect() refuses a profile without mfa under it).
 */
export function expectsMfa(profile: Pick<Profile, 'mfa'>, policy?: Policy | EffectivePolicy): boolean {
  return (profile.mfa ?? 'none') !== 'none' || (policy !== undefined && effectivePolicy(policy).requireMfa);
}

export interface SessionLoginAudit {
  /** The profile the session was opened for (its mfa, remotePath; protocol, host and port name the server). */
  profile: Pick<Profile, 'protocol' | 'host' | 'port' | 'mfa' | 'remotePath'>;
  policy?: Policy | EffectivePolicy;
  product?: ProductId;
  /** The folder the user starts in, when not the profile's remotePath (a test's folder). */
  startFolder?: string;
  /** Run the checks a server may answer by ending the session (LoginFactsOptions.mayEndSession): Test Connection only. */
  mayEndSession?: boolean;
  signal?: AbortSignal;
}

/**
 * The login stage on an open session: its facts (one read-only look, no extra login) judged by
 * auditLogin. Undefined for a session that cannot tell (no loginFacts). Rejects only when the session
 * fails outright: callers run it in the background and log a failure, never show it as a connect error.
 */
export async function auditSessionLogin(rfs: Pick<RemoteFileSystem, 'loginFacts'>, opts: SessionLoginAudit): Promise<LoginAuditReport | undefined> {
  if (!rfs.loginFacts) return undefined;
  const startFolder = opts.startFolder ?? opts.profile.remotePath;
  const facts = await rfs.loginFacts({ ...(opts.signal ? { signal: opts.signal } : {}), ...(startFolder ? { startFolder } : {}), ...(opts.mayEndSession ? { mayEndSession: true } : {}) });
  const { protocol, host } = opts.profile;
  return auditLogin(facts, {
    target: { protocol, host, port: opts.profile.port ?? DEFAULT_PORTS[protocol] },
    expectMfa: expectsMfa(opts.profile, opts.policy),
    ...(opts.product ? { product: opts.product } : {}),
  });
}

/** The activity log's one sentence for a login audit: how many findings, and which (ids and severities). */
export function loginActivityDetail(report: LoginAuditReport): string {
  if (report.findings.length === 0) return 'after login: no findings';
  const named = report.findings.map((f) => `${f.id} (${f.severity})`).join(', ');
  return `after login: ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}: ${named}`;
}

/**
 * Test Connection's lines after its steps (CLI and extension): a heading and one line per finding
 * (severity, title, evidence, fix), server text made printable; none at all when nothing was found.
 */
export function loginFindingLines(report: LoginAuditReport): string[] {
  const n = report.findings.length;
  if (n === 0) return [];
  return [`Seen after logging in (${n} finding${n === 1 ? '' : 's'}):`, ...report.findings.map((f) => `  ${f.severity.toUpperCase()} ${printable(f.title)}: ${printable(f.evidence)} Fix: ${printable(f.remediation)}`)];
}
