/**
 * Where the extension keeps the last-synced state of each (server, remote folder, local folder) pair:
 * core's FileSyncState in a folder under the extension's global storage (shared by its windows, kept
 * across restarts), and, for plans of a few files (upload-on-save bursts), a store that merges what a
 * run records into the pair's record instead of replacing it.
 */
import * as path from 'node:path';
import type { LoadedProfile } from '../core/profiles/types';
import type { SyncRecord, SyncStateStore } from '../core/sync/types';

/** The folder under the extension's global storage that holds the sync records. */
export function syncStateDir(globalStorage: string): string {
  return path.join(globalStorage, 'sync');
}

/** The stored state of one pair. TODO(s-sync merge): core's FileSyncState. */
export function syncStateFor(_globalStorage: string, _profile: LoadedProfile, _localRoot: string, _remoteRoot: string): SyncStateStore {
  let record: SyncRecord | undefined;
  return {
    load: async () => record,
    save: async (r) => {
      record = r;
    },
  };
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
