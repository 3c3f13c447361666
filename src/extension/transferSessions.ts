/**
 * Extra sessions for a transfer, next to the profile's own connection. A folder moves faster over
 * several sessions (FTP runs one command at a time per connection), but opening one must never ask
 * the user anything again: no second password box, no second trust dialog. So a transfer gets a
 * session factory only when a new login can run on stored secrets and a remembered identity alone;
 * otherwise its pool holds just the existing connection. As a second guard, the extra sessions
 * themselves cannot ask: their trust decider refuses every question (nothing is sent to a server
 * whose identity is not proven), and their credential provider has no prompter, so a question
 * fails that session and the pool carries on with the sessions it has.
 */
import { connect, type ConnectContext } from '../core/connect';
import { createCredentialProvider } from '../core/mfa/provider';
import type { Profile } from '../core/profiles/types';
import { getSecret } from '../core/secrets/secrets';
import type { SecretStore } from '../core/secrets/secretStore';
import type { SessionFactory } from '../core/transfer/sessionPool';
import { refuseUnknown } from '../core/trust/types';
import type { TrustStore } from '../core/trust/trustStore';

/** What decides whether a login can be repeated without asking. */
export interface ReopenFacts {
  storedPassword: boolean;
  storedTotpSeed: boolean;
  /** The server's identity is pinned in the profile or remembered in the trust store. */
  rememberedIdentity: boolean;
}

interface ReopenRule {
  /** Why a silent login is impossible when `holds` is false (for the log). */
  unless: string;
  holds: (profile: Profile, facts: ReopenFacts) => boolean;
}

const usesKey = (p: Profile): boolean => p.protocol === 'sftp' && (p.identityFile !== undefined || (p.agent !== undefined && p.agent !== false));

/** Every rule must hold for extra sessions to open. */
const SILENT_REOPEN_RULES: readonly ReopenRule[] = [
  { unless: 'its profile asks for a one-time code at every login (mfa "prompt")', holds: (p) => p.mfa !== 'prompt' },
  { unless: 'no TOTP seed is stored for it', holds: (p, f) => p.mfa !== 'totp' || f.storedTotpSeed },
  { unless: 'its password is not stored', holds: (p, f) => f.storedPassword || usesKey(p) },
  // An SSH host key is never vouched for by a CA: without a record the new session would have to ask.
  { unless: 'its host key was trusted for one connection only', holds: (p, f) => p.protocol !== 'sftp' || f.rememberedIdentity },
];

/** Undefined when extra sessions can open silently; else why not (one clause). */
export function whyNotSilent(profile: Profile, facts: ReopenFacts): string | undefined {
  return SILENT_REOPEN_RULES.find((r) => !r.holds(profile, facts))?.unless;
}

export async function reopenFacts(profile: Profile, secrets: SecretStore, trustStore: TrustStore): Promise<ReopenFacts> {
  const kind = profile.protocol === 'sftp' ? 'host-key' : 'certificate';
  const [password, seed, records] = await Promise.all([
    getSecret(secrets, profile, 'password'),
    getSecret(secrets, profile, 'totp'),
    trustStore.find(kind, profile.host, profile.port),
  ]);
  return { storedPassword: password !== undefined, storedTotpSeed: seed !== undefined, rememberedIdentity: records.length > 0 || (profile.fingerprints?.length ?? 0) > 0 };
}

export interface ExtraSessionDeps<P extends Profile> {
  /** Everything connect() needs except credentials and trust decisions (the same as the profile's connection). */
  context(profile: P): Omit<ConnectContext, 'credentials' | 'decide' | 'signal'>;
  secrets: SecretStore;
  trustStore: TrustStore;
  log?: { debug(message: string): void };
}

/** A factory for silent extra sessions to `profile`, or undefined when a login might have to ask. */
export async function extraSessionFactory<P extends Profile>(profile: P, deps: ExtraSessionDeps<P>): Promise<SessionFactory | undefined> {
  const why = whyNotSilent(profile, await reopenFacts(profile, deps.secrets, deps.trustStore));
  if (why) {
    deps.log?.debug(`Transfers to ${profile.name} use its one connection: ${why}.`);
    return undefined;
  }
  return () =>
    connect(profile, {
      ...deps.context(profile),
      decide: refuseUnknown,
      credentials: createCredentialProvider({ store: deps.secrets, server: profile, mfa: profile.mfa ?? 'prompt', appendTotpToPassword: profile.appendTotpToPassword }),
    });
}
