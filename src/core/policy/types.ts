/**
 * The team policy: `policy` in .vscode/secure-transfer.json and `secureTransfer.policy` in user
 * settings. Its written shape (`Policy`) is part of the profile file and lives in
 * core/profiles/policyTypes.ts, below this layer; here: merged policies, rules and refusals.
 */
import { SecurityRefusal } from '../errors';
import type { Severity, TlsVersion } from '../profiles/policyTypes';

export type { Policy, Severity, TlsVersion } from '../profiles/policyTypes';

/** Most severe first; a finding blocks when it is at least as severe as `blockOnSeverity`. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];
export const DEFAULT_BLOCK_ON_SEVERITY: Severity = 'critical';

/** Several sources merged (see mergePolicies): the stricter value of every rule, defaults filled in. */
export interface EffectivePolicy {
  readonly merged: true;
  /** One list per source; a host must be allowed by EVERY list (their intersection). Empty: any host. */
  allowedHosts: string[][];
  minTlsVersion?: TlsVersion;
  requireMfa: boolean;
  allowPasswordAuth: boolean;
  forbiddenAlgorithms: string[];
  blockOnSeverity: Severity;
}

export type PolicyRule =
  | 'policy.allowedHosts'
  | 'policy.minTlsVersion'
  | 'policy.requireMfa'
  | 'policy.allowPasswordAuth'
  | 'policy.forbiddenAlgorithms'
  | 'policy.blockOnSeverity';

/** A connection the policy forbids (exit 3). The message names the rule and the fix. */
export class PolicyViolation extends SecurityRefusal<'policy-violation'> {
  constructor(
    readonly rule: PolicyRule,
    message: string,
  ) {
    super(message, 'policy-violation', { details: { rule } });
    this.name = 'PolicyViolation';
  }
}
