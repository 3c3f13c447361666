/**
 * A profile's audit: the server it really reaches (ssh config applied: HostName, Port) and the route
 * the probes take (the profile's or the environment's proxy, the user's ProxyCommand), as connect()
 * would go — read-only probes, no credentials. Fleet audits (`audit --all`, `audit profile:NAME`) and
 * the extension's background audit use it.
 *
 * SKELETON: filled in by the a-fleet branch.
 */
import type { AuditOptions } from './audit/auditServer';
import type { AuditReport } from './audit/types';
import type { Profile } from './profiles/types';
import type { SshConfigOptions } from './sshconfig/types';
import type { TrustStore } from './trust/trustStore';

export interface AuditProfileContext {
  trustStore: TrustStore;
  sshConfig?: SshConfigOptions;
  env?: NodeJS.ProcessEnv;
  knownHostsFiles?: string[];
  /** Extra pins on top of the profile's. */
  pinned?: string[];
  options?: Omit<AuditOptions, 'known' | 'dial' | 'proxy'>;
}

export async function auditProfile(profile: Profile, ctx: AuditProfileContext): Promise<AuditReport> {
  void profile;
  void ctx;
  throw new Error('auditProfile: not built yet');
}
