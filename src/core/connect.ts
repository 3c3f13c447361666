/**
 * The one way to open a session: profile → policy → trust → session. The extension and the CLI both
 * call this. Transports (and the audit probes) are imported lazily so that activation and `--help`
 * don't pay for ssh2.
 */
import { lookup } from 'node:dns/promises';
import type { Profile, ServerAddress } from './profiles/types';
import { serverOrigin, serverUrl } from './profiles/serverAddress';
import type { RemoteFileSystem } from './session/remoteFileSystem';
import type { CredentialProvider } from './session/credentials';
import type { TrustDecider } from './trust/types';
import type { TrustStore } from './trust/trustStore';
import { silentLogger, type Logger } from './log';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT } from './profiles/defaults';
import { describeError, hasErrorCode, SecureTransferError } from './errors';
import { noCommonAlgorithmText } from './session/sftpErrors';
import { CA_FILE, checkBoundedFile, expandHome, IDENTITY_FILE, KNOWN_HOSTS_FILE } from './fsutil';
import { blocksAtSeverity, checkHostAllowed, effectivePolicy, effectiveMinTlsVersion, enforcePolicy, forbiddenAlgorithmEntry, PolicyViolation, type EffectivePolicy, type Policy } from './policy';
import type { ActivityLog } from './audit/activityLog';
import type { AuditReport } from './audit/types';
import type { SshConfigOptions, SshHostConfig } from './sshconfig/types';
import { openProxiedStream, proxyDisplay, proxyFor } from './session/proxy';
import { parseProxyUrl } from './syntax/proxyUrl';

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
  /** Where ALL_PROXY / HTTPS_PROXY / NO_PROXY are read (default process.env; the CLI passes its own). */
  env?: NodeJS.ProcessEnv;
}

