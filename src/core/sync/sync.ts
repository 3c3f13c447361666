/** Plans and runs a sync (see types.ts). Skeleton: implemented on branch s-sync. */
import type { SessionSource } from '../transfer/engine';
import type { RunSyncOptions, SyncDirection, SyncOptions, SyncPlan, SyncResult, SyncStateStore } from './types';

export * from './types';

/** Compares the trees and says what a sync would do; changes nothing. */
export async function planSync(_source: SessionSource, _direction: SyncDirection, _localRoot: string, _remoteRoot: string, _state: SyncStateStore, _opts: SyncOptions = {}): Promise<SyncPlan> {
  throw new Error('planSync: not implemented yet');
}

/** Runs a reviewed plan: rows that changed since it was made are left alone and listed. */
export async function runSync(_source: SessionSource, _plan: SyncPlan, _state: SyncStateStore, _opts: RunSyncOptions = {}): Promise<SyncResult> {
  throw new Error('runSync: not implemented yet');
}
