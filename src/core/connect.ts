/**
 * The one way to open a session: profile → policy → trust → session. The extension and the CLI both
 * call this. Transports are imported lazily so that activation and `--help` don't pay for ssh2.
 */
import type { Profile } from './profiles/types';
import type { RemoteFileSystem } from './session/remoteFileSystem';
import type { CredentialProvider } from './session/credentials';
import type { TrustDecider } from './trust/types';
import type { TrustStore } from './trust/trustStore';
import type { Logger } from './log';

export interface ConnectContext {
  credentials: CredentialProvider;
  trustStore: TrustStore;
  /** Asked about identities nobody vouches for; `refuseUnknown` when non-interactive. */
  decide: TrustDecider;
  /** Extra pins (CLI --fingerprint) on top of the profile's. */
  pinned?: string[];
  /** OpenSSH known_hosts files to consult (read-only); default ~/.ssh/known_hosts{,2}. */
  knownHostsFiles?: string[];
  signal?: AbortSignal;
  log?: Logger;
}

export async function connect(profile: Profile, ctx: ConnectContext): Promise<RemoteFileSystem> {
  void profile;
  void ctx;
  throw new Error('connect(): being implemented');
}
