/**
 * Turns a command-line target (`sftp://user@host/path` or `profile:NAME/path`) plus the connection
 * options into a verified session. Everything security-relevant happens in core's connect().
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { connect, resolveServer, type ConnectContext } from '../core/connect';
import type { SshConfigOptions } from '../core/sshconfig/types';
import { CancelledError, describeError, UsageError } from '../core/errors';
import { ActivityLog, type ActivityAction } from '../core/audit/activityLog';
import { normalizeFingerprint } from '../core/syntax/fingerprint';
import { TrustStore } from '../core/trust/trustStore';
import { defaultStateDir } from '../core/paths';
import { formatUrl, parseTarget, urlNamesPort, type RemoteUrl } from '../core/profiles/url';
import { serverOrigin } from '../core/profiles/serverAddress';
import { profileFileIn } from '../core/profiles/profileFile';
import { loadProfileFile } from '../core/profiles/load';
import type { Profile, ServerAddress } from '../core/profiles/types';
import { jumpSpecProblem, parseJumpSpec, splitJumpList } from '../core/profiles/jump';
import type { RemoteFileSystem } from '../core/session/remoteFileSystem';
import type { Logger } from '../core/log';
import { readStdin, type CliContext } from './context';
import { cliTrustDecider } from './trust';
import { cliCredentials } from './credentials';
import type { Policy } from '../core/policy';

export interface ConnectionArgs {
  config?: string;
  'known-hosts'?: string[];
  fingerprint?: string[];
  ca?: string;
  identity?: string;
  proxy?: string;
  jump?: string;
  'ssh-config'?: string;
  'request-timeout'?: string;
  'password-stdin'?: boolean;
  'accept-new'?: boolean;
  verbose?: boolean;
}

export interface Target {
  profile: Profile;
  /** As written: absolute, `~/…`, relative to the profile's folder, or empty for the start folder. */
  path: string;
  configFile?: string;
  /** The team file's policy block, which applies to every connection made from this folder. */
  policy?: Policy;
  /**
   * The server really reached (an ssh-config alias resolved: core/connect.ts resolveServer), set by
   * connectContext(): the activity log's entries name it, as connect()'s own entries do.
   */
  server?: ServerAddress;
}

export async function resolveTarget(ctx: CliContext, text: string, args: ConnectionArgs): Promise<Target> {
  const parsed = parseTarget(text);
  const configFile = args.config === undefined ? profileFileIn(ctx.cwd) : path.resolve(ctx.cwd, args.config);
  let profile: Profile;
  const loaded = existsSync(configFile) ? await loadProfileFile(configFile) : undefined;
  if (parsed.kind === 'profile') {
    if (!loaded) {
      throw new UsageError(`${text} names a profile, but ${configFile} does not exist: create it or pass --config FILE.`);
    }
    const found = loaded.profiles.find((p) => p.name === parsed.name);
    if (!found) {
      const names = loaded.profiles.map((p) => p.name).join(', ') || 'none';
      throw new UsageError(`There is no profile "${parsed.name}" in ${configFile} (profiles: ${names}).`);
    }
    profile = { ...found };
  } else {
    profile = urlProfile(text, parsed.url);
  }
  if (args.identity) profile.identityFile = path.resolve(ctx.cwd, args.identity);
  if (args.jump !== undefined) profile.jump = parseJumpFlag(args.jump, profile);
  if (args.ca) profile.caFile = path.resolve(ctx.cwd, args.ca);
  // --proxy URL (or "none") replaces the profile's proxy and the environment's.
  if (args.proxy !== undefined) profile.proxy = args.proxy;
  if (args['request-timeout'] !== undefined) profile.requestTimeout = parseSeconds(args['request-timeout'], '--request-timeout');
  const pins = (args.fingerprint ?? []).map((f) => normalizeFingerprint(f, '--fingerprint'));
  profile.fingerprints = [...(profile.fingerprints ?? []), ...pins];
  return { profile, path: parsed.path, configFile: loaded ? configFile : undefined, policy: loaded?.policy };
}

/**
 * The profile a URL stands for. SFTP may leave the user (and port) to ~/.ssh/config or the local user
 * name, like `ssh HOST` (username '' and `defaulted.port`: core/connect.ts resolveServer() fills them).
 */
export function urlProfile(text: string, u: RemoteUrl): Profile {
  if (!u.username && u.protocol !== 'sftp') throw new UsageError(`${text} has no user name: write it as ${formatUrl({ protocol: u.protocol, host: u.host, port: u.port, username: 'USER', path: '/path' })}.`);
  const profile: Profile = { name: text, protocol: u.protocol, host: u.host, port: u.port, username: u.username ?? '', fingerprints: u.fingerprints };
  profile.defaulted = urlNamesPort(text) ? { connectTimeout: true } : { port: true, connectTimeout: true };
  return profile;
}

