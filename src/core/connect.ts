/**
 * The one way to open a session: profile → policy → trust → session. The extension and the CLI both
 * call this. Transports (and the audit probes) are imported lazily so that activation and `--help`
 * don't pay for ssh2.
 */
import { lookup } from 'node:dns/promises';
import { userInfo } from 'node:os';
import type { Profile, ServerAddress } from './profiles/types';
import { serverOrigin, serverUrl } from './profiles/serverAddress';
import type { RemoteFileSystem } from './session/remoteFileSystem';
import type { CredentialProvider } from './session/credentials';
import type { TrustDecider } from './trust/types';
import type { TrustStore } from './trust/trustStore';
import { silentLogger, type Logger } from './log';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT } from './profiles/defaults';
import { describeError, hasErrorCode, SecureTransferError, SecurityRefusal, UsageError } from './errors';
import { noCommonAlgorithmText } from './session/sftpErrors';
import { CA_FILE, checkBoundedFile, expandHome, IDENTITY_FILE, KNOWN_HOSTS_FILE } from './fsutil';
import { blocksAtSeverity, effectivePolicy, effectiveMinTlsVersion, enforcePolicy, forbiddenAlgorithmEntry, PolicyViolation, type EffectivePolicy, type Policy } from './policy';
import type { ActivityLog } from './audit/activityLog';
import type { AuditReport } from './audit/types';
import type { SshConfigOptions, SshHostConfig } from './sshconfig/types';
import { defaultKnownHostsFiles } from './trust/knownHosts';

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
}

async function enforceAuditPolicy(profile: Profile, policy: Policy | EffectivePolicy, ctx: ConnectContext): Promise<void> {
  const { auditServer, knownIdentities } = await import('./audit/auditServer');
  const target = { protocol: profile.protocol, host: profile.host, port: profile.port, username: profile.username };
  const records = await ctx.trustStore.all();
  const report = await auditServer(target, { known: knownIdentities(target, records, [...(profile.fingerprints ?? []), ...(ctx.pinned ?? [])]) });
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
    // From here on the profile is the RESOLVED server (HostName, Port, User): policy, trust, secrets
    // and the activity log all see the real address, so an alias can't slip past allowedHosts.
    if (sshHost) profile = withSshConfig(profile, sshHost);
    await checkNamedFiles(profile, ctx);
    if (ctx.policy) {
      // Judge the addresses the connection will really use, so a name can't slip past a CIDR rule.
      const ips = (await lookup(profile.host, { all: true }).catch(() => [])).map((a) => a.address);
      enforcePolicy(profile, ctx.policy, ips);
      profile = { ...profile, minTlsVersion: effectiveMinTlsVersion(profile, ctx.policy) };
      await enforceAuditPolicy(profile, ctx.policy, ctx);
    }
    const server: ServerAddress = { protocol: profile.protocol, host: profile.host, port: profile.port, username: profile.username };
    const rfs = await openTransport(profile, server, { ...ctx, decide: sshHost?.strictHostKeyChecking === 'yes' ? strictDecider(sshHost) : decide }, log, sshHost);
    await ctx.activity?.append({ server: serverOrigin(profile), action: 'connect', result: 'ok', fingerprint: (rfs as { hostKey?: { fingerprint?: string } }).hostKey?.fingerprint }).catch(() => undefined);
    return rfs;
  } catch (err) {
    const result = err instanceof SecureTransferError && err.kind === 'security' ? 'refused' : 'failed';
    await ctx.activity?.append({ server: serverOrigin(profile), action: 'connect', result, detail: describeError(err) }).catch(() => undefined);
    throw err;
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
 * The known_hosts files to read: the caller's (default ~/.ssh/known_hosts{,2}) plus the ssh config's
 * UserKnownHostsFile entries that exist and are regular files — `UserKnownHostsFile /dev/null` is
 * common and simply adds nothing (it never means "trust anything" here).
 */
async function knownHostsFilesFor(ctx: ConnectContext, sshHost?: SshHostConfig): Promise<string[] | undefined> {
  const extra = sshHost?.userKnownHostsFiles ?? [];
  if (extra.length === 0) return ctx.knownHostsFiles;
  const { stat } = await import('node:fs/promises');
  const regular = async (f: string) => (await stat(f).catch(() => undefined))?.isFile() === true;
  const base = ctx.knownHostsFiles ?? (await Promise.all(defaultKnownHostsFiles().map(async (f) => ((await regular(f)) ? [f] : [])))).flat();
  const added = (await Promise.all(extra.map(async (f) => ((await regular(f)) && !base.includes(f) ? [f] : [])))).flat();
  return [...base, ...added];
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

function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
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
  if (profile.protocol !== 'sftp') return profile;
  const { resolveSshHost } = await import('./sshconfig/resolve');
  return withSshConfig(profile, await resolveSshHost(profile.host, opts));
}

/** What ~/.ssh/config says about an SFTP profile's host (loaded on first use; its warnings are logged). */
async function resolveSshHostFor(profile: Profile, ctx: ConnectContext): Promise<SshHostConfig> {
  const { resolveSshHost } = await import('./sshconfig/resolve');
  const resolved = await resolveSshHost(profile.host, ctx.sshConfig);
  for (const w of resolved.warnings) (ctx.log ?? silentLogger).warn(w);
  return resolved;
}

async function openTransport(profile: Profile, server: ServerAddress, ctx: ConnectContext, log: Logger, sshHost?: SshHostConfig): Promise<RemoteFileSystem> {
  const pinned = [...(profile.fingerprints ?? []), ...(ctx.pinned ?? [])];
  const connectTimeoutMs = (profile.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT) * 1000;
  const requestTimeoutMs = (profile.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT) * 1000;
  log.info(`Connecting to ${serverUrl(profile)}`);
  if (profile.protocol === 'sftp') {
    const { connectSftp } = await import('./session/sftp');
    const algorithms = await sshAlgorithmsFor(profile, ctx.policy, sshHost, typeof ctx.sshConfig?.file === 'string' ? ctx.sshConfig.file : undefined);
    const alive = sshHost?.serverAliveInterval;
    return connectSftp({
      ...(algorithms ? { algorithms } : {}),
      ...(alive !== undefined && alive > 0 ? { keepalive: { intervalMs: alive * 1000, countMax: sshHost?.serverAliveCountMax ?? 3 } } : {}),
      server,
      credentials: ctx.credentials,
      trust: { pinned, knownHostsFiles: await knownHostsFilesFor(ctx, sshHost), trustStore: ctx.trustStore, decide: ctx.decide },
      identityFile: profile.identityFile,
      agent: profile.agent,
      ...(sshHost ? { sshConfig: sshHost } : {}),
      connectTimeoutMs,
      requestTimeoutMs,
      signal: ctx.signal,
      log,
    }).catch((err: unknown) => {
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
    connectTimeoutMs,
    requestTimeoutMs,
    signal: ctx.signal,
  });
}