async function enforceAuditPolicy(profile: Profile, policy: Policy | EffectivePolicy, ctx: ConnectContext, proxy: string | undefined): Promise<void> {
  const { auditServer, knownIdentities } = await import('./audit/auditServer');
  const target = { protocol: profile.protocol, host: profile.host, port: profile.port, username: profile.username };
  const records = await ctx.trustStore.all();
  // The probes take the same route as the session: through the proxy when one applies.
  const report = await auditServer(target, { known: knownIdentities(target, records, [...(profile.fingerprints ?? []), ...(ctx.pinned ?? [])]), ...(proxy ? { proxy } : {}) });
  ctx.onAudit?.(report);
  const blocking = report.findings.filter((f) => blocksAtSeverity(f.severity, policy));
  if (blocking.length > 0) {
    const f = blocking[0];
    throw new PolicyViolation(
      'policy.blockOnSeverity',
      `The policy (policy.blockOnSeverity) refuses ${serverOrigin(profile)}: the audit found "${f.title}" (${f.severity})${blocking.length > 1 ? ` and ${blocking.length - 1} more` : ''}; fix the server (run \`secure-transfer audit\` for the remediation) or change the policy.`,
    );
  }
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
  try {
    // profile → the user's ssh config (aliases, keys, hops) → policy → trust → session.
    const sshHost = profile.protocol === 'sftp' ? await resolveSshHostFor(profile, ctx) : undefined;
    await checkNamedFiles(profile, ctx);
    const proxy = proxyFor({ host: profile.host, port: profile.port }, profile.proxy, ctx.env ?? process.env);
    if (ctx.policy) {
      // Judge the addresses the connection will really use, so a name can't slip past a CIDR rule.
      // Through a proxy that resolves names itself (socks5h, http) this is still the local answer: a
      // name only a CIDR rule allows must resolve here, inside the range (see docs/proxies.md).
      const ips = (await lookup(profile.host, { all: true }).catch(() => [])).map((a) => a.address);
      enforcePolicy(profile, ctx.policy, ips);
      if (proxy) await enforceProxyPolicy(proxy, ctx.policy);
      profile = { ...profile, minTlsVersion: effectiveMinTlsVersion(profile, ctx.policy) };
      await enforceAuditPolicy(profile, ctx.policy, ctx, proxy);
    }
    const server: ServerAddress = { protocol: profile.protocol, host: profile.host, port: profile.port, username: profile.username };
    const rfs = await openTransport(profile, server, { ...ctx, decide }, log, sshHost, proxy);
    await ctx.activity?.append({ server: serverOrigin(profile), action: 'connect', result: 'ok', fingerprint: (rfs as { hostKey?: { fingerprint?: string } }).hostKey?.fingerprint }).catch(() => undefined);
    return rfs;
  } catch (err) {
    const result = err instanceof SecureTransferError && err.kind === 'security' ? 'refused' : 'failed';
    await ctx.activity?.append({ server: serverOrigin(profile), action: 'connect', result, detail: describeError(err) }).catch(() => undefined);
    throw err;
  }
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

/** Client algorithm lists without policy.forbiddenAlgorithms (undefined: ssh2's defaults apply). */
async function sshAlgorithmsFor(profile: Profile, policy: Policy | EffectivePolicy | undefined) {
  if (!policy || effectivePolicy(policy).forbiddenAlgorithms.length === 0) return undefined;
  const { withoutForbidden } = await import('./session/sshAlgorithms');
  const { algorithms, emptied } = withoutForbidden((a) => forbiddenAlgorithmEntry(a, policy) !== undefined);
  if (emptied) {
    throw new PolicyViolation('policy.forbiddenAlgorithms', `policy.forbiddenAlgorithms leaves no ${emptied} algorithm to connect to ${serverOrigin(profile)} with: allow at least one.`);
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

/** What ~/.ssh/config says about an SFTP profile's host (loaded on first use; its warnings are logged). */
async function resolveSshHostFor(profile: Profile, ctx: ConnectContext): Promise<SshHostConfig> {
  const { resolveSshHost } = await import('./sshconfig/resolve');
  const resolved = await resolveSshHost(profile.host, ctx.sshConfig);
  for (const w of resolved.warnings) (ctx.log ?? silentLogger).warn(w);
  return resolved;
}

async function openTransport(profile: Profile, server: ServerAddress, ctx: ConnectContext, log: Logger, sshHost?: SshHostConfig, proxy?: string): Promise<RemoteFileSystem> {
  const pinned = [...(profile.fingerprints ?? []), ...(ctx.pinned ?? [])];
  const connectTimeoutMs = (profile.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT) * 1000;
  const requestTimeoutMs = (profile.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT) * 1000;
  log.info(`Connecting to ${serverUrl(profile)}${proxy ? ` through the proxy ${proxyDisplay(proxy)}` : ''}`);
  if (profile.protocol === 'sftp') {
    const { connectSftp } = await import('./session/sftp');
    const algorithms = await sshAlgorithmsFor(profile, ctx.policy);
    // Through a proxy ssh2 runs over the tunnel; the host key is verified against the server's name.
    const sock = proxy ? await openProxiedStream(proxy, { host: server.host, port: server.port }, { timeoutMs: connectTimeoutMs, signal: ctx.signal }) : undefined;
    return connectSftp({
      ...(sock ? { sock } : {}),
      ...(algorithms ? { algorithms } : {}),
      server,
      credentials: ctx.credentials,
      trust: { pinned, knownHostsFiles: ctx.knownHostsFiles, trustStore: ctx.trustStore, decide: ctx.decide },
      identityFile: profile.identityFile,
      agent: profile.agent,
      ...(sshHost ? { sshConfig: sshHost } : {}),
      connectTimeoutMs,
      requestTimeoutMs,
      signal: ctx.signal,
      log,
    }).catch((err: unknown) => {
      sock?.destroy(); // ssh2 may fail before it took the tunnel over
      // With a policy filter, "nothing in common" means the policy forbids all the server offers.
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
    ...(proxy ? { proxy } : {}),
    connectTimeoutMs,
    requestTimeoutMs,
    signal: ctx.signal,
  });
}
