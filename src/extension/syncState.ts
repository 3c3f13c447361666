/**
 * Where the extension keeps the last-synced state of each (server, remote folder, local folder) pair:
 * core's FileSyncState (`<global storage>/sync/<sha256>.json`, 0600) under the extension's global
 * storage (shared by its windows, kept across restarts), keyed like the CLI's by the server really
 * reached (an ssh-config alias resolved), never by the profile name. For plans that name only some
 * files of a pair (upload-on-save bursts), a store that merges what a run records into the pair's
 * record instead of replacing it.
 */
import { resolveServer } from '../core/connect';
import { serverOrigin } from '../core/profiles/serverAddress';
import type { LoadedProfile } from '../core/profiles/types';
import type { SshConfigOptions } from '../core/sshconfig/types';
import { FileSyncState } from '../core/sync/state';
import type { SyncStateStore } from '../core/sync/types';

/** The stored state of one pair (FileSyncState adds the `sync/` folder). */
export async function syncStateFor(globalStorage: string, profile: LoadedProfile, localRoot: string, remoteRoot: string, sshConfig: SshConfigOptions, warn: (sentence: string) => void): Promise<SyncStateStore> {
  const { server } = await resolveServer(profile, sshConfig);
  return new FileSyncState(globalStorage, { server: serverOrigin(server), remoteRoot, localRoot }, { warn });
}

/**
 * A store for a plan that names only some files of the pair (a burst): saving keeps the records of
 * every other file, so the next full sync still knows them.
 */
export function mergingStore(inner: SyncStateStore): SyncStateStore {
  return {
    load: () => inner.load(),
    save: async (r) => {
      const before = await inner.load();
      await inner.save({ files: { ...(before?.files ?? {}), ...r.files }, syncedAt: r.syncedAt });
    },
  };
}
