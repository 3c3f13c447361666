/** Combining the workspace's and the user's policy: for every rule the stricter of the two wins. */
import {
  DEFAULT_BLOCK_ON_SEVERITY,
  SEVERITIES,
  TLS_VERSIONS,
  type EffectivePolicy,
  type Policy,
  type Severity,
  type TlsVersion,
} from './types';

type AnyPolicy = Policy | EffectivePolicy | undefined;

export function isEffectivePolicy(p: AnyPolicy): p is EffectivePolicy {
  return p !== undefined && (p as EffectivePolicy).merged === true;
}

/** One source's policy with the defaults filled in (no restriction where it says nothing). */
export function effectivePolicy(p: AnyPolicy): EffectivePolicy {
  if (isEffectivePolicy(p)) return p;
  return {
    merged: true,
    allowedHosts: p?.allowedHosts ? [[...p.allowedHosts]] : [],
    minTlsVersion: p?.minTlsVersion,
    requireMfa: p?.requireMfa ?? false,
    allowPasswordAuth: p?.allowPasswordAuth ?? true,
    forbiddenAlgorithms: [...(p?.forbiddenAlgorithms ?? [])],
    blockOnSeverity: p?.blockOnSeverity ?? DEFAULT_BLOCK_ON_SEVERITY,
  };
}

function stricterTls(a?: TlsVersion, b?: TlsVersion): TlsVersion | undefined {
  if (!a || !b) return a ?? b;
  return TLS_VERSIONS.indexOf(a) >= TLS_VERSIONS.indexOf(b) ? a : b;
}

/** The lower threshold blocks more findings, so it is the stricter one. */
function stricterThreshold(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;
}

/**
 * allowedHosts intersect (a host must pass both lists), minTlsVersion takes the higher, requireMfa
 * ORs, allowPasswordAuth ANDs, forbiddenAlgorithms unite, blockOnSeverity takes the lower threshold.
 */
export function mergePolicies(workspace: AnyPolicy, user: AnyPolicy): EffectivePolicy {
  const w = effectivePolicy(workspace);
  const u = effectivePolicy(user);
  return {
    merged: true,
    allowedHosts: [...w.allowedHosts, ...u.allowedHosts],
    minTlsVersion: stricterTls(w.minTlsVersion, u.minTlsVersion),
    requireMfa: w.requireMfa || u.requireMfa,
    allowPasswordAuth: w.allowPasswordAuth && u.allowPasswordAuth,
    forbiddenAlgorithms: [...new Set([...w.forbiddenAlgorithms, ...u.forbiddenAlgorithms])],
    blockOnSeverity: stricterThreshold(w.blockOnSeverity, u.blockOnSeverity),
  };
}
