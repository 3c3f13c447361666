/**
 * The one way to open a session: profile → policy → trust → session. The extension and the CLI both
 * call this. Transports (and the audit probes) are imported lazily so that activation and `--help`
 * don't pay for ssh2.
 */
import { lookup } from 'node:dns/promises';
import { serverText } from './displayText';
import type { Profile, ServerAddress } from './profiles/types';
import { hostPort, serverLabel, serverOrigin, serverUrl } from './profiles/serverAddress';
import type { Duplex } from 'node:stream';
import type { RemoteFileSystem } from './session/remoteFileSystem';
import type { CredentialProvider } from './session/credentials';
import type { TrustDecider } from './trust/types';
import type { TrustStore } from './trust/trustStore';
import { silentLogger, type Logger } from './log';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT } from './profiles/defaults';
import { describeError, hasErrorCode, SecureTransferError, SecurityRefusal, UsageError } from './errors';
import { noCommonAlgorithmText } from './session/sftpErrors';
import { CA_FILE, checkBoundedFile, expandHome, IDENTITY_FILE, KNOWN_HOSTS_FILE } from './fsutil';
import { blocksAtSeverity, checkHostAllowed, effectivePolicy, effectiveMinTlsVersion, enforcePolicy, forbiddenAlgorithmEntry, PolicyViolation, type EffectivePolicy, type Policy } from './policy';
import type { ActivityLog } from './audit/activityLog';
import type { AuditReport, LoginAuditReport, ProbeDial } from './audit/types';
import type { SshConfigOptions, SshHostConfig } from './sshconfig/types';
import { localUserName } from './sshconfig/localUser';
import { defaultKnownHostsFiles } from './trust/knownHosts';
import type { RoutePlan } from './session/routePlan';
import type { BeforeNextHop, SshRoute } from './session/sshRoute';
import { proxyDisplay, proxyFor } from './session/proxy';
import { parseProxyUrl } from './syntax/proxyUrl';

/** One step of opening a connection, told as it happens (Test Connection prints them, one line each). */
export interface ConnectStep {
  /** What the step was about: the config, the policy, a jump host, the target. */
  phase: 'config' | 'policy' | 'route' | 'hop' | 'target';
  ok: boolean;
  /** One sentence. */
  text: string;
}

export interface ConnectContext {
  credentials: CredentialProvider;
  trustStore: TrustStore;
  /** Asked about identities nobody vouches for; `refuseUnknown` when non-interactive. */
  decide: TrustDecider;
  /** Extra pins (CLI --fingerprint) on top of the profile's. */
  pinned?: string[];
  /** OpenSSH known_hosts files to consult (read-only); default ~/.ssh/known_hosts{,2}. */
  knownHostsFiles?: string[];
  /** Checked before any packet is sent to the server; a violation is a SecurityRefusal naming the rule. */
  policy?: Policy | EffectivePolicy;
  /**
   * With a policy, the server is audited (read-only probes, no credentials) before connecting, and a
   * finding at or above `blockOnSeverity` refuses the connection. The report is handed here.
   */
  onAudit?: (report: AuditReport) => void;
  /** Records connects and trust decisions (never secrets). */
  activity?: ActivityLog;
  signal?: AbortSignal;
  log?: Logger;
  /** The user's OpenSSH client config for SFTP servers (default ~/.ssh/config; `{ file: false }`: none). */
  sshConfig?: SshConfigOptions;
  /**
   * Told each step (config resolved, policy checked, each hop reached / verified / logged in, the
   * target verified / logged in) and the step that failed. Test Connection prints these.
   */
  onStep?: (step: ConnectStep) => void;
  /** Where ALL_PROXY / HTTPS_PROXY / NO_PROXY are read (default process.env; the CLI passes its own). */
  env?: NodeJS.ProcessEnv;
}

/** One server to audit under the policy: the target, or a jump host (then named by its label). */
interface AuditSubject {
  server: ServerAddress;
  /** Set for a jump host: "jump host 1 of 2 (bastion:22)"; the refusal and the step name it. */
  hopLabel?: string;
  /** Fingerprints pinned for THIS server (the profile's and --fingerprint's are the target's only). */
  pins: string[];
  /** How the probes reach it (a proxy, a ProxyCommand, the previous hop's channel); default: direct TCP. */
  dial?: ProbeDial;
}

/**
 * Audits one server of the route (read-only probes, no credentials) before anything is sent to it but
 * the probes, and refuses it when a finding is at or above policy.blockOnSeverity. The probes take the
 * session's own way there (`dial`), so no route can bypass the audit. The step says what was found.
 */
async function enforceAuditPolicy(subject: AuditSubject, policy: Policy | EffectivePolicy, ctx: ConnectContext): Promise<void> {
  const { auditServer, knownIdentities } = await import('./audit/auditServer');
  const { server, hopLabel } = subject;
  const target = { protocol: server.protocol, host: server.host, port: server.port, username: server.username };
  const records = await ctx.trustStore.all();
  // No anonymous login here: this audit runs before every connection under a policy (the background
  // audit after connecting, the panel and the CLI check anonymous FTP).
  const report = await auditServer(target, { anonymous: false, known: knownIdentities(target, records, subject.pins), ...(subject.dial ? { dial: subject.dial } : {}) });
  // The caller's record of "the server's audit" is the target's (the extension files it under the profile).
  if (!hopLabel) ctx.onAudit?.(report);
  const threshold = effectivePolicy(policy).blockOnSeverity;
  const blocking = report.findings.filter((f) => blocksAtSeverity(f.severity, policy));
  if (blocking.length > 0) {
    const f = blocking[0];
    throw new PolicyViolation(
      'policy.blockOnSeverity',
      `The policy (policy.blockOnSeverity) refuses ${hopLabel ?? serverOrigin(server)}: the audit found "${f.title}" (${f.severity})${blocking.length > 1 ? ` and ${blocking.length - 1} more` : ''}; fix the server (run \`secure-transfer audit\` for the remediation) or change the policy.`,
    );
  }
  ctx.onStep?.({ phase: hopLabel ? 'hop' : 'target', ok: true, text: `Audited ${hopLabel ?? hostPort(server)}: no finding at or above ${threshold}.` });
}

