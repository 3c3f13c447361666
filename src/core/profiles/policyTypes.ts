/**
 * The policy as written: `policy` in .vscode/secure-transfer.json and `secureTransfer.policy` in user
 * settings. Its shape is part of the profile file (schemas/profile.schema.json
 * `#/definitions/policy`; keep in step), so it lives with the profiles, which validate it; merging
 * and applying it is core/policy, the layer above (which re-exports these types).
 */

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** One source's policy, as written. */
export interface Policy {
  allowedHosts?: string[];
  minTlsVersion?: TlsVersion;
  requireMfa?: boolean;
  allowPasswordAuth?: boolean;
  forbiddenAlgorithms?: string[];
  blockOnSeverity?: Severity;
}
