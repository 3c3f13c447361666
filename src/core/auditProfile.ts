/**
 * A profile's audit: the server it really reaches (ssh config applied: HostName, Port, User) and the
 * route the probes take (the profile's or the environment's proxy, the user's ProxyCommand), as
 * connect() would go — read-only probes, no credentials. Fleet audits (`audit --all`, `audit
 * profile:NAME`), the extension's background audit and its Security Report use it, so an ssh-config
 * alias is probed at its real address, never at the alias as written.
 *
 * Jump hosts: reaching a target behind a bastion means logging in to the bastion, and an audit never
 * logs in anywhere. So such a target is NOT probed: auditProfile throws one sentence saying so (an
 * error entry of a fleet report, a warning of the background audit), naming the first jump host,
 * which can be audited on its own since it is reached without credentials (`firstHopRoute`: a fleet
 * audit adds it as an entry of its own). Probing the target's name directly instead would audit whatever that name means
 * from here — often nothing, sometimes a different machine — and call it the profile's server.
 *
 * (Layer 9, above connect.ts, whose resolveServer, proxyCommandDial and knownHostsFilesFor it reuses.)
 */
import { lookup } from 'node:dns/promises';
import { auditServer, knownHostsIdentities, knownIdentities, type AuditOptions } from './audit/auditServer';
import type { ActivityLog } from './audit/activityLog';
import type { AuditReport, AuditTarget, KnownIdentity, ProbeDial } from './audit/types';
import { knownHostsFilesFor, proxyCommandDial, resolveServer } from './connect';
import { SecureTransferError } from './errors';
import { silentLogger, type Logger } from './log';
import { checkHostAllowed, PolicyViolation, type EffectivePolicy, type Policy } from './policy';
import { hostPort, serverOrigin } from './profiles/serverAddress';
import type { Profile, ServerAddress } from './profiles/types';
import { planRoute, type PlannedHop } from './session/routePlan';
import { proxyFor } from './session/proxy';
import type { SshConfigOptions, SshHostConfig } from './sshconfig/types';
import { localUserName } from './sshconfig/localUser';
import type { TrustStore } from './trust/trustStore';

export interface AuditProfileContext {
  trustStore: TrustStore;
  sshConfig?: SshConfigOptions;
  /** Where ALL_PROXY / HTTPS_PROXY / NO_PROXY are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** OpenSSH known_hosts files to consult (default ~/.ssh/known_hosts{,2}, plus the config's UserKnownHostsFile). */
  knownHostsFiles?: string[];
  /** Extra pins on top of the profile's. */
  pinned?: string[];
  /** The profile file's policy: an audit connects too, so policy.allowedHosts must allow the server. */
  policy?: Policy | EffectivePolicy;
  /** Records that a ProxyCommand ran for the probes (as connect() does). */
  activity?: ActivityLog;
  log?: Logger;
  options?: Omit<AuditOptions, 'known' | 'dial' | 'proxy'>;
}

/** Where a profile's audit goes and how. */
export interface ProfileAuditRoute {
  /** The profile with the ssh config applied. */
  profile: Profile;
  /** What is probed: the real address. */
  target: AuditTarget;
  /** `sftp://host:port` of the real address: the report's `server`. */
  server: string;
  /** Where the trust store and known_hosts know its identity (HostKeyAlias when the config names one). */
  trust: { host: string; port: number };
  /** Jump hosts on the way (then the target is not probed: see the file comment). */
  hops: PlannedHop[];
  /** The user's ProxyCommand for the first server of the route. */
  proxyCommand?: string;
  /** The proxy URL the probes go through (none with a ProxyCommand). */
  proxy?: string;
  known: () => Promise<KnownIdentity[]>;
}

/** The target behind jump hosts was not probed (an audit never logs in to a bastion). */
export class TargetBehindJumpHost extends SecureTransferError<'audit-behind-jump-host'> {
  constructor(
    readonly server: string,
    /** The first jump host: reached without credentials, so it can be audited on its own. */
    readonly firstHop: ServerAddress,
    message: string,
  ) {
    super(message, 'failure', 'audit-behind-jump-host');
    this.name = 'TargetBehindJumpHost';
  }
}