/** `--jump a,b` like `ssh -J` (`none`: connect directly, ignoring the profile's and the ssh config's hops). */
export function parseJumpFlag(text: string, profile: Profile): string[] {
  if (profile.protocol !== 'sftp') throw new UsageError(`--jump applies to sftp:// servers only, and ${profile.protocol}:// goes directly (or through --proxy).`);
  const hops = splitJumpList(text);
  for (const hop of hops) if (!parseJumpSpec(hop)) throw new UsageError(`${jumpSpecProblem(hop, '--jump')}; separate several with commas.`);
  return hops;
}

/** A number of seconds from a flag: more than 0, at most 600 (the profile schema's range). */
export function parseSeconds(text: string, flag: string): number {
  const n = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n > 0 && n <= 600)) throw new UsageError(`${flag} takes a number of seconds more than 0 up to 600, not "${text}".`);
  return n;
}

export function stderrLogger(ctx: CliContext): Logger {
  const write = (level: string) => (m: string) => {
    if (ctx.verbose) ctx.stderr.write(`[${level}] ${m}\n`);
  };
  return { trace: write('trace'), debug: write('debug'), info: write('info'), warn: (m) => ctx.stderr.write(`warning: ${m}\n`), error: write('error') };
}

export async function openSession(ctx: CliContext, target: Target, args: ConnectionArgs): Promise<RemoteFileSystem> {
  return connect(target.profile, await connectContext(ctx, target, args));
}

/** Everything connect() needs, built once (stdin is read once) so a transfer pool can reuse it. */
export async function connectContext(ctx: CliContext, target: Target, args: ConnectionArgs): Promise<ConnectContext> {
  const password = args['password-stdin'] ? await readStdin(ctx.stdin) : undefined;
  const trustStore = TrustStore.inDir(defaultStateDir(ctx.env));
  const sshConfig = sshConfigOptions(ctx, args);
  // The keychain and --password-stdin belong to the server really reached (an alias's HostName, Port, User).
  const { profile: server, server: address } = await resolveServer(target.profile, sshConfig);
  target.server = address;
  return {
    sshConfig,
    credentials: await cliCredentials(ctx, server, password),
    trustStore,
    decide: cliTrustDecider(ctx, Boolean(args['accept-new'])),
    knownHostsFiles: args['known-hosts']?.map((f) => path.resolve(ctx.cwd, f)),
    policy: target.policy,
    activity: activityLog(ctx),
    log: stderrLogger(ctx),
    env: ctx.env,
  };
}

/** --ssh-config FILE (relative to the current folder) or `none`; default ~/.ssh/config of $HOME. */
export function sshConfigOptions(ctx: CliContext, args: ConnectionArgs): SshConfigOptions {
  const home = ctx.env.HOME ? { home: ctx.env.HOME } : {};
  const f = args['ssh-config'];
  if (f === undefined) return home;
  if (f === 'none') return { ...home, file: false };
  return { ...home, file: path.resolve(ctx.cwd, f) };
}

/** The CLI's activity log (connects, trust decisions, transfers, deletes, audits; never a secret). */
export function activityLog(ctx: CliContext): ActivityLog {
  return new ActivityLog(path.join(defaultStateDir(ctx.env), 'activity'));
}

/** Runs a write (transfer, mkdir, mv, rm) and records it with its result; a log that can't be written only warns. */
export async function recorded<T>(ctx: CliContext, target: Target, action: ActivityAction, remotePath: string, run: () => Promise<T>, bytesOf: (r: T) => number | undefined = () => undefined, renamedTo?: string, okDetail?: string): Promise<T> {
  const server = serverOrigin(target.server ?? target.profile);
  const write = (result: string, bytes?: number, detail?: string) =>
    activityLog(ctx)
      .append({ server, action, result, path: remotePath, ...(renamedTo !== undefined ? { to: renamedTo } : {}), bytes, detail })
      .catch((err: unknown) => ctx.stderr.write(`warning: the activity log could not be written: ${describeError(err)}\n`));
  try {
    const r = await run();
    await write('ok', bytesOf(r), okDetail);
    return r;
  } catch (err) {
    await write(err instanceof CancelledError ? 'cancelled' : 'failed', undefined, describeError(err));
    throw err;
  }
}

/** Resolves a path as written on the command line against the session's folders. */
export function remotePathFor(rfs: RemoteFileSystem, profile: Profile, written: string): string {
  const base = profile.remotePath ?? rfs.homeDir;
  if (written === '' || written === '~') return base === '' ? '/' : base;
  if (written.startsWith('~/')) return path.posix.join(rfs.homeDir, written.slice(2));
  if (written.startsWith('/')) return path.posix.normalize(written);
  return path.posix.join(base, written);
}
