/**
 * STUB (issue 14 skeleton): resolves a host through the user's OpenSSH config. The real parser lands
 * with the sshconfig work; until then nothing in the config applies.
 */
import type { SshConfigOptions, SshHostConfig } from './types';

export async function resolveSshHost(host: string, _opts: SshConfigOptions = {}): Promise<SshHostConfig> {
  return { host, matched: false, hostName: host, identityFiles: [], certificateFiles: [], userKnownHostsFiles: [], warnings: [] };
}