/** The audit's target and route for a profile, without sending anything. */
export async function profileAuditRoute(profile: Profile, ctx: AuditProfileContext): Promise<ProfileAuditRoute> {
  const localUser = () => ctx.sshConfig?.localUser ?? localUserName();
  const resolved = await resolveServer(profile, ctx.sshConfig, localUser);
  for (const w of resolved.sshHost?.warnings ?? []) (ctx.log ?? silentLogger).warn(w);
  const p = resolved.profile;
  const target: AuditTarget = { protocol: p.protocol, host: p.host, port: p.port, username: p.username };
  const plan = resolved.sshHost ? await planRoute(p, resolved.sshHost, { sshConfig: ctx.sshConfig, localUser: localUser() }) : { hops: [], source: 'none' as const };
  const hops = plan.hops;
  const proxyCommand = plan.proxyCommand;
  const first = hops[0]?.server ?? target;
  // The first server of the route through the profile's (or the environment's) proxy, as connect() goes;
  // a ProxyCommand already is the way out.
  const proxy = proxyCommand ? undefined : proxyFor({ host: first.host, port: first.port }, p.proxy, ctx.env ?? process.env);
  const pins = [...(p.fingerprints ?? []), ...(ctx.pinned ?? [])];
  const known = () => knownIdentitiesFor(ctx, target, resolved.trust, pins, resolved.sshHost);
  return { profile: p, target, server: serverOrigin(target), trust: resolved.trust, hops, ...(proxyCommand ? { proxyCommand } : {}), ...(proxy ? { proxy } : {}), known };
}

/** Pins, the trust store (under the server's trust name: HostKeyAlias) and, for SFTP, known_hosts. */
async function knownIdentitiesFor(ctx: AuditProfileContext, target: AuditTarget, trust: { host: string; port: number }, pins: string[], sshHost?: SshHostConfig): Promise<KnownIdentity[]> {
  const fromStore = knownIdentities({ ...target, host: trust.host, port: trust.port }, await ctx.trustStore.all(), pins);
  if (target.protocol !== 'sftp') return fromStore;
  return [...fromStore, ...(await knownHostsIdentities(await knownHostsFilesFor(ctx, sshHost), trust.host, trust.port))];
}

/**
 * The first jump host's own audit route: unlike the target, it is reached without credentials
 * (directly, through the proxy or through the ProxyCommand, as connect() reaches it), so a fleet audit
 * probes it in the target's place. Its identities: the trust store and known_hosts (the profile's
 * pins are the target's). Undefined when the profile has no jump host.
 */
export function firstHopRoute(route: ProfileAuditRoute, ctx: AuditProfileContext): ProfileAuditRoute | undefined {
  const hop = route.hops[0];
  if (!hop) return undefined;
  const target: AuditTarget = { protocol: 'sftp', host: hop.server.host, port: hop.server.port, username: hop.server.username };
  const alias = hop.sshConfig.hostKeyAlias;
  const trust = alias ? { host: alias, port: 22 } : { host: target.host, port: target.port };
  return {
    profile: { name: `jump host of ${route.profile.name}`, protocol: 'sftp', host: target.host, port: target.port, username: hop.server.username },
    target,
    server: serverOrigin(target),
    trust,
    hops: [],
    ...(route.proxyCommand ? { proxyCommand: route.proxyCommand } : {}),
    ...(route.proxy ? { proxy: route.proxy } : {}),
    known: () => knownIdentitiesFor(ctx, target, trust, [], hop.sshConfig),
  };
}

/** The sentence for a target behind jump hosts (one sentence: what, why, what to do instead). */
export function behindJumpHostText(route: Pick<ProfileAuditRoute, 'server' | 'hops' | 'target'>): string {
  const hop = route.hops[0];
  const more = route.hops.length > 1 ? ` (and ${route.hops.length - 1} more jump host${route.hops.length > 2 ? 's' : ''})` : '';
  return `${route.server} was not probed: it is reached through ${hop.label}${more}, and probing it there would need a login to the jump host, which an audit never does; audit the jump host itself (secure-transfer audit ${serverOrigin(hop.server)}) or run the audit from a machine that reaches ${hostPort(route.target)} directly.`;
}

export async function auditProfile(profile: Profile, ctx: AuditProfileContext): Promise<AuditReport> {
  return auditRoute(await profileAuditRoute(profile, ctx), ctx);
}

/** Audits a route worked out by profileAuditRoute (the fleet audit works every route out first). */
export async function auditRoute(route: ProfileAuditRoute, ctx: AuditProfileContext): Promise<AuditReport> {
  if (route.hops.length) throw new TargetBehindJumpHost(route.server, route.hops[0].server, behindJumpHostText(route));
  if (ctx.policy) {
    // An audit connects too: the server (and a proxy it goes through is the proxy's own business,
    // checked when connecting) must be one the profile file's policy allows.
    const ips = (await lookup(route.target.host, { all: true }).catch(() => [])).map((a) => a.address);
    const violation = checkHostAllowed(route.target.host, ips, ctx.policy);
    if (violation) throw new PolicyViolation('policy.allowedHosts', `Not audited: ${violation.message}`);
  }
  const log = ctx.log ?? silentLogger;
  let dial: ProbeDial | undefined;
  if (route.proxyCommand) {
    // (Only SFTP profiles have a route from the ssh config.)
    const p = route.profile;
    dial = await proxyCommandDial(route.proxyCommand, { protocol: p.protocol, host: p.host, port: p.port, username: p.username }, ctx, log);
  }
  return auditServer(route.target, { ...ctx.options, known: await route.known(), ...(dial ? { dial } : route.proxy ? { proxy: route.proxy } : {}) });
}
