/**
 * The one record of which version (size, mtime) of each remote file the extension last read or
 * wrote — editors opened through the file system provider, downloads and uploads alike — so an
 * upload or a save can tell that somebody changed the file on the server meanwhile.
 *
 * Kept in memory, not in a file: a version only means "what this window last saw", and a file in
 * globalStorage would be shared by every open window without any locking between them.
 * Keyed by server address (never the profile name), so two profiles for one server agree.
 */
import type { ServerAddress } from '../core/profiles/types';
import { remoteVersionKey } from '../core/profiles/serverAddress';
import type { RemoteStateStore, RemoteVersion } from '../core/transfer/remoteState';

type Server = Pick<ServerAddress, 'protocol' | 'host' | 'port' | 'username'>;

export class RemoteVersions {
  private readonly map = new Map<string, RemoteVersion>();

  /** The CLI's remote-versions.json key, with the host in lower case (in memory only: two spellings of a host agree). */
  private static key(server: Server, remotePath: string): string {
    return remoteVersionKey({ ...server, host: server.host.toLowerCase() }, remotePath);
  }

  get(server: Server, remotePath: string): RemoteVersion | undefined {
    return this.map.get(RemoteVersions.key(server, remotePath));
  }

  set(server: Server, remotePath: string, version: RemoteVersion): void {
    this.map.set(RemoteVersions.key(server, remotePath), { size: version.size, mtime: version.mtime });
  }

  delete(server: Server, remotePath: string): void {
    this.map.delete(RemoteVersions.key(server, remotePath));
  }

  /** The view the transfer engine takes (its conflict check and what it records afterwards). */
  forServer(server: Server): RemoteStateStore {
    return {
      get: async (p) => this.get(server, p),
      set: async (p, v) => this.set(server, p, v),
    };
  }
}
