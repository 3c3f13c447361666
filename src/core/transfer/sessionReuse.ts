/**
 * When a transfer may open extra sessions next to its first one — one table for the extension and
 * the CLI. A folder moves faster over several sessions (FTP runs one command at a time per
 * connection), but opening one must never ask the user anything again: no second password box, no
 * second trust dialog, no second one-time code. Every rule must hold; the first that does not gives
 * the reason (one clause, for the log) and the transfer keeps to its one session.
 *
 * The facts differ by who opens the sessions:
 * - the extension's extra sessions ask nothing at all (`extraSessionFactory`: a trust decider that
 *   refuses every question and a credential provider without a prompter), so only what is stored
 *   counts (`storedReuseFacts`);
 * - the CLI's pool shares the first session's credential provider and trust answers
 *   (`sessionFactory`), so a password piped or typed once and an identity accepted once carry over;
 *   a one-time code never does (`sharedReuseFacts`).
 */
import { connect, resolveServer, type ConnectContext } from '../connect';
import type { SshConfigOptions } from '../sshconfig/types';
import { credentialsFor, type PasswordMemory } from '../mfa/provider';
import type { Profile, ServerAddress } from '../profiles/types';
import { getSecret } from '../secrets/secrets';
import type { SecretStore } from '../secrets/secretStore';
import { refuseUnknown } from '../trust/types';
import type { TrustStore } from '../trust/trustStore';
import type { SessionFactory } from './sessionPool';
import type { RemoteFileSystem } from '../session/remoteFileSystem';

/** What decides whether a login can be repeated without asking. */
export interface ReuseFacts {
  /** The password can be given again without asking (stored, or held by the provider all sessions share). */
  storedPassword: boolean;
  /** A TOTP seed is stored, so a fresh one-time code can be computed. */
  storedTotpSeed: boolean;
  /** The server's identity is pinned, remembered, or accepted once and reused by the later sessions. */
  rememberedIdentity: boolean;
  /**
   * The first session logged in with a key alone (RemoteFileSystem.loginMethod 'key'): an agent key
   * or a default ~/.ssh key found automatically, which a new session finds and offers the same way.
   */
  keyLogin?: boolean;
}

export interface ReuseRule {
  /** Why extra sessions cannot open when `holds` is false (one clause, for the log). */
  unless: string;
  holds: (profile: Profile, facts: ReuseFacts) => boolean;
}

const usesKey = (p: Profile): boolean => p.protocol === 'sftp' && (p.identityFile !== undefined || (p.agent !== undefined && p.agent !== false));

/** Every rule must hold for extra sessions to open. */
export const SESSION_REUSE_RULES: readonly ReuseRule[] = [
  { unless: 'its profile asks for a one-time code at every login (mfa "prompt")', holds: (p) => p.mfa !== 'prompt' },
  { unless: 'no TOTP seed is stored for it', holds: (p, f) => p.mfa !== 'totp' || f.storedTotpSeed },
  { unless: 'its password is not stored', holds: (p, f) => f.storedPassword || usesKey(p) || f.keyLogin === true },
  // An SSH host key is never vouched for by a CA: without a record the new session would have to ask.
  { unless: 'its host key was trusted for one connection only', holds: (p, f) => p.protocol !== 'sftp' || f.rememberedIdentity },
];

/** Undefined when extra sessions can open without asking; else why not (one clause). */
export function whyOneSession(profile: Profile, facts: ReuseFacts): string | undefined {
  return SESSION_REUSE_RULES.find((r) => !r.holds(profile, facts))?.unless;
}

const hasSecret = async (secrets: SecretStore, server: ServerAddress, kind: 'password' | 'totp'): Promise<boolean> => (await getSecret(secrets, server, kind)) !== undefined;

/**
 * Facts for sessions that can rely on nothing but what is stored (the extension's extra sessions): the
 * keychain, and a password typed earlier in this window (`remembered`, memory only).
 */
export async function storedReuseFacts(profile: Profile, secrets: SecretStore, trustStore: TrustStore, remembered?: PasswordMemory, sshConfig?: SshConfigOptions, first?: Pick<RemoteFileSystem, 'loginMethod'>): Promise<ReuseFacts> {
  const kind = profile.protocol === 'sftp' ? 'host-key' : 'certificate';
  // Looked up where connect() stores and finds them: the resolved server (an ssh-config alias's
  // HostName, Port, User), its identity under HostKeyAlias when the config names one.
  const { server, trust } = await resolveServer(profile, sshConfig);
  const [password, seed, records] = await Promise.all([hasSecret(secrets, server, 'password'), hasSecret(secrets, server, 'totp'), trustStore.find(kind, trust.host, trust.port)]);
  const typed = remembered?.get(server) !== undefined;
  return { storedPassword: password || typed, storedTotpSeed: seed, rememberedIdentity: records.length > 0 || (profile.fingerprints?.length ?? 0) > 0, ...(first ? { keyLogin: profile.protocol === 'sftp' && first.loginMethod === 'key' } : {}) };
}

/**
 * Facts for sessions that share the first one's credential provider and trust answers (the CLI):
 * the password and the identity carry over; a one-time code only when a seed is stored.
 */
export async function sharedReuseFacts(profile: Profile, secrets: SecretStore, sshConfig?: SshConfigOptions): Promise<ReuseFacts> {
  // The keychain is only asked when the answer matters (and then for the server really reached).
  const storedTotpSeed = profile.mfa === 'totp' && (await hasSecret(secrets, (await resolveServer(profile, sshConfig)).server, 'totp'));
  return { storedPassword: true, storedTotpSeed, rememberedIdentity: true };
}

export interface ExtraSessionDeps<P extends Profile> {
  /** Everything connect() needs except credentials and trust decisions (the same as the profile's connection). */
  context(profile: P): Omit<ConnectContext, 'credentials' | 'decide' | 'signal'>;
  secrets: SecretStore;
  trustStore: TrustStore;
  /** Passwords typed in this window: extra sessions may give one again (never ask for one). */
  remembered?: PasswordMemory;
  log?: { debug(message: string): void };
  /** The transfer's first session: how it logged in counts (a key found automatically needs no password). */
  first?: Pick<RemoteFileSystem, 'loginMethod'>;
}

/**
 * A factory for extra sessions to `profile` that cannot ask anything, or undefined when a login might
 * have to. As a second guard the sessions themselves cannot ask: their trust decider refuses every
 * question (nothing is sent to a server whose identity is not proven), and their credential provider
 * has no prompter, so a question fails that session and the pool carries on with the ones it has.
 */
export async function extraSessionFactory<P extends Profile>(profile: P, deps: ExtraSessionDeps<P>): Promise<SessionFactory | undefined> {
  const why = whyOneSession(profile, await storedReuseFacts(profile, deps.secrets, deps.trustStore, deps.remembered, deps.context(profile).sshConfig, deps.first));
  if (why) {
    deps.log?.debug(`Transfers to ${profile.name} use its one connection: ${why}.`);
    return undefined;
  }
  return () => connect(profile, { ...deps.context(profile), decide: refuseUnknown, credentials: credentialsFor(profile, deps.secrets, deps.remembered ? { remembered: deps.remembered } : {}) });
}