/**
 * The files the profile and the flags name are checked (regular, under their caps) before a packet is
 * sent: a shared profile saying `identityFile: "/dev/zero"` is refused at once, not after connecting.
 * Each file is checked again, on its own descriptor, when it is really read.
 */
async function checkNamedFiles(profile: Profile, ctx: ConnectContext): Promise<void> {
  if (profile.protocol === 'sftp') {
    if (profile.identityFile) await checkBoundedFile(expandHome(profile.identityFile), IDENTITY_FILE);
    for (const f of ctx.knownHostsFiles ?? []) await checkBoundedFile(f, KNOWN_HOSTS_FILE);
  } else if (profile.caFile) {
    await checkBoundedFile(profile.caFile, CA_FILE);
  }
}

export async function connect(profile: Profile, ctx: ConnectContext): Promise<RemoteFileSystem> {
  const log = ctx.log ?? silentLogger;
  const decide: TrustDecider = async (q) => {
    const answer = await ctx.decide(q);
    await ctx.activity?.append({ server: serverOrigin(profile), action: 'trust-decision', result: answer, fingerprint: q.fingerprint }).catch(() => undefined);
    return answer;
  };
  const step = (phase: ConnectStep['phase'], ok: boolean, text: string) => ctx.onStep?.({ phase, ok, text });
  /** What is being done now: the failing step's line names it. */
  let doing: { phase: ConnectStep['phase']; what: string } = { phase: 'config', what: 'Resolving the server' };
  let plan: RoutePlan | undefined;
  let route: SshRoute | undefined;
  let proxyStream: Duplex | undefined;
  try {
    // profile → the user's ssh config (aliases, keys, hops) → policy → trust → session.
    const sshHost = profile.protocol === 'sftp' ? await resolveSshHostFor(profile, ctx) : undefined;
    // From here on the profile is the RESOLVED server (HostName, Port, User): policy, trust, secrets
    // and the activity log all see the real address, so an alias can't slip past allowedHosts.
    // One local user for the target's default User, the hops' and the config's %u.
    const localUser = (): string => ctx.sshConfig?.localUser ?? localUserName();
    if (sshHost) profile = withSshConfig(profile, sshHost, localUser);
    await checkNamedFiles(profile, ctx);
    step('config', true, `Resolved ${serverLabel(profile)} (${sshHost?.matched ? `from your ssh config's entry for ${sshHost.host}` : 'as written in the profile or URL'}).`);
    if (profile.protocol === 'sftp') {
      doing = { phase: 'route', what: 'Planning the route' };
      const { planRoute } = await import('./session/routePlan');
      plan = await planRoute(profile, sshHost!, { sshConfig: ctx.sshConfig, localUser: localUser() });
      if (plan.hops.length || plan.proxyCommand) step('route', true, routeText(plan, profile));
    }
    // The first hop through the profile's (or the environment's) SOCKS/HTTP proxy, as a direct target
    // would be; a ProxyCommand already is the way out, so no proxy is added to it.
    const firstHop = plan?.hops[0]?.server;
    const env = ctx.env ?? process.env;
    const hopProxyUrl = firstHop && !plan?.proxyCommand ? proxyFor({ host: firstHop.host, port: firstHop.port }, profile.proxy, env) : undefined;
    // With neither hops nor a ProxyCommand, the target itself is reached through the proxy (SFTP and FTPS).
    const proxy = !plan?.hops.length && !plan?.proxyCommand ? proxyFor({ host: profile.host, port: profile.port }, profile.proxy, env) : undefined;
    if (ctx.policy) {
      doing = { phase: 'policy', what: 'Checking the policy' };
      // Judge the addresses the connection will really use, so a name can't slip past a CIDR rule.
      // Through a proxy that resolves names itself (socks5h, http) this is still the local answer: a
      // name only a CIDR rule allows must resolve here, inside the range (see docs/proxies.md).
      const ips = (await lookup(profile.host, { all: true }).catch(() => [])).map((a) => a.address);
      enforcePolicy(profile, ctx.policy, ips);
      // Every hop before the first packet to ANY of them: its name resolved the same way (ssh config, then DNS).
      for (const hop of plan?.hops ?? []) {
        const hopIps = (await lookup(hop.server.host, { all: true }).catch(() => [])).map((a) => a.address);
        const violation = checkHostAllowed(hop.server.host, hopIps, ctx.policy);
        if (violation) throw new PolicyViolation('policy.allowedHosts', `${capitalized(hop.label)}: ${violation.message}`);
      }
      if (proxy ?? hopProxyUrl) await enforceProxyPolicy((proxy ?? hopProxyUrl)!, ctx.policy);
      profile = { ...profile, minTlsVersion: effectiveMinTlsVersion(profile, ctx.policy) };
      step('policy', true, `The policy allows ${plan?.hops.length ? `every hop and ${hostPort(profile)}` : hostPort(profile)}.`);
    }
    const server: ServerAddress = { protocol: profile.protocol, host: profile.host, port: profile.port, username: profile.username };
    if (ctx.policy) {
      // Every server of the route is audited before it is sent anything but the probes, the probes
      // taking the session's own way: the first server (the first hop, or the target when there are
      // no hops) here — directly, through the proxy or through the ProxyCommand; each next one through
      // the previous hop's channel, once that hop is verified and logged in (openRoute).
      const first = plan?.hops[0];
      doing = { phase: first ? 'hop' : 'target', what: `Auditing ${first ? first.label : hostPort(profile)}` };
      const dial = plan?.proxyCommand ? await proxyCommandDial(plan.proxyCommand, first?.server ?? server, ctx, log) : (proxy ?? hopProxyUrl) ? await proxyDial((proxy ?? hopProxyUrl)!) : undefined;
      await enforceAuditPolicy(first ? { server: first.server, hopLabel: first.label, pins: [], dial } : { server, pins: [...(profile.fingerprints ?? []), ...(ctx.pinned ?? [])], dial }, ctx.policy, ctx);
    }
    const tctx = { ...ctx, decide };
    // StrictHostKeyChecking yes (the target's own entry) only for the target; each hop follows its own entry.
    const targetCtx = sshHost?.strictHostKeyChecking === 'yes' ? { ...tctx, decide: strictDecider(sshHost) } : tctx;
    let sock: Duplex | undefined;
    if (plan && (plan.hops.length || plan.proxyCommand)) {
      const first = plan.hops[0]?.server ?? server;
      if (plan.proxyCommand) {
        doing = { phase: plan.hops.length ? 'hop' : 'target', what: `Starting the ProxyCommand for ${hostPort(first)}` };
        sock = proxyStream = await startProxyCommand(plan.proxyCommand, first, ctx, log);
        step(doing.phase, true, `Started the ProxyCommand from your ssh config for ${hostPort(first)}.`);
      } else if (hopProxyUrl) {
        const { openProxiedStream } = await import('./session/proxy');
        doing = { phase: 'hop', what: `Reaching ${plan.hops[0].label} through the proxy` };
        sock = proxyStream = await openProxiedStream(hopProxyUrl, { host: first.host, port: first.port }, { signal: ctx.signal, timeoutMs: (profile.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT) * 1000 });
        step('hop', true, `Reached ${hostPort(first)} through the proxy.`);
      }
      if (plan.hops.length) {
        route = await openRoute(plan, profile, server, tctx, log, sock, (d) => (doing = d), step, ctx.policy && auditThroughHop(plan, profile, server, ctx.policy, ctx, (d) => (doing = d)));
        sock = route.sock;
      } else if (sock) {
        // The target straight through the command: closing the session kills it; its exit is the reason.
        const command = sock as Duplex & { exitText(): string | undefined };
        route = {
          sock,
          hops: [],
          close: () => command.destroy(),
          lostReason: () => {
            const why = command.exitText();
            return why ? new SecureTransferError(`The connection to ${hostPort(profile)} was lost because ${why}.`, 'failure', 'connection-closed') : undefined;
          },
        };
      }
    }
    doing = { phase: 'target', what: `Connecting to ${hostPort(profile)}` };
    const rfs = await openTransport(profile, server, targetCtx, log, sshHost, sock, route, proxy, {
      onHostKey: (k) => {
        step('target', true, `${hostPort(profile)}: identity verified (${HOST_KEY_SOURCE_TEXT[k.source]}: ${k.keyType} ${k.fingerprint}).`);
        doing = { phase: 'target', what: `Logging in to ${serverLabel(profile)}` };
      },
      onLoggedIn: () => step('target', true, `Logged in to ${serverLabel(profile)}.`),
    });
    await ctx.activity?.append({ server: serverOrigin(profile), action: 'connect', result: 'ok', fingerprint: (rfs as { hostKey?: { fingerprint?: string } }).hostKey?.fingerprint, ...(route ? { detail: route.hops.length ? `through ${route.hops.map((h) => hostPort(h.server)).join(', ')}` : 'through the ProxyCommand from your ssh config' } : {}) }).catch(() => undefined);
    return rfs;
  } catch (err) {
    route?.close();
    if (!route) proxyStream?.destroy();
    step(doing.phase, false, `${doing.what} failed: ${describeError(err)}`);
    const result = err instanceof SecureTransferError && err.kind === 'security' ? 'refused' : 'failed';
    await ctx.activity?.append({ server: serverOrigin(profile), action: 'connect', result, detail: describeError(err) }).catch(() => undefined);
    throw err;
  }
}

/** How a verified host key was vouched for, in words (Test Connection). */
const HOST_KEY_SOURCE_TEXT: Readonly<Record<string, string>> = {
  pinned: 'a pinned fingerprint',
  known_hosts: 'your known_hosts',
  'trust-store': 'the Secure Transfer trust store',
  'user-once': 'you accepted it for this connection',
  'user-remember': 'you accepted and remembered it',
};

function sshConfigFile(ctx: ConnectContext): string | undefined {
  return typeof ctx.sshConfig?.file === 'string' ? ctx.sshConfig.file : undefined;
}

function capitalized(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}


function routeText(plan: RoutePlan, profile: Profile): string {
  const via = plan.hops.map((h) => serverLabel(h.server));
  const from = plan.source === 'ssh-config' ? " (ProxyJump from your ssh config)" : plan.source === 'profile' ? ' (the profile\'s or --jump\'s hops)' : '';
  return `Route: ${[...(plan.proxyCommand ? ['ProxyCommand'] : []), ...via, serverLabel(profile)].join(' → ')}${from}.`;
}

/**
 * How many probe connections a routed audit keeps open at once. A ProxyCommand is spawned once per
 * probe connection (often `ssh -W`, i.e. one more login to a bastion each), and a jump host opens one
 * TCP connection per channel: two at a time keeps the route calm and the audit quick. The SSH probe
 * opens 1 + one per host-key type offered, at most 7 in all (sshProbe.ts HOST_KEY_FAMILIES).
 */
const ROUTED_PROBE_CONCURRENCY = 2;

/** The audit's probes through the proxy (the session's own choice), one tunnel per probe connection. */
async function proxyDial(proxyUrl: string): Promise<ProbeDial> {
  const [{ proxiedDialer }, { DEFAULT_PROBE_TIMEOUT_MS }] = await Promise.all([import('./session/proxy'), import('./audit/auditServer')]);
  return proxiedDialer(proxyUrl, { timeoutMs: DEFAULT_PROBE_TIMEOUT_MS });
}

/**
 * The audit's probes through the user's ProxyCommand: the command carries one connection, so it is
 * spawned again for each probe connection (at most ROUTED_PROBE_CONCURRENCY at once), and the
 * activity log records once that it ran for the audit. The command connects where the config says
 * (its tokens were expanded for `first`), whatever host the probe names.
 */
export async function proxyCommandDial(command: string, first: ServerAddress, ctx: Pick<ConnectContext, 'activity'>, log: Logger): Promise<ProbeDial> {
  const [{ checkProxyCommandPlatform, spawnProxyCommand, proxyCommandText }, { boundedDial }] = await Promise.all([import('./session/proxyCommand'), import('./audit/auditServer')]);
  checkProxyCommandPlatform(); // its own sentence, not "could not audit"
  const text = proxyCommandText(command);
  log.info(`Auditing ${hostPort(first)} through the ProxyCommand from your ssh config (once per probe connection): ${text}`);
  await ctx.activity?.append({ server: serverOrigin(first), action: 'connect', result: 'proxy-command', detail: `ProxyCommand from your ssh config, for the audit's probes: ${text}` }).catch(() => undefined);
  return boundedDial(async () => spawnProxyCommand(command, { log }), ROUTED_PROBE_CONCURRENCY);
}

/**
 * The route's hook that audits hop 2…n and the target, each through the previous hop's channels,
 * after that hop is verified and logged in and before the next one gets any credential.
 */
function auditThroughHop(plan: RoutePlan, profile: Profile, target: ServerAddress, policy: Policy | EffectivePolicy, ctx: ConnectContext, setDoing: (d: { phase: ConnectStep['phase']; what: string }) => void): BeforeNextHop {
  return async (index, _next, dial) => {
    const hop = plan.hops[index];
    const via = plan.hops[index - 1].label;
    setDoing({ phase: hop ? 'hop' : 'target', what: `Auditing ${hop ? hop.label : hostPort(target)} through ${via}` });
    const { boundedDial } = await import('./audit/auditServer');
    const routed = boundedDial(dial, ROUTED_PROBE_CONCURRENCY);
    await enforceAuditPolicy(hop ? { server: hop.server, hopLabel: hop.label, pins: [], dial: routed } : { server: target, pins: [...(profile.fingerprints ?? []), ...(ctx.pinned ?? [])], dial: routed }, policy, ctx);
    setDoing(hop ? { phase: 'hop', what: `Reaching ${hop.label} through ${via}` } : { phase: 'target', what: `Reaching ${hostPort(target)} through ${via}` });
  };
}

/** The user's own ProxyCommand (never a profile's: no profile field can hold one), recorded in the activity log. */
async function startProxyCommand(command: string, first: ServerAddress, ctx: ConnectContext, log: Logger): Promise<Duplex> {
  const { spawnProxyCommand, proxyCommandText } = await import('./session/proxyCommand');
  const text = proxyCommandText(command);
  log.info(`Running the ProxyCommand from your ssh config for ${hostPort(first)}: ${text}`);
  await ctx.activity?.append({ server: serverOrigin(first), action: 'connect', result: 'proxy-command', detail: `ProxyCommand from your ssh config: ${text}` }).catch(() => undefined);
  return spawnProxyCommand(command, { log });
}

/**
 * Opens the jump hosts in order. Each hop: its host key verified against known_hosts and the trust
 * store (a prompt names the hop; the profile's and --fingerprint's pins are the TARGET's — one list
 * of pins is the only authority for the server it pins, so applying it to a bastion would refuse the
 * bastion), then its own login through the same CredentialProvider keyed by the hop's address (the
 * keychain holds one password per hop; --password-stdin applies to the target only).
 */
async function openRoute(
  plan: RoutePlan,
  profile: Profile,
  target: ServerAddress,
  ctx: ConnectContext,
  log: Logger,
  firstStream: Duplex | undefined,
  setDoing: (d: { phase: ConnectStep['phase']; what: string }) => void,
  step: (phase: ConnectStep['phase'], ok: boolean, text: string) => void,
  beforeNext?: BeforeNextHop,
): Promise<SshRoute> {
  const { openSshRoute } = await import('./session/sshRoute');
  const connectTimeoutMs = (profile.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT) * 1000;
  // Each hop's algorithms: the policy's filter, narrowed by the hop's own ssh-config entry.
  const hopAlgorithms = await Promise.all(plan.hops.map((h) => sshAlgorithmsFor(profile, ctx.policy, h.sshConfig, sshConfigFile(ctx))));
  const hops = plan.hops.map((h, i) => ({
    server: h.server,
    label: h.label,
    options: {
      ...(hopAlgorithms[i] ? { algorithms: hopAlgorithms[i] } : {}),
      // Under a policy without password logins, a hop is never even offered one.
      credentials: ctx.policy && !effectivePolicy(ctx.policy).allowPasswordAuth ? withoutPasswords(ctx.credentials) : ctx.credentials,
      // --known-hosts first; else the hop's own UserKnownHostsFile (which, as in OpenSSH, replaces the default).
      trust: { pinned: [], knownHostsFiles: ctx.knownHostsFiles ?? (h.sshConfig.userKnownHostsFiles.length ? h.sshConfig.userKnownHostsFiles : undefined), trustStore: ctx.trustStore, decide: h.sshConfig.strictHostKeyChecking === 'yes' ? strictDecider(h.sshConfig) : hopDecider(ctx, h.via, h.server), via: h.via },
      // A hop's key: its own IdentityFile from the ssh config, else the target's (a public key only
      // identifies; OpenSSH users with one key everywhere expect this); the agent as the target's.
      identityFile: h.sshConfig.identityFiles[0] ?? profile.identityFile,
      agent: profile.agent,
      // The hop's own ssh-config entry: its IdentityFiles, IdentitiesOnly, IdentityAgent, algorithms.
      sshConfig: h.sshConfig,
      ...(ctx.env ? { env: ctx.env } : {}),
      connectTimeoutMs,
      signal: ctx.signal,
      log,
      onHostKey: (k: { keyType: string; fingerprint: string; source: string }) => {
        step('hop', true, `${capitalized(h.label)}: identity verified (${HOST_KEY_SOURCE_TEXT[k.source]}: ${k.keyType} ${k.fingerprint}).`);
        setDoing({ phase: 'hop', what: `Logging in to ${h.label} as ${h.server.username}` });
      },
    },
  }));
  setDoing({ phase: 'hop', what: `Reaching ${plan.hops[0].label}` });
  const route = await openSshRoute(hops, target, firstStream, (hop, i) => {
    step('hop', true, `Logged in to ${hop.label} as ${hop.server.username}.`);
    void ctx.activity?.append({ server: serverOrigin(hop.server), action: 'connect', result: 'ok', fingerprint: hop.hostKey.fingerprint, detail: plan.hops[i].via }).catch(() => undefined);
    const next = plan.hops[i + 1];
    setDoing(next ? { phase: 'hop', what: `Reaching ${next.label} through ${hop.label}` } : { phase: 'target', what: `Reaching ${hostPort(target)} through ${hop.label}` });
  }, beforeNext).catch(async (err: unknown) => {
    await ctx.activity?.append({ server: serverOrigin(plan.hops[0].server), action: 'connect', result: err instanceof SecureTransferError && err.kind === 'security' ? 'refused' : 'failed', detail: describeError(err) }).catch(() => undefined);
    throw err;
  });
  return route;
}

/** The provider with password() answering nothing (the other methods delegate, bound: it may be a class). */
function withoutPasswords(c: CredentialProvider): CredentialProvider {
  return {
    password: async () => undefined,
    passphrase: (server, keyFile) => c.passphrase(server, keyFile),
    keyboardInteractive: (server, name, instructions, prompts) => c.keyboardInteractive(server, name, instructions, prompts),
    ...(c.onAuthFailure ? { onAuthFailure: (server: ServerAddress) => c.onAuthFailure!(server) } : {}),
    ...(c.retryKeyboardInteractive ? { retryKeyboardInteractive: (server: ServerAddress) => c.retryKeyboardInteractive!(server) } : {}),
    ...(c.promptKind ? { promptKind: (prompt: string) => c.promptKind!(prompt) } : {}),
  };
}

/** The trust decider for a hop: the activity log records the decision under the hop's own address. */
function hopDecider(ctx: ConnectContext, via: string, hop: ServerAddress): TrustDecider {
  return async (q) => {
    const answer = await ctx.decide({ ...q, via });
    await ctx.activity?.append({ server: serverOrigin(hop), action: 'trust-decision', result: answer, fingerprint: q.fingerprint }).catch(() => undefined);
    return answer;
  };
}

/**
 * The proxy is a host this machine connects to, so policy.allowedHosts must allow it too (a shared
 * profile must not route around the policy through a proxy of its choosing).
 */
async function enforceProxyPolicy(proxy: string, policy: Policy | EffectivePolicy): Promise<void> {
  const parsed = parseProxyUrl(proxy);
  if (typeof parsed === 'string') return; // openProxiedStream says what is wrong with it
  const ips = (await lookup(parsed.host, { all: true }).catch(() => [])).map((a) => a.address);
  if (checkHostAllowed(parsed.host, ips, policy)) {
    throw new PolicyViolation(
      'policy.allowedHosts',
      `Connecting through the proxy ${parsed.display} is refused by policy.allowedHosts, which does not allow the proxy's host: use an allowed proxy, have the policy's owner add it, or connect without it (--proxy none, or "proxy": "none" in the profile).`,
    );
  }
}

/** The ssh config keyword that narrows each ssh2 algorithm kind. */
const SSH_CONFIG_ALGORITHM_KEYS = { kex: ['kexAlgorithms', 'KexAlgorithms'], serverHostKey: ['hostKeyAlgorithms', 'HostKeyAlgorithms'], cipher: ['ciphers', 'Ciphers'], hmac: ['macs', 'MACs'] } as const;

/**
 * Client algorithm lists without policy.forbiddenAlgorithms, narrowed to the ssh config's
 * Ciphers/KexAlgorithms/MACs/HostKeyAlgorithms (in the config's order of preference). The config can
 * only remove: a name it lists that we don't offer (or the policy forbids) is not added.
 * Undefined: neither applies, ssh2's defaults.
 */
async function sshAlgorithmsFor(profile: Profile, policy: Policy | EffectivePolicy | undefined, sshHost?: SshHostConfig, configFile?: string) {
  const forbids = policy !== undefined && effectivePolicy(policy).forbiddenAlgorithms.length > 0;
  const narrows = sshHost !== undefined && Object.values(SSH_CONFIG_ALGORITHM_KEYS).some(([k]) => sshHost[k] !== undefined);
  if (!forbids && !narrows) return undefined;
  const { withoutForbidden } = await import('./session/sshAlgorithms');
  const { algorithms, emptied } = withoutForbidden((a) => forbids && forbiddenAlgorithmEntry(a, policy) !== undefined);
  if (emptied) {
    throw new PolicyViolation('policy.forbiddenAlgorithms', `policy.forbiddenAlgorithms leaves no ${emptied} algorithm to connect to ${serverOrigin(profile)} with: allow at least one.`);
  }
  if (!narrows) return algorithms;
  const lists = algorithms as unknown as Record<string, string[]>;
  for (const [kind, [key, keyword]] of Object.entries(SSH_CONFIG_ALGORITHM_KEYS)) {
    const wanted = sshHost[key];
    if (!wanted) continue;
    const offered = lists[kind];
    const narrowed = wanted.filter((a) => offered.includes(a));
    if (narrowed.length === 0) {
      throw new UsageError(
        `${keyword} in ${configFile ?? '~/.ssh/config'} for ${sshHost.host} names no ${kind} algorithm this client offers${forbids ? ' under the policy' : ''} (it offers ${offered.join(', ')}): add one of them to ${keyword}.`,
        'bad-ssh-config',
      );
    }
    lists[kind] = narrowed;
  }
  return algorithms;
}

/**
 * The policy's sentence for a negotiation that failed because policy.forbiddenAlgorithms removed what
 * the server offers, built from the error's fields (which side offered what), not from its message.
 */
export function forbiddenAlgorithmsViolation(err: SecureTransferError<'no-common-algorithm'>): SecureTransferError {
  if (!err.details) return err;
  return new PolicyViolation(
    'policy.forbiddenAlgorithms',
    `${noCommonAlgorithmText(err.details)}; this client left out what policy.forbiddenAlgorithms forbids, so the server must enable an allowed algorithm or the policy must change.`,
  );
}

/**
 * The known_hosts files to read: the caller's (default ~/.ssh/known_hosts{,2}) plus the ssh config's
 * UserKnownHostsFile entries that exist and are regular files — `UserKnownHostsFile /dev/null` is
 * common and simply adds nothing (it never means "trust anything" here).
 */
export async function knownHostsFilesFor(ctx: Pick<ConnectContext, 'knownHostsFiles'>, sshHost?: SshHostConfig): Promise<string[] | undefined> {
  const extra = sshHost?.userKnownHostsFiles ?? [];
  if (extra.length === 0) return ctx.knownHostsFiles;
  const { stat } = await import('node:fs/promises');
  const regular = async (f: string) => (await stat(f).catch(() => undefined))?.isFile() === true;
  const base = ctx.knownHostsFiles ?? (await Promise.all(defaultKnownHostsFiles().map(async (f) => ((await regular(f)) ? [f] : [])))).flat();
  const added = (await Promise.all(extra.map(async (f) => ((await regular(f)) && !base.includes(f) ? [f] : [])))).flat();
  return [...base, ...added];
}

/**
 * The profile with what ~/.ssh/config says filled in where the profile (or URL) is silent — OpenSSH's
 * rule that the command line beats the config, and the config beats the defaults:
 * - host: the config's HostName (the profile's `host` is then an alias);
 * - port: the config's Port when the profile/URL wrote none (`defaulted.port`), else the profile's;
 * - username: the profile's; if it wrote none (''), the config's User, else the local user name (as ssh);
 * - connectTimeout: the config's ConnectTimeout when the profile wrote none.
 * The result is the address everything after this sees: policy, trust, secrets, the activity log.
 */
export function withSshConfig(profile: Profile, cfg: SshHostConfig, localUser: () => string = localUserName): Profile {
  const host = cfg.hostName !== cfg.host.toLowerCase() ? cfg.hostName : profile.host;
  const port = profile.defaulted?.port && cfg.port !== undefined ? cfg.port : profile.port;
  const username = profile.username ? profile.username : (cfg.user ?? localUser());
  if (username === '') {
    throw new UsageError(`No user name for ${serverOrigin({ ...profile, host, port })}: set the profile's "username", write USER@ in the URL, or add a User line for it to ~/.ssh/config.`, 'bad-username');
  }
  const out: Profile = { ...profile, host, port, username };
  if (profile.defaulted?.connectTimeout && cfg.connectTimeout !== undefined && cfg.connectTimeout > 0) out.connectTimeout = Math.min(cfg.connectTimeout, 600);
  return out;
}

/**
 * StrictHostKeyChecking yes in the user's ssh config: an unknown host key is refused instead of
 * asked about (pins, known_hosts and the trust store still vouch as usual). `no`/`accept-new` never
 * weaken anything: they are not read here at all.
 */
function strictDecider(cfg: SshHostConfig): TrustDecider {
  return async (q) => {
    throw new SecurityRefusal(
      `The SSH host key of ${q.server.host}${q.server.port === 22 ? '' : `:${q.server.port}`} is not trusted yet (${q.keyType} ${q.fingerprint}) and your ssh config says StrictHostKeyChecking yes for ${cfg.host}, so it is not offered for trust: add the key to known_hosts or pin it with --fingerprint ${q.fingerprint}.`,
      'host-key-unknown',
      { details: { server: { host: q.server.host, port: q.server.port }, keyType: q.keyType, presented: q.fingerprint } },
    );
  };
}

/**
 * The server an SFTP profile really reaches once ~/.ssh/config is applied (withSshConfig); other
 * protocols unchanged. For keying credentials before connect(), which resolves it again itself.
 */
export async function resolveSshServer(profile: Profile, opts?: SshConfigOptions): Promise<Profile> {
  return (await resolveServer(profile, opts)).profile;
}

/** A profile's address as connect() sees it: what every secret, reuse check and trust lookup keys by. */
export interface ResolvedServer {
  /** The profile with the ssh config applied (withSshConfig); other protocols unchanged. */
  profile: Profile;
  /** The server really reached (HostName, Port, User): the keychain's, SessionPasswords' and the activity log's key. */
  server: ServerAddress;
  /** Where the trust store and known_hosts know its identity: HostKeyAlias (port 22) when the config names one. */
  trust: { host: string; port: number };
  /** What the ssh config says about an SFTP profile's host (its route, its known_hosts files); absent for FTPS. */
  sshHost?: SshHostConfig;
}

/**
 * THE one way to key something by a profile's address outside connect(): an SFTP profile's `host` may
 * be a ~/.ssh/config alias and its user/port left to the config, so keying by the profile as written
 * would store a secret under a name connect() never asks for. For an ordinary profile (no config
 * entry, or FTPS) the result is the profile's own address, unchanged.
 */
export async function resolveServer(profile: Profile, opts?: SshConfigOptions, localUser?: () => string): Promise<ResolvedServer> {
  let resolved = profile;
  let cfg: SshHostConfig | undefined;
  if (profile.protocol === 'sftp') {
    const { resolveSshHost } = await import('./sshconfig/resolve');
    cfg = await resolveSshHost(profile.host, opts);
    resolved = withSshConfig(profile, cfg, localUser);
  }
  const alias = cfg?.hostKeyAlias;
  const server: ServerAddress = { protocol: resolved.protocol, host: resolved.host, port: resolved.port, username: resolved.username };
  return { profile: resolved, server, trust: alias ? { host: alias, port: 22 } : { host: server.host, port: server.port }, ...(cfg ? { sshHost: cfg } : {}) };
}


/** What ~/.ssh/config says about an SFTP profile's host (loaded on first use; its warnings are logged). */
async function resolveSshHostFor(profile: Profile, ctx: ConnectContext): Promise<SshHostConfig> {
  const { resolveSshHost } = await import('./sshconfig/resolve');
  const resolved = await resolveSshHost(profile.host, ctx.sshConfig);
  for (const w of resolved.warnings) (ctx.log ?? silentLogger).warn(w);
  return resolved;
}

interface TransportHooks {
  onHostKey?: (k: { keyType: string; fingerprint: string; source: string }) => void;
  onLoggedIn?: () => void;
}

async function openTransport(profile: Profile, server: ServerAddress, ctx: ConnectContext, log: Logger, sshHost?: SshHostConfig, sock?: Duplex, route?: SshRoute, proxy?: string, hooks: TransportHooks = {}): Promise<RemoteFileSystem> {
  const pinned = [...(profile.fingerprints ?? []), ...(ctx.pinned ?? [])];
  const connectTimeoutMs = (profile.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT) * 1000;
  const requestTimeoutMs = (profile.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT) * 1000;
  log.info(`Connecting to ${serverUrl(profile)}${proxy ? ` through the proxy ${proxyDisplay(proxy)}` : ''}`);
  if (profile.protocol === 'sftp') {
    const { connectSftp } = await import('./session/sftp');
    const algorithms = await sshAlgorithmsFor(profile, ctx.policy, sshHost, sshConfigFile(ctx));
    const alive = sshHost?.serverAliveInterval;
    // Through a proxy ssh2 runs over the tunnel; the host key is verified against the server's name.
    if (!sock && proxy) {
      const { openProxiedStream } = await import('./session/proxy');
      sock = await openProxiedStream(proxy, { host: server.host, port: server.port }, { timeoutMs: connectTimeoutMs, signal: ctx.signal });
    }
    const tunnel = sock;
    return connectSftp({
      ...(algorithms ? { algorithms } : {}),
      server,
      credentials: ctx.credentials,
      ...(alive !== undefined && alive > 0 ? { keepalive: { intervalMs: alive * 1000, countMax: sshHost?.serverAliveCountMax ?? 3 } } : {}),
      trust: { pinned, knownHostsFiles: await knownHostsFilesFor(ctx, sshHost), trustStore: ctx.trustStore, decide: ctx.decide },
      identityFile: profile.identityFile,
      agent: profile.agent,
      ...(sshHost ? { sshConfig: sshHost } : {}),
      ...(ctx.env ? { env: ctx.env } : {}),
      ...(sock ? { sock } : {}),
      ...(route ? { route } : {}),
      ...hooks,
      connectTimeoutMs,
      requestTimeoutMs,
      signal: ctx.signal,
      log,
    }).catch((err: unknown) => {
      // With a policy filter, "nothing in common" means the policy forbids all the server offers.
      if (!route) tunnel?.destroy(); // ssh2 may fail before it took the tunnel over
      if (algorithms && hasErrorCode(err, 'no-common-algorithm')) throw forbiddenAlgorithmsViolation(err);
      throw err;
    });
  }
  const { connectFtps } = await import('./session/ftps');
  return connectFtps({
    server,
    credentials: ctx.credentials,
    tls: {
      pinned,
      caFile: profile.caFile,
      servername: profile.tlsServerName,
      minVersion: profile.minTlsVersion,
      trustStore: ctx.trustStore,
      decide: ctx.decide,
    },
    connectTimeoutMs,
    requestTimeoutMs,
    signal: ctx.signal,
    ...(proxy ? { proxy } : {}),
  });
}

/** One line of Test Connection: ✓ or ✗ and one sentence. */
export function stepLine(s: Pick<ConnectStep, 'ok' | 'text'>): string {
  return `${s.ok ? '✓' : '✗'} ${s.text}`;
}

/**
 * Test Connection (CLI `secure-transfer test`, the extension's command): connect() with every step
 * told to `onStep` (config, policy, each hop, the target's identity and login), then a listing of the
 * remote folder, what the login shows (the audit's login stage on this same session, never another
 * login: `login`, also recorded in the activity log), and the close. The first failing step says why
 * and stops. Returns whether all passed and the first error. What the login shows is no step: the
 * connection works whatever it finds (a finding is about the server), so the caller shows it after
 * the steps, and a look that fails is only logged.
 */
export async function testConnection(profile: Profile, ctx: ConnectContext, remotePath: string | undefined, onStep: (step: ConnectStep) => void): Promise<{ ok: boolean; error?: unknown; login?: LoginAuditReport }> {
  let targetSeen = false;
  const tell = (s: ConnectStep) => {
    if (s.phase === 'target' && s.ok) targetSeen = true;
    onStep(s);
  };
  let rfs: RemoteFileSystem;
  try {
    rfs = await connect(profile, { ...ctx, onStep: tell });
  } catch (error) {
    return { ok: false, error }; // connect() told the failing step
  }
  if (!targetSeen) {
    const id = (rfs as { identity?: string }).identity;
    tell({ phase: 'target', ok: true, text: `Connected and logged in to ${serverLabel(profile)}${id ? ` (identity ${id.split(' ').pop()})` : ''}.` });
  }
  let ok = true;
  let error: unknown;
  const folder = remotePath === undefined || remotePath === '' ? (profile.remotePath ?? rfs.homeDir) : remotePath;
  try {
    const entries = await rfs.list(folder, { signal: ctx.signal });
    tell({ phase: 'target', ok: true, text: `Listed ${serverText(folder)}: ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}.` });
  } catch (err) {
    ok = false;
    error = err;
    tell({ phase: 'target', ok: false, text: `Listing ${serverText(folder)} failed: ${describeError(err)}` });
  }
  const login = ok ? await testLogin(rfs, profile, ctx, folder) : undefined;
  try {
    await rfs.close();
    if (ok) tell({ phase: 'target', ok: true, text: 'Closed the connection.' });
  } catch (err) {
    if (ok) tell({ phase: 'target', ok: false, text: `Closing failed: ${describeError(err)}` });
    error ??= err;
    ok = false;
  }
  return { ok, ...(error !== undefined ? { error } : {}), ...(login ? { login } : {}) };
}

/** Test Connection's look at what the login shows (auditSessionLogin), recorded as an `audit` activity entry. */
async function testLogin(rfs: RemoteFileSystem, profile: Profile, ctx: ConnectContext, folder: string): Promise<LoginAuditReport | undefined> {
  const { auditSessionLogin, loginActivityDetail } = await import('./audit/auditLogin');
  let report: LoginAuditReport | undefined;
  try {
    // The session is closed right after: the checks a server may answer by ending it run here too.
    report = await auditSessionLogin(rfs, { profile, ...(ctx.policy ? { policy: ctx.policy } : {}), startFolder: folder, mayEndSession: true, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (err) {
    (ctx.log ?? silentLogger).warn(`What the login to ${serverOrigin(profile)} shows could not be checked: ${describeError(err)}`);
    return undefined;
  }
  if (!report) return undefined;
  await ctx.activity?.append({ server: serverOrigin(profile), action: 'audit', result: 'ok', detail: loginActivityDetail(report) }).catch(() => undefined);
  return report;
}
