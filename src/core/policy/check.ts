/** Checking a profile or a connection against a policy. Pure: DNS answers are passed in. */
import type { Profile } from '../profiles/types';
import { effectivePolicy } from './merge';
import { cidrContains, hostGlobMatches, isHostGlob, normalizeHostName, parseCidr, parseIp } from '../syntax/host';
import { PolicyViolation, SEVERITIES, TLS_VERSIONS, type EffectivePolicy, type Policy, type Severity, type TlsVersion } from './types';

type AnyPolicy = Policy | EffectivePolicy | undefined;
type Verdict = 'allowed' | 'denied' | 'undecided';

function listVerdict(list: readonly string[], host: string, resolvedIps: readonly string[] | undefined): Verdict {
  const ranges = list.map(parseCidr).filter((r) => r !== undefined);
  const literal = parseIp(host);
  if (literal) return ranges.some((r) => cidrContains(r, literal)) ? 'allowed' : 'denied';
  const name = normalizeHostName(host);
  const byName = list.some((entry) => (isHostGlob(entry) ? hostGlobMatches(entry, name) : normalizeHostName(entry) === name));
  if (byName) return 'allowed';
  if (ranges.length === 0) return 'denied';
  // A name that only a CIDR range could allow is decided by where it resolves, every address of it.
  if (resolvedIps === undefined) return 'undecided';
  const ips = resolvedIps.map(parseIp);
  const inside = ips.length > 0 && ips.every((ip) => ip !== undefined && ranges.some((r) => cidrContains(r, ip)));
  return inside ? 'allowed' : 'denied';
}

function shortList(list: readonly string[]): string {
  return list.length <= 6 ? list.join(', ') : `${list.slice(0, 6).join(', ')}, … (${list.length} entries)`;
}

function hostViolation(host: string, resolvedIps: readonly string[] | undefined, policy: AnyPolicy): PolicyViolation | undefined {
  for (const list of effectivePolicy(policy).allowedHosts) {
    if (listVerdict(list, host, resolvedIps) !== 'denied') continue;
    const where = resolvedIps && resolvedIps.length > 0 && !parseIp(host) ? ` (resolving to ${resolvedIps.join(', ')})` : '';
    return new PolicyViolation(
      'policy.allowedHosts',
      `Connecting to ${host}${where} is refused by policy.allowedHosts (allowed: ${shortList(list)}): connect to an allowed host, or have the policy's owner add this one.`,
    );
  }
  return undefined;
}

/**
 * Whether `host` may be connected to. `resolvedIps` are the addresses the connection will use: a name
 * allowed only through a CIDR range must resolve entirely inside it. Returns the violation, if any.
 */
export function checkHostAllowed(host: string, resolvedIps: readonly string[], policy: AnyPolicy): PolicyViolation | undefined {
  return hostViolation(host, resolvedIps, policy);
}

const TLS_PROTOCOLS: ReadonlySet<string> = new Set(['ftpes', 'ftps']);

/** The TLS floor a connection must use: the higher of the profile's and the policy's (never below 1.2). */
export function effectiveMinTlsVersion(profile: Pick<Profile, 'minTlsVersion'>, policy: AnyPolicy): TlsVersion {
  const wanted = [profile.minTlsVersion ?? 'TLSv1.2', effectivePolicy(policy).minTlsVersion ?? 'TLSv1.2'];
  return wanted.reduce((a, b) => (TLS_VERSIONS.indexOf(a) >= TLS_VERSIONS.indexOf(b) ? a : b));
}

type ProfileRuleCheck = (profile: Profile, policy: EffectivePolicy) => PolicyViolation | undefined;

/** One entry per rule a profile can break before any connection is made. */
const PROFILE_RULES: readonly ProfileRuleCheck[] = [
  (profile, policy) =>
    policy.requireMfa && (profile.mfa ?? 'none') === 'none'
      ? new PolicyViolation(
          'policy.requireMfa',
          `Profile "${profile.name}" has no second factor but policy.requireMfa is on: set "mfa" to "totp" or "prompt" in the profile.`,
        )
      : undefined,
  (profile, policy) => {
    if (policy.allowPasswordAuth) return undefined;
    if (TLS_PROTOCOLS.has(profile.protocol)) {
      return new PolicyViolation(
        'policy.allowPasswordAuth',
        `Profile "${profile.name}" uses ${profile.protocol}, which logs in with a password, but policy.allowPasswordAuth is false: use an sftp profile with "identityFile" or "agent".`,
      );
    }
    return profile.identityFile || profile.agent
      ? undefined
      : new PolicyViolation(
          'policy.allowPasswordAuth',
          `Profile "${profile.name}" would log in with a password but policy.allowPasswordAuth is false: set "identityFile" or "agent" in the profile.`,
        );
  },
  (profile, policy) => {
    const floor = policy.minTlsVersion;
    if (!floor || !TLS_PROTOCOLS.has(profile.protocol) || !profile.minTlsVersion) return undefined;
    return TLS_VERSIONS.indexOf(profile.minTlsVersion) < TLS_VERSIONS.indexOf(floor)
      ? new PolicyViolation(
          'policy.minTlsVersion',
          `Profile "${profile.name}" accepts ${profile.minTlsVersion}, below policy.minTlsVersion ${floor}: set "minTlsVersion" to "${floor}" or remove it.`,
        )
      : undefined;
  },
];

/**
 * Every rule the profile breaks. Without `resolvedIps`, a host name that only a CIDR range could
 * allow is not judged yet: call checkHostAllowed with the resolved addresses before connecting.
 */
export function checkProfileAgainstPolicy(profile: Profile, policy: AnyPolicy, resolvedIps?: readonly string[]): PolicyViolation[] {
  const p = effectivePolicy(policy);
  const hostProblem = hostViolation(profile.host, resolvedIps, p);
  const ruleProblems = PROFILE_RULES.map((rule) => rule(profile, p)).filter((v) => v !== undefined);
  return hostProblem ? [hostProblem, ...ruleProblems] : ruleProblems;
}

/** Throws the first violation (a SecurityRefusal, exit 3). */
export function enforcePolicy(profile: Profile, policy: AnyPolicy, resolvedIps?: readonly string[]): void {
  const [first] = checkProfileAgainstPolicy(profile, policy, resolvedIps);
  if (first) throw first;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp('^' + glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$', 'i');
}

/** The policy entry forbidding this SSH/TLS algorithm name (globs allowed), or undefined. */
export function forbiddenAlgorithmEntry(algorithm: string, policy: AnyPolicy): string | undefined {
  return effectivePolicy(policy).forbiddenAlgorithms.find((entry) => globToRegExp(entry).test(algorithm));
}

/** Whether a finding of this severity blocks the connection under the policy. */
export function blocksAtSeverity(severity: Severity, policy: AnyPolicy): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(effectivePolicy(policy).blockOnSeverity);
}
